"""Storage against SQLite and — when DOCPROC_TEST_POSTGRES_URL is set (``.ci/start-postgres.sh``) — PostgreSQL:
schema bootstrap, documents by content hash, stable task ids, corrections kept apart from the machine
extraction, the task feed's filters, job recovery, the webhook outbox."""
from __future__ import annotations

import copy
import datetime as dt
import os

import pytest
from sqlalchemy import select

from docproc.config import Settings
from service import store
from service.db import SCHEMA_VERSION, Database, SchemaError
from service.intake import Entry
from service.jobs import JobRunner, cancel, create_job, finish_if_done, job_view
from service.models import (AuditEvent, Base, DocumentRow, Job, JobItem, SchemaVersion, SourceBlob, TaskCorrection,
                            TaskRow, WebhookDelivery)
from service import webhooks

from .conftest import SAMPLES, SHARED

PG_URL = os.environ.get("DOCPROC_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    if request.param == "sqlite":
        d = Database(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        if not PG_URL:
            pytest.skip("DOCPROC_TEST_POSTGRES_URL is not set (see .ci/start-postgres.sh)")
        d = Database(PG_URL)
        Base.metadata.drop_all(d.engine)
    d.create_schema()
    yield d
    if request.param == "postgres":
        Base.metadata.drop_all(d.engine)
    d.dispose()


def make_doc(sha_char: str, tasks: list[dict], **notice) -> dict:
    sha = sha_char * 64
    return {"schema": "docproc.notice/1",
            "source": {"name": f"{sha_char}.txt", "format": "txt", "media_type": "text/plain", "size": 10,
                       "sha256": sha, "encoding": "utf-8", "archive_member": None},
            "status": "ok", "issues": [], "repairs": [], "text": f"正文{sha_char}：各单位要按时报送。",
            "notice": {"doc_number": None, "title": None, "issuers": [], "signed_date": None, **notice},
            "tasks": [{"id": f"T{i + 1:02d}", "content": "", "stage": None, "lead": None, "owners": [],
                       "partners": [], "start": None, "due": None, "time_text": None, "recurrence": None,
                       "span": [0, 1], "confidence": 0.8, **t} for i, t in enumerate(tasks)]}


DOC_A = make_doc("a", [{"content": "报送实施方案", "owners": ["各区县建设局"], "due": "2024-03-31"},
                       {"content": "开展检查", "lead": "市建设局", "partners": ["市财政局"], "due": "2024-06-30"},
                       {"content": "长期坚持", "owners": ["100%_单位"]}],
                 doc_number="常建〔2024〕12号", title="关于开展安全生产检查的通知", issuers=["常州市建设局"],
                 signed_date="2024-02-01")
DOC_B = make_doc("b", [{"content": "总结上报", "owners": ["市财政局"], "due": "2025-01-15"}],
                 doc_number="财办〔2024〕3号", title="关于做好年度总结的通知", issuers=["常州市财政局"],
                 signed_date="2024-11-20")


def test_schema_bootstrap_is_idempotent(db):
    assert db.schema_version() == SCHEMA_VERSION
    assert db.create_schema() == SCHEMA_VERSION
    assert db.ping()
    with db.session() as s:
        s.get(SchemaVersion, 1).version = SCHEMA_VERSION + 1
    with pytest.raises(SchemaError, match="newer"):
        db.create_schema()


def test_same_bytes_one_document_stable_task_ids(db):
    with db.session() as s:
        d1 = store.save_result(s, copy.deepcopy(DOC_A), b"bytes of a")
    with db.session() as s:
        d2 = store.save_result(s, copy.deepcopy(DOC_A), b"bytes of a")
        assert d1.id == d2.id == "a" * 16
        assert store.count_rows(s, DocumentRow) == 1 and store.count_rows(s, SourceBlob) == 1
        assert [t.id for t in store.machine_tasks(s, d1.id)] == [f"{'a' * 16}-T0{i}" for i in (1, 2, 3)]
        assert store.count_rows(s, TaskRow) == 3
        assert store.find_document(s, "a" * 64, current=True).id == d1.id
        assert store.find_document(s, "c" * 64) is None
        view = store.document_view(s, store.find_document(s, "a" * 64))
        assert view["text"] == DOC_A["text"] and view["notice"]["title"] == DOC_A["notice"]["title"]
        assert [t["id"] for t in view["tasks"]] == ["T01", "T02", "T03"]
        assert store.get_source(s, "a" * 64) == b"bytes of a"


def test_real_pipeline_document_round_trip(db):
    seeds = sorted((SAMPLES / "seeds").glob("*.txt")) or sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("no seeds")
    from docproc.pipeline import process

    data = seeds[0].read_bytes()
    d = process(data, name=seeds[0].name).to_dict()
    with db.session() as s:
        row = store.save_result(s, d, data)
    with db.session() as s:
        v = store.document_view(s, s.get(DocumentRow, row.id), "machine")
    for k in ("schema", "source", "status", "issues", "repairs", "text", "notice"):
        assert v[k] == d[k], k
    assert v["tasks"] == [{**t, "uid": f"{row.id}-{t['id']}"} for t in d["tasks"]]


def test_reprocessing_replaces_machine_tasks_keeps_corrections(db):
    with db.session() as s:
        doc = store.save_result(s, copy.deepcopy(DOC_A))
        store.update_task(s, doc, "T01", {"owners": ["改后单位"]}, actor="张三", key=None)
    newer = copy.deepcopy(DOC_A)
    newer["tasks"] = newer["tasks"][:1]
    with db.session() as s:
        doc = store.save_result(s, newer)
        assert store.count_rows(s, TaskRow) == 1 and store.count_rows(s, TaskCorrection) == 1
        assert [t["owners"] for t in store.effective_tasks(s, doc)] == [["改后单位"]]


def test_corrections_never_overwrite_the_machine_extraction(db):
    with db.session() as s:
        doc = store.save_result(s, copy.deepcopy(DOC_A))
    with db.session() as s:
        doc = s.get(DocumentRow, doc.id)
        t = store.update_task(s, doc, "T01", {"owners": ["市住建局"], "due": "2024-04-15"}, actor="李四", key="key:1")
        assert t["corrected"] and t["owners"] == ["市住建局"] and t["corrected_by"] == "李四"
        added = store.add_task(s, doc, {"content": "补报名单", "owners": ["各单位"], "due": "2024-05-01"},
                               actor="李四", key="key:1")
        assert added["id"] == "R01" and added["uid"] == f"{doc.id}-R01" and added["origin"] == "human"
        store.delete_task(s, doc, f"{doc.id}-T02", actor="李四", key="key:1")
    with db.session() as s:
        doc = s.get(DocumentRow, doc.id)
        machine = s.get(TaskRow, f"{doc.id}-T01")
        assert machine.owners == ["各区县建设局"] and machine.due == "2024-03-31"  # untouched
        assert machine.data["owners"] == ["各区县建设局"]
        served = store.effective_tasks(s, doc)
        assert [t["id"] for t in served] == ["T01", "T03", "R01"]
        assert served[0]["owners"] == ["市住建局"] and served[0]["corrected"] and not served[1]["corrected"]
        assert [t["id"] for t in store.document_view(s, doc, "machine")["tasks"]] == ["T01", "T02", "T03"]
        feed, total = store.task_feed(s)
        assert total == 3 and {t["id"] for t in feed} == {f"{doc.id}-T01", f"{doc.id}-T03", f"{doc.id}-R01"}
        f1 = next(t for t in feed if t["local_id"] == "T01")
        assert f1["owners"] == ["市住建局"] and f1["due"] == "2024-04-15" and f1["corrected"] and f1["reviewed"]
        assert f1["corrected_by"] == "李四" and f1["corrected_at"].endswith("Z")
        assert store.task_feed(s, owner="市住建局")[1] == 1 and store.task_feed(s, owner="各区县建设局")[1] == 0
        assert store.task_feed(s, reviewed=True)[1] == 2 and store.task_feed(s, reviewed=False)[1] == 1
        # revert: the machine values come back; a deleted task is restored
        store.revert_task(s, doc, "T01", actor="王五", key=None)
        store.revert_task(s, doc, "T02", actor="王五", key=None)
        assert store.task_feed(s, owner="各区县建设局")[1] == 1 and store.task_feed(s)[1] == 4
        with pytest.raises(store.ReviewError):
            store.revert_task(s, doc, "T03", actor="王五", key=None)
        with pytest.raises(store.ReviewError):
            store.update_task(s, doc, "T09", {"content": "x"}, actor=None, key=None)
        store.set_reviewed(s, doc, True, actor="王五", key=None, note="ok")
        assert store.task_feed(s, reviewed=False)[1] == 0
    with db.session() as s:
        trail = store.audit_trail(s, "a" * 16)
        assert [a["action"] for a in trail] == ["task.update", "task.create", "task.delete", "task.revert",
                                               "task.revert", "document.review"]
        assert trail[0]["before"]["owners"] == ["各区县建设局"] and trail[0]["after"]["owners"] == ["市住建局"]
        assert trail[0]["actor"] == "李四" and trail[0]["key_id"] == "key:1"


def test_task_feed_filters_and_paging(db):
    with db.session() as s:
        store.save_result(s, copy.deepcopy(DOC_A))
        store.save_result(s, copy.deepcopy(DOC_B))
    with db.session() as s:
        items, total = store.task_feed(s)
        assert total == 4
        assert [t["due"] for t in items] == ["2024-03-31", "2024-06-30", "2025-01-15", None]  # undated last
        assert [t["id"] for t in store.task_feed(s, limit=2, offset=1)[0]] == [t["id"] for t in items[1:3]]
        assert store.task_feed(s, limit=2)[1] == 4
        assert [t["due"] for t in store.task_feed(s, due_after="2024-03-31", due_before="2024-06-30")[0]] == \
            ["2024-03-31", "2024-06-30"]
        assert store.task_feed(s, owner="市财政局")[1] == 2  # a partner and an owner
        assert store.task_feed(s, owner="市建设局")[1] == 1  # the lead
        assert store.task_feed(s, owner="100%_")[1] == 1 and store.task_feed(s, owner="%")[1] == 1  # escaped
        assert store.task_feed(s, owner="_")[1] == 1
        assert store.task_feed(s, doc_number="〔2024〕3")[1] == 1
        today = dt.date(2024, 7, 1)
        assert store.task_feed(s, status="overdue", today=today)[1] == 2
        assert store.task_feed(s, status="upcoming", today=today)[1] == 1
        assert store.task_feed(s, status="undated", today=today)[1] == 1
        assert store.task_feed(s, q="总结")[1] == 1
        docs = store.docs_for_tasks(s, store.task_feed(s, owner="市财政局")[0])
        assert [d["id"] for d in docs] == ["a" * 16, "b" * 16] and [len(d["tasks"]) for d in docs] == [1, 1]


def test_document_search(db):
    with db.session() as s:
        store.save_result(s, copy.deepcopy(DOC_A))
        store.save_result(s, copy.deepcopy(DOC_B))
    with db.session() as s:
        def ids(**kw):
            return sorted(d.id[0] for d in store.list_documents(s, **kw)[0])
        assert ids() == ["a", "b"]
        assert ids(q="安全生产") == ["a"] and ids(q="正文b") == ["b"] and ids(q="50%") == []
        assert ids(doc_number="财办") == ["b"] and ids(issuer="建设局") == ["a"]
        assert ids(signed_after="2024-06-01") == ["b"] and ids(signed_before="2024-06-01") == ["a"]
        assert store.list_documents(s, limit=1)[1] == 2 and len(store.list_documents(s, limit=1)[0]) == 1


def test_delete_document_removes_everything(db):
    with db.session() as s:
        doc = store.save_result(s, copy.deepcopy(DOC_A), b"aaa")
        store.update_task(s, doc, "T01", {"content": "改"}, actor="x", key=None)
        store.save_result(s, copy.deepcopy(DOC_B), b"bbb")
    with db.session() as s:
        store.delete_document(s, s.get(DocumentRow, "a" * 16))
    with db.session() as s:
        assert store.count_rows(s, DocumentRow) == 1 and store.count_rows(s, TaskRow) == 1
        assert store.count_rows(s, TaskCorrection) == 0 and store.count_rows(s, AuditEvent) == 0
        assert store.get_source(s, "a" * 64) is None and store.get_source(s, "b" * 64) == b"bbb"


def _entries(*chars):
    return [Entry(f"{c}.txt", None, None, c * 64, size=3) for c in chars]


def test_job_recovery_and_counters(db):
    settings = Settings(queue_max=5)
    with db.session() as s:
        for c in "ab":
            store.put_source(s, c * 64, c.encode() * 3)
        job = create_job(s, _entries("a", "b") + [Entry("bad.zip!/x", "bad.zip!/x", None, None,
                                                        {"code": "unsafe_member", "message": "x"})], None, settings)
        assert (job.total, job.processed, job.failed) == (3, 1, 1)
        items = s.scalars(select(JobItem).where(JobItem.job_id == job.id).order_by(JobItem.seq)).all()
        items[0].status, items[1].status = "ok", "running"  # a = finished, b = in flight when the service died
        job.status = "running"
        jid = job.id
    runner = JobRunner(db, pool=None, settings=settings)
    assert runner.recover() == 1
    with db.session() as s:
        job = s.get(Job, jid)
        assert job.status == "running" and (job.processed, job.succeeded, job.failed) == (2, 1, 1)
        assert [i.status for i in s.scalars(select(JobItem).where(JobItem.job_id == jid).order_by(JobItem.seq))] \
            == ["ok", "pending", "failed"]
        assert not finish_if_done(s, job)
        s.scalars(select(JobItem).where(JobItem.job_id == jid, JobItem.seq == 1)).one().status = "partial"
        job.processed += 1
        assert finish_if_done(s, job) and job.status == "done" and job.partial == 1
        v = job_view(s, job, items=True)
        assert [e["code"] for e in v["errors"]] == ["unsafe_member"] and len(v["items"]) == 3


def test_job_cancel_and_queue_limit(db):
    from service.errors import ApiError

    settings = Settings(queue_max=1)
    with db.session() as s:
        store.put_source(s, "a" * 64, b"aaa")
        job = create_job(s, _entries("a"), None, settings)
        with pytest.raises(ApiError) as e:
            create_job(s, _entries("a"), None, settings)
        assert e.value.status == 503 and e.value.headers["Retry-After"]
        cancel(s, job)
        assert job.status == "cancelled"
        assert [i.status for i in s.scalars(select(JobItem).where(JobItem.job_id == job.id))] == ["cancelled"]
        create_job(s, _entries("a"), None, settings)  # room again


def test_all_failed_job_is_failed_and_webhook_outbox(db):
    settings = Settings(queue_max=5)
    with db.session() as s:
        job = create_job(s, [Entry("x.txt", None, None, None, {"code": "empty", "message": "x.txt is empty"})],
                         "http://127.0.0.1:1/hook", settings)
        webhooks.enqueue(s, job, "job.progress", {"id": job.id})
        assert finish_if_done(s, job) and job.status == "failed" and job.error["code"] == "all_failed"
    with db.session() as s:
        rows = s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)).all()
        assert [(r.event, r.status) for r in rows] == [("job.progress", "superseded"), ("job.failed", "pending")]
        import json

        body = json.loads(rows[1].body)
        assert body["event"] == "job.failed" and body["job"]["status"] == "failed" and body["delivery"] == rows[1].id
    assert webhooks.verify("k", b"body", webhooks.sign("k", b"body"))
    assert not webhooks.verify("k", b"body!", webhooks.sign("k", b"body")) and not webhooks.verify("k", b"", None)


def test_concurrent_saves_of_the_same_document(db):
    """The HTTP handlers and the job runner may store the same bytes at once: one row, no error."""
    import threading

    errors = []

    def save():
        try:
            db.run(lambda s: store.save_result(s, copy.deepcopy(DOC_A), b"same"))
        except Exception as e:  # pragma: no cover - the assertion reports it
            errors.append(e)

    threads = [threading.Thread(target=save) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.session() as s:
        assert store.count_rows(s, DocumentRow) == 1 and store.count_rows(s, TaskRow) == 3


@pytest.mark.postgres
def test_server_on_postgres(tmp_path):
    """The whole service on PostgreSQL: inline upload, a job over a zip, the feed, a correction."""
    if not PG_URL:
        pytest.skip("DOCPROC_TEST_POSTGRES_URL is not set (see .ci/start-postgres.sh)")
    import io
    import time
    import zipfile

    from service.testing import ServerProcess

    seeds = sorted((SAMPLES / "seeds").glob("*.txt")) or sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("no seeds")
    d = Database(PG_URL)
    Base.metadata.drop_all(d.engine)
    d.dispose()
    with ServerProcess(database_url=PG_URL, log=tmp_path / "pg.log", workers=1) as srv:
        c = srv.client
        assert c.get("/version").json()["database"] == "postgresql"
        r = c.post("/v1/documents", files=[("files", (seeds[0].name, seeds[0].read_bytes(), "text/plain"))])
        assert r.status_code == 201
        doc = r.json()["documents"][0]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for p in seeds:
                z.writestr(p.name, p.read_bytes())
        job = c.post("/v1/jobs", files=[("files", ("s.zip", buf.getvalue(), "application/zip"))]).json()
        end = time.monotonic() + 60
        while time.monotonic() < end and c.get(f"/v1/jobs/{job['id']}").json()["status"] in ("queued", "running"):
            time.sleep(0.1)
        j = c.get(f"/v1/jobs/{job['id']}").json()
        assert j["status"] == "done" and j["processed"] == len(seeds)
        assert c.get("/v1/documents").json()["total"] == len(seeds)  # the inline one was not duplicated
        feed = c.get("/v1/tasks", params={"limit": 500}).json()
        assert feed["total"] == sum(x["task_count"] for x in c.get("/v1/documents").json()["items"])
        if doc["tasks"]:
            t = doc["tasks"][0]
            r = c.patch(f"/v1/documents/{doc['id']}/tasks/{t['id']}", json={"owners": ["审核单位"], "due": "2030-01-02"})
            assert r.status_code == 200
            sel = c.get("/v1/tasks", params={"owner": "审核单位", "reviewed": True}).json()["items"]
            assert [x["id"] for x in sel] == [t["uid"]] and sel[0]["due"] == "2030-01-02"
        assert c.get("/v1/tasks", params={"format": "xlsx"}).status_code == 200
    d = Database(PG_URL)
    Base.metadata.drop_all(d.engine)
    d.dispose()
