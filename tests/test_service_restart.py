"""Kill the server (SIGKILL) in the middle of a job, start it again: the job completes, nothing is duplicated,
and no result finished before the kill is lost or recomputed."""
from __future__ import annotations

import io
import sqlite3
import subprocess
import time
import zipfile

import pytest

from service.testing import ServerProcess

from .conftest import SAMPLES, SHARED

N_DOCS = 50


def seeds() -> list[bytes]:
    for d in (SAMPLES / "seeds", SHARED / "seeds"):
        files = sorted(d.glob("*.txt")) if d.is_dir() else []
        if files:
            return [p.read_bytes() for p in files]
    pytest.skip("no seed notices")


def child_pids(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def counts(db) -> dict:
    with sqlite3.connect(db) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("documents", "tasks", "sources", "jobs", "job_items")}


def test_sigkill_during_a_job_then_resume(tmp_path):
    db = tmp_path / "restart.db"
    base = seeds()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(N_DOCS):  # distinct bytes: every member is its own document
            z.writestr(f"批次/{i:03d}.txt", base[i % len(base)] + f"\n（第{i}份）\n".encode())
        z.writestr("批次/dup.txt", base[0] + "\n（第0份）\n".encode())  # same bytes as 000.txt
    total = N_DOCS + 1

    s = ServerProcess(db=db, log=tmp_path / "run1.log", workers=1)
    s.start()
    job_id = s.client.post("/v1/jobs", files=[("files", ("batch.zip", buf.getvalue(), "application/zip"))]).json()["id"]
    end = time.monotonic() + 60
    while time.monotonic() < end:
        j = s.client.get(f"/v1/jobs/{job_id}").json()
        if j["processed"] >= 2:
            break
        time.sleep(0.02)
    children = child_pids(s.proc.pid)
    assert len(children) >= 1  # the worker process (and multiprocessing's resource tracker)
    s.kill()  # SIGKILL: no shutdown code runs
    assert j["status"] == "running" and 2 <= j["processed"] < total, j
    before = counts(db)
    with sqlite3.connect(db) as c:
        done_before = dict(c.execute("SELECT d.id, d.updated_at FROM documents d"))
        running = c.execute("SELECT count(*) FROM job_items WHERE status='running'").fetchone()[0]
    assert before["documents"] >= 2 and before["jobs"] == 1 and before["job_items"] == total

    end = time.monotonic() + 20  # the orphaned workers notice their closed pipe and exit
    while time.monotonic() < end and any(alive(p) for p in children):
        time.sleep(0.1)
    assert not [p for p in children if alive(p)], "worker processes outlived the killed server"

    s2 = ServerProcess(db=db, log=tmp_path / "run2.log", workers=1, port=s.port)
    s2.start()
    try:
        end = time.monotonic() + 90
        while time.monotonic() < end:
            j = s2.client.get(f"/v1/jobs/{job_id}").json()
            if j["status"] not in ("queued", "running"):
                break
            time.sleep(0.1)
        assert j["status"] == "done", j
        assert j["total"] == j["processed"] == total and j["failed"] == 0
        assert j["succeeded"] + j["partial"] == total
        lines = s2.client.get(f"/v1/jobs/{job_id}/result").text.splitlines()
        assert len(lines) == total
        tasks_feed = s2.client.get("/v1/tasks", params={"limit": 1}).json()["total"]
        docs = s2.client.get("/v1/documents", params={"limit": 500}).json()
    finally:
        s2.stop()
        s2.client.close()

    after = counts(db)
    assert after["documents"] == N_DOCS == docs["total"]  # dup.txt shares 000.txt's document
    assert after["sources"] == N_DOCS and after["jobs"] == 1 and after["job_items"] == total
    assert after["tasks"] == sum(d["task_count"] for d in docs["items"]) == tasks_feed
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(DISTINCT id) FROM tasks").fetchone()[0] == after["tasks"]
        assert c.execute("SELECT count(*) FROM job_items WHERE status NOT IN ('ok','partial')").fetchone()[0] == 0
        # results finished before the kill were kept, not recomputed
        for did, updated in done_before.items():
            assert c.execute("SELECT updated_at FROM documents WHERE id=?", (did,)).fetchone()[0] == updated
    assert running <= 2  # at most the documents in flight were interrupted
