"""Jobs: batches of documents run by the service's own worker processes (no external queue).

* A job is created with all its items at submit time; each item points at its bytes in ``sources`` (by hash),
  so nothing but the database is needed to resume it.
* One runner thread keeps the worker pool busy (up to two documents in flight per worker), commits each
  document's result as soon as it finishes (document row + tasks + item status + job counters in one
  transaction), and finishes the job when no item is left.
* On start, items that were ``running`` when the service stopped go back to ``pending`` and the counters are
  recomputed from the items: a killed service resumes its jobs and loses no finished result. Documents are
  keyed by content hash and tasks by ``<document>-<task>`` ids, so a re-run duplicates nothing.
* With ``DOCPROC_WORKERS=0`` jobs are accepted and queued but not run (an API-only node).

Job status: ``queued`` → ``running`` → ``done`` (every document processed; see the counters for failures) or
``failed`` (no document could be processed) or ``cancelled`` (``DELETE /v1/jobs/{id}``).
"""
from __future__ import annotations

import logging
import queue
import threading
import uuid

from sqlalchemy import func, select, update

from .errors import ApiError
from .models import Job, JobItem, WebhookDelivery, utcnow
from .store import find_document, get_source, iso, save_result
from . import webhooks

log = logging.getLogger("docproc.service.jobs")

ACTIVE = ("queued", "running")
FINAL = ("done", "failed", "cancelled")
RETRY_AFTER_S = 15
ERRORS_SHOWN = 100
INFLIGHT_PER_WORKER = 2


def new_id() -> str:
    return uuid.uuid4().hex[:20]


def check_capacity(s, settings) -> None:
    """503 with Retry-After when ``DOCPROC_QUEUE_MAX`` jobs are already queued or running."""
    active = s.scalar(select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE))) or 0
    if active >= settings.queue_max:
        raise ApiError(503, "queue_full", f"the job queue is full ({active} jobs queued or running, "
                                          f"DOCPROC_QUEUE_MAX={settings.queue_max}); retry later",
                       headers={"Retry-After": str(RETRY_AFTER_S)}, retry_after=RETRY_AFTER_S)


def create_job(s, entries, callback_url: str | None, settings) -> Job:
    """A queued job with one item per entry (entries' bytes are stored by the caller)."""
    check_capacity(s, settings)
    job = Job(id=new_id(), status="queued", callback_url=callback_url, created_at=utcnow())
    s.add(job)
    s.flush()
    n = 0
    for e in entries:
        item = JobItem(job_id=job.id, seq=n, name=e.name, archive_member=e.member, sha256=e.sha256,
                       size=e.size, status="pending")
        if e.error is not None:
            item.status, item.error, item.finished_at = "failed", e.error, utcnow()
        s.add(item)
        n += 1
    job.total = n
    recount(s, job)
    s.flush()
    return job


def recount(s, job: Job) -> None:
    rows = s.execute(select(JobItem.status, func.count()).where(JobItem.job_id == job.id).group_by(JobItem.status))
    by = {st: c for st, c in rows}
    job.total = sum(by.values())
    job.succeeded, job.partial, job.failed = by.get("ok", 0), by.get("partial", 0), by.get("failed", 0)
    job.processed = job.succeeded + job.partial + job.failed


def job_view(s, job: Job, *, items: bool = False) -> dict:
    d = {"id": job.id, "status": job.status, "total": job.total, "processed": job.processed,
         "succeeded": job.succeeded, "partial": job.partial, "failed": job.failed,
         "created_at": iso(job.created_at), "started_at": iso(job.started_at), "finished_at": iso(job.finished_at),
         "callback_url": job.callback_url, "error": job.error,
         "url": f"/v1/jobs/{job.id}", "result_url": f"/v1/jobs/{job.id}/result"}
    errs = s.scalars(select(JobItem).where(JobItem.job_id == job.id, JobItem.status == "failed")
                     .order_by(JobItem.seq).limit(ERRORS_SHOWN))
    d["errors"] = [{"name": it.name, "archive_member": it.archive_member, **(it.error or {})} for it in errs]
    if job.callback_url:
        d["webhooks"] = [webhooks.delivery_view(w) for w in s.scalars(
            select(WebhookDelivery).where(WebhookDelivery.job_id == job.id).order_by(WebhookDelivery.created_at))]
    if items:
        d["items"] = [item_view(it) for it in s.scalars(select(JobItem).where(JobItem.job_id == job.id)
                                                          .order_by(JobItem.seq))]
    return d


def item_view(it: JobItem) -> dict:
    return {"seq": it.seq, "name": it.name, "archive_member": it.archive_member, "status": it.status,
            "document_id": it.document_id, "error": it.error, "size": it.size}


def payload(job: Job) -> dict:
    """What a webhook carries about the job."""
    return {"id": job.id, "status": job.status, "total": job.total, "processed": job.processed,
            "succeeded": job.succeeded, "partial": job.partial, "failed": job.failed,
            "created_at": iso(job.created_at), "finished_at": iso(job.finished_at), "error": job.error,
            "url": f"/v1/jobs/{job.id}", "result_url": f"/v1/jobs/{job.id}/result"}


def cancel(s, job: Job) -> None:
    if job.status in FINAL:
        if job.status == "cancelled":
            return
        raise ApiError(409, "job_finished", f"job {job.id} is already {job.status}")
    s.execute(update(JobItem).where(JobItem.job_id == job.id, JobItem.status == "pending")
              .values(status="cancelled", finished_at=utcnow()))
    job.status, job.finished_at = "cancelled", utcnow()
    recount(s, job)
    webhooks.enqueue(s, job, "job.cancelled", payload(job))


def _item_status(result_status: str | None) -> str:
    return {"ok": "ok", "partial": "partial"}.get(result_status or "", "failed")


def _count(job: Job, status: str) -> None:
    """Bump the counters for one finished item (cheap; ``recount`` redoes them exactly)."""
    job.processed += 1
    if status == "ok":
        job.succeeded += 1
    elif status == "partial":
        job.partial += 1
    else:
        job.failed += 1


def finish_if_done(s, job: Job, sender=None) -> bool:
    if job.status not in ACTIVE:
        return False
    if job.processed < job.total:
        return False
    recount(s, job)  # exact numbers for the final state
    if job.processed < job.total:
        return False
    failed = job.total > 0 and job.succeeded + job.partial == 0
    job.status, job.finished_at = ("failed" if failed else "done"), utcnow()
    if failed:
        job.error = {"code": "all_failed", "message": "no document of the job could be processed"}
    webhooks.enqueue(s, job, "job.failed" if failed else "job.completed", payload(job))
    if sender:
        sender.wake()
    return True


def maybe_progress(s, job: Job) -> None:
    """At most one ``job.progress`` per tenth of the job."""
    if not job.callback_url or not job.total or job.status not in ACTIVE:
        return
    decile = job.processed * 10 // job.total
    if 0 < decile < 10 and decile > job.progress_sent:
        job.progress_sent = decile
        webhooks.enqueue(s, job, "job.progress", payload(job))


class JobRunner:
    """The thread that feeds the worker pool from the job tables and commits results."""

    def __init__(self, db, pool, settings, sender=None):
        self.db, self.pool, self.settings, self.sender = db, pool, settings, sender
        self._inflight: dict[int, str] = {}  # item id → job id
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------
    def recover(self) -> int:
        """Items left ``running`` by a stopped service go back to ``pending``; counters are recomputed."""
        with self.db.session() as s:
            n = s.execute(update(JobItem).where(JobItem.status == "running").values(status="pending")).rowcount
            for job in s.scalars(select(Job).where(Job.status.in_(ACTIVE))):
                recount(s, job)
                finish_if_done(s, job)
        if n:
            log.info("resuming %d document(s) of interrupted jobs", n)
        return n or 0

    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._run, name="docproc-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    # -- loop -----------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._drain()
                self._fill()
            except Exception:  # pragma: no cover - the loop must survive a database hiccup
                log.exception("job runner error")
                self._stop.wait(1.0)
            self._wake.wait(0.5)
            self._wake.clear()
        self._drain()

    def _fill(self) -> None:
        cap = self.pool.size * INFLIGHT_PER_WORKER - len(self._inflight)
        if cap <= 0:
            return
        submit = []
        with self.db.session() as s:
            jobs = list(s.scalars(select(Job).where(Job.status.in_(ACTIVE)).order_by(Job.created_at, Job.id)))
            for job in jobs:
                if cap <= 0:
                    break
                items = list(s.scalars(select(JobItem).where(JobItem.job_id == job.id, JobItem.status == "pending")
                                       .order_by(JobItem.seq).limit(cap)))
                if not items:
                    if not any(j == job.id for j in self._inflight.values()):
                        finish_if_done(s, job, self.sender)
                    continue
                if job.status == "queued":
                    job.status, job.started_at = "running", utcnow()
                for it in items:
                    doc = find_document(s, it.sha256, current=True) if it.sha256 else None
                    if doc is not None:  # already known (same bytes): nothing to compute
                        it.status, it.document_id, it.finished_at = _item_status(doc.status), doc.id, utcnow()
                        _count(job, it.status)
                        continue
                    data = get_source(s, it.sha256) if it.sha256 else None
                    if data is None:
                        it.status, it.finished_at = "failed", utcnow()
                        it.error = {"http_status": 422, "code": "source_missing",
                                    "message": "the document's bytes are no longer stored"}
                        _count(job, it.status)
                        continue
                    it.status = "running"
                    submit.append((it.id, job.id, data, it.name, it.archive_member))
                    cap -= 1
                maybe_progress(s, job)
                finish_if_done(s, job, self.sender)
        for item_id, job_id, data, name, member in submit:  # after the commit: results can't overtake it
            self._inflight[item_id] = job_id
            fut = self.pool.submit(data, name, member)
            fut.add_done_callback(lambda f, i=item_id: self._completed(i, f))

    def _completed(self, item_id: int, fut) -> None:
        try:
            res = fut.result()
        except Exception as e:  # pragma: no cover
            res = ("error", {"http_status": 500, "code": "internal_error", "message": str(e)})
        self._done.put((item_id, res))
        self._wake.set()

    def _drain(self) -> None:
        while True:
            try:
                item_id, res = self._done.get_nowait()
            except queue.Empty:
                return
            try:
                self.db.run(lambda s: self._commit(s, item_id, res))
            except Exception:
                log.exception("could not store the result of job item %s", item_id)
            finally:
                self._inflight.pop(item_id, None)

    def _commit(self, s, item_id: int, res) -> None:
        it = s.get(JobItem, item_id)
        if it is None:
            return
        kind, value = res
        if kind == "ok":
            doc = save_result(s, value)
            it.status, it.document_id, it.error = _item_status(value.get("status")), doc.id, None
        else:
            if value.get("code") == "shutting_down":
                it.status = "pending"  # the service is stopping: run it again next start
                return
            it.status, it.error = "failed", value
        it.finished_at = utcnow()
        job = s.get(Job, it.job_id)
        if job is None:
            return
        _count(job, it.status)
        maybe_progress(s, job)
        if finish_if_done(s, job, self.sender):
            log.info("job %s %s: %d/%d ok, %d partial, %d failed", job.id, job.status, job.succeeded, job.total,
                     job.partial, job.failed)
        elif self.sender and job.callback_url:
            self.sender.wake()
