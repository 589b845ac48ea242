"""The executor interface on its own: results, a crashing worker, a hung worker, Dask task errors."""
from __future__ import annotations

import os
import signal
import time

import pytest

from docproc.executors import DaskExecutor, LocalExecutor, drain


def work(x):
    """Runs in the workers (importable, so spawned processes and Dask find it)."""
    if x == "crash":
        os._exit(3)
    if x == "hang":
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)
    if x == "raise":
        raise ValueError("bad input")
    if x == "slow":
        time.sleep(3)
        return {"ok": True, "value": "late", "pid": os.getpid()}
    return {"ok": True, "value": x * 2, "pid": os.getpid()}


def collect(ex, args):
    got = {}
    drain(ex, ((i, (a,)) for i, a in enumerate(args)), lambda k, r: got.__setitem__(k, r))
    return got


def test_local_executor_survives_crash_and_hang():
    ex = LocalExecutor(work, jobs=2, timeout=0.5, grace=0.5)
    try:
        got = collect(ex, [1, "crash", 2, "hang", 3, "raise", 4])
    finally:
        ex.close()
    assert [got[i]["value"] for i in (0, 2, 4, 6)] == [2, 4, 6, 8]
    assert got[1]["code"] == "worker_crashed" and "exit code 3" in got[1]["message"]
    assert got[3]["code"] == "timeout" and ex.killed == 1
    assert got[5]["code"] == "internal_error" and "ValueError: bad input" in got[5]["message"]
    assert all(not w.proc.is_alive() for w in ex.workers)


def test_dask_executor_reports_task_errors():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        ex = DaskExecutor(work, client=client)
        got = collect(ex, [1, "raise", 2])
        ex.close()
    assert got[0]["value"] == 2 and got[2]["value"] == 4
    assert got[1]["ok"] is False and "ValueError" in got[1]["message"]


def test_dask_batches_documents_and_a_slow_one_does_not_sink_its_batch():
    """Small documents go several to a Dask task; when a batch overruns, its documents are sent again one per
    task, so only the slow one ends with ``timeout``."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        ex = DaskExecutor(work, client=client, batch=4)
        sent = []
        send = ex._send
        ex._send = lambda items: (sent.append(len(items)), send(items))[1]
        got = collect(ex, list(range(10)))
        ex.close()
        assert [got[i]["value"] for i in range(10)] == [2 * i for i in range(10)]
        assert sent == [4, 4, 2]  # ten documents in three tasks
        # the batch overruns (limit 2.5 s, "slow" takes 3 s): each document again alone; 2 and 3 then run on
        # the thread the abandoned batch frees, the slow one is abandoned alone
        ex = DaskExecutor(work, client=client, timeout=0.5, grace=2.0, batch=4)
        got = collect(ex, [1, "slow", 2, 3])
        ex.close()
    assert [got[i]["value"] for i in (0, 2, 3)] == [2, 4, 6]
    assert got[1]["code"] == "timeout" and ex.abandoned == 1


def test_documents_queued_behind_a_hung_one_go_to_the_next_worker():
    # one worker, two documents sent ahead: the one queued behind the hang is sent again after the kill
    ex = LocalExecutor(work, jobs=1, timeout=0.5, grace=0.5, depth=2)
    try:
        got = collect(ex, [1, "hang", 2, "crash", 3])
    finally:
        ex.close()
    assert got[0]["value"] == 2 and got[2]["value"] == 4 and got[4]["value"] == 6
    assert got[1]["code"] == "timeout" and got[3]["code"] == "worker_crashed"
    assert ex.killed == 1 and ex.ready_at is not None


def test_big_documents_wait_for_an_idle_worker():
    ex = LocalExecutor(work, jobs=1, depth=2)
    try:
        big = b"x" * (LocalExecutor.QUEUE_BYTES + 1)
        got = collect(ex, [b"a", big, b"b"])
    finally:
        ex.close()
    assert [got[i]["value"] for i in range(3)] == [b"aa", big * 2, b"bb"]


def test_idle_workers_leave_cleanly_when_closed():
    """Closing tells each idle worker to stop; it leaves at once with status 0 (no interpreter teardown, so no
    dangling process and nothing on the run's critical path), after every result has been delivered."""
    ex = LocalExecutor(work, jobs=2)
    try:
        got = collect(ex, list(range(10)))
    finally:
        ex.close()
    assert [got[i]["value"] for i in range(10)] == [2 * i for i in range(10)]
    assert [w.proc.exitcode for w in ex.workers] == [0, 0]
