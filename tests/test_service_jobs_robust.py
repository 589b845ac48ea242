"""Robustness of the job runner and the worker pool, on real databases and real processes:

* a result whose commit fails (the database raises) is retried a bounded number of times, then its item is
  failed with ``result_not_stored``; the job always reaches a final state, nothing is lost or duplicated;
* a cancel that lands between the runner's read and its write is never overwritten (conditional updates), on
  SQLite and — when DOCPROC_TEST_POSTGRES_URL is set (``.ci/start-postgres.sh``) — PostgreSQL;
* workers that die (or hang) at start-up every time fail the queued documents with ``worker_start_failed``
  instead of leaving them queued forever.

The database failures are real: a trigger makes the database itself reject the write (no mocked session).
"""
from __future__ import annotations

import functools
import importlib
import os
import time
from concurrent.futures import Future

import pytest
from sqlalchemy import event, select, text

from docproc.config import Settings
from service import store
from service.db import Database
from service.intake import Entry
from service.jobs import JobRunner, cancel, create_job
from service.models import Base, DocumentRow, Job, JobItem, TaskRow

PG_URL = os.environ.get("DOCPROC_TEST_POSTGRES_URL")


def _database(kind: str, tmp_path) -> Database:
    if kind == "sqlite":
        d = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    else:
        if not PG_URL:
            pytest.skip("DOCPROC_TEST_POSTGRES_URL is not set (see .ci/start-postgres.sh)")
        d = Database(PG_URL)
        _drop_fault(d)
        Base.metadata.drop_all(d.engine)
    d.create_schema()
    return d


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    d = _database(request.param, tmp_path)
    yield d
    if d.dialect == "postgresql":
        _drop_fault(d)
        Base.metadata.drop_all(d.engine)
    d.dispose()


@pytest.fixture
def pg(tmp_path):
    d = _database("postgres", tmp_path)
    yield d
    Base.metadata.drop_all(d.engine)
    d.dispose()


class RecordingPool:
    """Stands in for the worker processes (not the database): records what the runner submits; the test
    resolves the futures with the results a worker would send."""

    size = 1

    def __init__(self):
        self.submitted: list[tuple[str | None, Future]] = []

    def submit(self, data: bytes, name: str | None = None, member: str | None = None) -> Future:
        fut: Future = Future()
        self.submitted.append((name, fut))
        return fut


def make_doc(c: str, n_tasks: int = 2) -> dict:
    sha = c * 64
    return {"schema": "docproc.notice/1",
            "source": {"name": f"{c}.txt", "format": "txt", "media_type": "text/plain", "size": 3, "sha256": sha,
                       "encoding": "utf-8", "archive_member": None},
            "status": "ok", "issues": [], "repairs": [], "text": f"正文{c}：各单位要按时报送。",
            "notice": {"doc_number": None, "title": f"通知{c}", "issuers": [], "signed_date": None},
            "tasks": [{"id": f"T{i + 1:02d}", "content": f"任务{i}", "stage": None, "lead": None, "owners": [],
                       "partners": [], "start": None, "due": None, "time_text": None, "recurrence": None,
                       "span": [0, 1], "confidence": 0.8} for i in range(n_tasks)]}


def submit_job(db: Database, chars: str, status: str = "queued") -> str:
    with db.session() as s:
        for c in chars:
            store.put_source(s, c * 64, c.encode() * 3)
        job = create_job(s, [Entry(f"{c}.txt", None, None, c * 64, size=3) for c in chars], None,
                         Settings(queue_max=10))
        job.status = status
        return job.id


def statuses(db: Database, jid: str) -> tuple[str, list[str]]:
    with db.session() as s:
        items = s.scalars(select(JobItem).where(JobItem.job_id == jid).order_by(JobItem.seq)).all()
        return s.get(Job, jid).status, [i.status for i in items]


def resolve_all(pool: RecordingPool) -> None:
    for name, fut in pool.submitted:
        if not fut.done():
            fut.set_result(("ok", make_doc(name[0])))


# -- real database faults: the database rejects the write ------------------------------------------------------
def _add_fault(d: Database) -> None:
    """Every INSERT into ``documents`` fails inside the database (as a commit does when it is unavailable)."""
    with d.engine.begin() as c:
        if d.dialect == "sqlite":
            c.execute(text("CREATE TRIGGER docproc_fault BEFORE INSERT ON documents "
                           "BEGIN SELECT RAISE(ABORT, 'simulated outage'); END"))
        else:
            c.execute(text("CREATE OR REPLACE FUNCTION docproc_fault() RETURNS trigger LANGUAGE plpgsql AS "
                           "$$ BEGIN RAISE EXCEPTION 'simulated outage'; END $$"))
            c.execute(text("CREATE TRIGGER docproc_fault BEFORE INSERT ON documents "
                           "FOR EACH ROW EXECUTE FUNCTION docproc_fault()"))


def _drop_fault(d: Database) -> None:
    with d.engine.begin() as c:
        if d.dialect == "sqlite":
            c.execute(text("DROP TRIGGER IF EXISTS docproc_fault"))
        else:
            c.execute(text("DROP TRIGGER IF EXISTS docproc_fault ON documents"))
            c.execute(text("DROP FUNCTION IF EXISTS docproc_fault()"))


def _runner(db: Database, pool: RecordingPool) -> JobRunner:
    r = JobRunner(db, pool, Settings(queue_max=10))
    r.commit_retry_s = 0.0  # retries are due at once: the test drives the loop itself
    return r


# -- 1. a failing commit ---------------------------------------------------------------------------------------
def test_commit_failure_is_retried_then_stored_once(db):
    pool = RecordingPool()
    runner = _runner(db, pool)
    jid = submit_job(db, "ab")
    runner._fill()
    assert statuses(db, jid) == ("running", ["running", "running"]) and len(pool.submitted) == 2
    _add_fault(db)
    resolve_all(pool)
    runner._drain()  # the database is "down": nothing stored, nothing forgotten
    assert statuses(db, jid) == ("running", ["running", "running"])
    assert runner.inflight == 2
    _drop_fault(db)  # it is back
    runner._drain()
    runner._fill()
    assert statuses(db, jid) == ("done", ["ok", "ok"])
    assert runner.inflight == 0
    runner._drain()
    runner._fill()
    with db.session() as s:
        job = s.get(Job, jid)
        assert (job.processed, job.succeeded, job.failed) == (2, 2, 0)
        assert store.count_rows(s, DocumentRow) == 2 and store.count_rows(s, TaskRow) == 4
    assert len(pool.submitted) == 2  # nothing computed twice


def test_commit_failing_for_good_fails_the_item_and_finishes_the_job(db):
    pool = RecordingPool()
    runner = _runner(db, pool)
    jid = submit_job(db, "ab")
    runner._fill()
    _add_fault(db)
    resolve_all(pool)
    for _ in range(runner.commit_attempts + 1):  # bounded: never more than commit_attempts tries
        runner._drain()
        runner._fill()
    assert statuses(db, jid) == ("failed", ["failed", "failed"])
    assert runner.inflight == 0
    with db.session() as s:
        items = s.scalars(select(JobItem).where(JobItem.job_id == jid).order_by(JobItem.seq)).all()
        for it in items:
            assert it.error["code"] == "result_not_stored" and it.finished_at is not None
            assert "simulated outage" in it.error["message"], it.error
        job = s.get(Job, jid)
        assert job.error["code"] == "all_failed" and (job.processed, job.failed) == (2, 2)
        assert store.count_rows(s, DocumentRow) == 0
    assert len(pool.submitted) == 2


def _until(cond, timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_runner_thread_rides_out_an_outage(db):
    """The same through the runner's own thread: the database fails for a while, then the job completes."""
    pool = RecordingPool()
    runner = JobRunner(db, pool, Settings(queue_max=10))
    runner.commit_retry_s, runner.commit_attempts = 0.05, 50  # the outage ends before the runner gives up
    jid = submit_job(db, "ab")
    runner.start()
    try:
        assert _until(lambda: len(pool.submitted) == 2)
        _add_fault(db)
        resolve_all(pool)
        time.sleep(0.3)  # a few failed tries
        assert statuses(db, jid) == ("running", ["running", "running"])
        _drop_fault(db)
        assert _until(lambda: statuses(db, jid)[0] == "done"), statuses(db, jid)
    finally:
        runner.stop()
    assert statuses(db, jid) == ("done", ["ok", "ok"]) and runner.inflight == 0
    with db.session() as s:
        assert store.count_rows(s, DocumentRow) == 2 and store.count_rows(s, TaskRow) == 4


# -- 2. cancel vs. runner --------------------------------------------------------------------------------------
def _cancel_before_first_write(runner_db: Database, other: Database, jid: str, table: str | None = None) -> list:
    """Arm a hook: right before the runner's first write statement (on ``table`` if given), the job is
    cancelled through another connection and committed — the window a concurrent ``DELETE /v1/jobs`` hits."""
    fired: list[str] = []

    def hook(conn, cursor, statement, params, context, executemany):
        sql = statement.lstrip().upper()
        if fired or not sql.startswith(("UPDATE", "INSERT", "DELETE")):
            return
        if table and not sql.startswith(f"UPDATE {table.upper()}"):
            return
        fired.append(statement)
        with other.session() as s:
            cancel(s, s.get(Job, jid))

    event.listen(runner_db.engine, "before_cursor_execute", hook)
    return fired


@pytest.mark.parametrize("job_status", ["queued", "running"])
def test_cancel_between_read_and_claim_stays_cancelled(db, job_status):
    pool = RecordingPool()
    runner = _runner(db, pool)
    jid = submit_job(db, "ab", status=job_status)
    other = Database(db.url)
    try:
        fired = _cancel_before_first_write(db, other, jid)
        runner._fill()
        assert fired, "the cancel hook never ran"
    finally:
        other.dispose()
    assert statuses(db, jid) == ("cancelled", ["cancelled", "cancelled"])
    assert pool.submitted == [] and runner.inflight == 0
    runner._fill()
    runner._drain()
    assert statuses(db, jid) == ("cancelled", ["cancelled", "cancelled"])


@pytest.mark.postgres
def test_cancel_before_the_finish_write_stays_cancelled(pg):
    """PostgreSQL (read committed): the job is cancelled after the runner read it as running and before it
    writes ``done`` — the finish must not overwrite the cancel (on SQLite the writers are serialized)."""
    pool = RecordingPool()
    runner = _runner(pg, pool)
    jid = submit_job(pg, "a")
    runner._fill()
    assert statuses(pg, jid) == ("running", ["running"])
    other = Database(pg.url)
    try:
        fired = _cancel_before_first_write(pg, other, jid, table="jobs")
        resolve_all(pool)
        runner._drain()
        assert fired, "the cancel hook never ran"
    finally:
        other.dispose()
    runner._fill()
    status, items = statuses(pg, jid)
    assert status == "cancelled" and items == ["ok"]  # the document finished before the cancel: kept
    with pg.session() as s:
        assert store.count_rows(s, DocumentRow) == 1


def test_finished_item_is_not_counted_twice(db):
    """A result delivered twice (a retry after an ambiguous commit) counts and stores once."""
    pool = RecordingPool()
    runner = _runner(db, pool)
    jid = submit_job(db, "ab")
    runner._fill()
    resolve_all(pool)
    item_id = next(iter(runner._inflight))
    runner._drain()
    runner._done.put((item_id, ("ok", make_doc("a"))))
    runner._drain()
    with db.session() as s:
        job = s.get(Job, jid)
        assert job.status == "done" and (job.processed, job.succeeded) == (2, 2)
        assert store.count_rows(s, DocumentRow) == 2 and store.count_rows(s, TaskRow) == 4


# -- 3. workers that cannot start ------------------------------------------------------------------------------
def _pool(initializer, **kw):
    from service.pool import WorkerPool

    p = WorkerPool(1, Settings(document_timeout_s=30), initializer=initializer, **kw)
    p.start()
    return p


def _wait_all(futs, timeout: float):
    end = time.monotonic() + timeout
    for f in futs:
        yield f.result(max(0.1, end - time.monotonic()))


@pytest.mark.parametrize("initializer, cause", [
    (functools.partial(importlib.import_module, "docproc_missing_model"),
     "ModuleNotFoundError: No module named 'docproc_missing_model'"),
    (functools.partial(os._exit, 7), "exit code 7"),
], ids=["raises", "exits"])
def test_workers_dying_at_start_fail_the_queue(initializer, cause):
    p = _pool(initializer, max_start_failures=2)
    try:
        futs = [p.submit(b"x" * 10, f"{i}.txt") for i in range(3)]
        for kind, err in _wait_all(futs, 60):
            assert kind == "error" and err["code"] == "worker_start_failed", err
            assert cause in err["message"] and "2 times in a row" in err["message"], err
            assert err["http_status"] == 503
        assert p.start_failures >= 2 and not p.ready
        t0 = time.monotonic()
        kind, err = p.submit(b"y", "late.txt").result(30)  # still broken: fails at once, never queued forever
        assert err["code"] == "worker_start_failed" and time.monotonic() - t0 < 10
    finally:
        p.shutdown(timeout=5)
    assert all(not w.proc.is_alive() for w in p._workers)


def test_worker_hanging_at_start_is_bounded():
    p = _pool(functools.partial(time.sleep, 3600), max_start_failures=1, start_timeout_s=2.0)
    try:
        kind, err = p.submit(b"x", "x.txt").result(60)
        assert kind == "error" and err["code"] == "worker_start_failed", err
        assert "not ready after 2 s" in err["message"], err
    finally:
        p.shutdown(timeout=5)
