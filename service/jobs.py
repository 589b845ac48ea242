"""Jobs: batches of documents run by the service's own worker processes (no external queue).

* A job is created with all its items at submit time; each item points at its bytes in ``sources`` (by hash),
  so nothing but the database is needed to resume it.
* One runner thread keeps the worker pool busy (up to two documents in flight per worker), commits each
  document's result as soon as it finishes (document row + tasks + item status + job counters in one
  transaction), and finishes the job when no item is left.
* On start, items that were ``running`` when the service stopped go back to ``pending`` and the counters are
  recomputed from the items: a killed service resumes its jobs and loses no finished result. Documents are
  keyed by content hash and tasks by ``<document>-<task>`` ids, so a re-run duplicates nothing.
* A result whose commit fails (the database is unavailable, refuses the write) is kept and tried again, at most
  ``COMMIT_ATTEMPTS`` times with growing pauses; then its item fails with ``result_not_stored`` (that write is
  retried until it goes through), so the job still reaches a final state and no item stays ``running``.
* Every status change is conditional on the state the writer expects (``UPDATE … WHERE status = 'pending'``,
  rowcount checked): a cancel that lands between the runner's read and its write stands, on PostgreSQL too.
* With ``DOCPROC_WORKERS=0`` jobs are accepted and queued but not run (an API-only node).

Job status: ``queued`` → ``running`` → ``done`` (every document processed; see the counters for failures) or
``failed`` (no document could be processed) or ``cancelled`` (``DELETE /v1/jobs/{id}``).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

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
COMMIT_ATTEMPTS = 3  # tries to store one document's result before its item fails with ``result_not_stored``
COMMIT_RETRY_S = 1.0  # pause before the second try; doubles each time, at most COMMIT_RETRY_MAX_S
COMMIT_RETRY_MAX_S = 30.0


def new_id() -> str:
    return uuid.uuid4().hex[:20]


def _transition(s, row, model, expected, status: str, **values) -> bool:
    """``UPDATE … SET status = … WHERE id = … AND status IN expected``: True when this writer made the change.

    A concurrent writer (a cancel, another runner) that got there first wins and nothing is changed; the loaded
    ``row`` is kept in step with the database either way (without being marked dirty).
    """
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    n = s.execute(update(model).where(model.id == row.id, model.status.in_(expected))
                  .values(status=status, **values).execution_options(synchronize_session=False)).rowcount
    if not n:
        s.refresh(row)
        return False
    for k, v in {"status": status, **values}.items():
        set_committed_value(row, k, v)
    return True


def set_item_status(s, it: JobItem, expected, status: str, **values) -> bool:
    """Move an item from one of the ``expected`` states to ``status`` unless another writer moved it first."""
    return _transition(s, it, JobItem, expected, status, **values)


def set_job_status(s, job: Job, expected, status: str, **values) -> bool:
    """Move a job from one of the ``expected`` states to ``status`` unless another writer moved it first."""
    return _transition(s, job, Job, expected, status, **values)


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
    """Cancel the job's pending items, then the job (items already running finish and are kept).

    Items first, then the job: the order the runner takes its row locks in, so the two never deadlock. The job
    only moves if it is still queued or running — one that finished meanwhile answers 409.
    """
    if job.status not in FINAL:
        s.execute(update(JobItem).where(JobItem.job_id == job.id, JobItem.status == "pending")
                  .values(status="cancelled", finished_at=utcnow()))
        recount(s, job)
        if set_job_status(s, job, ACTIVE, "cancelled", finished_at=utcnow()):
            webhooks.enqueue(s, job, "job.cancelled", payload(job))
            return
    if job.status != "cancelled":
        raise ApiError(409, "job_finished", f"job {job.id} is already {job.status}")


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
    extra = {"error": {"code": "all_failed", "message": "no document of the job could be processed"}} if failed else {}
    if not set_job_status(s, job, ACTIVE, "failed" if failed else "done", finished_at=utcnow(), **extra):
        return False  # cancelled meanwhile: the cancel stands
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
        self._inflight: dict[int, str] = {}  # item id → job id (until its result is stored)
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._retry: list[tuple[float, int, tuple, int, str]] = []  # (due, item id, result, tries, last error)
        self.commit_attempts, self.commit_retry_s = COMMIT_ATTEMPTS, COMMIT_RETRY_S
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
                claimed = [w for w in (self._claim(s, job, it) for it in items) if w is not None]
                if job.status == "queued" and not set_job_status(s, job, "queued", "running", started_at=utcnow()):
                    log.info("job %s was %s while its documents were being claimed", job.id, job.status)
                submit += claimed
                cap -= len(claimed)
                maybe_progress(s, job)
                finish_if_done(s, job, self.sender)
        for item_id, job_id, data, name, member in submit:  # after the commit: results can't overtake it
            self._inflight[item_id] = job_id
            fut = self.pool.submit(data, name, member)
            fut.add_done_callback(lambda f, i=item_id: self._completed(i, f))

    @staticmethod
    def _claim(s, job: Job, it: JobItem):
        """Take one pending item (items before the job row: the lock order ``cancel`` uses too).

        Known bytes finish at once, missing bytes fail, the rest go ``running`` and come back as the work to
        submit. Every move is conditional on the item still being ``pending``: a cancel that got in between the
        read and this write stands (None is returned, nothing is counted or submitted).
        """
        doc = find_document(s, it.sha256, current=True) if it.sha256 else None
        if doc is not None:  # already known (same bytes): nothing to compute
            if set_item_status(s, it, "pending", _item_status(doc.status), document_id=doc.id,
                               finished_at=utcnow()):
                _count(job, it.status)
            return None
        data = get_source(s, it.sha256) if it.sha256 else None
        if data is None:
            if set_item_status(s, it, "pending", "failed", finished_at=utcnow(),
                               error={"http_status": 422, "code": "source_missing",
                                      "message": "the document's bytes are no longer stored"}):
                _count(job, it.status)
            return None
        if not set_item_status(s, it, "pending", "running"):
            return None
        return it.id, job.id, data, it.name, it.archive_member

    def _completed(self, item_id: int, fut) -> None:
        try:
            res = fut.result()
        except Exception as e:  # pragma: no cover
            res = ("error", {"http_status": 500, "code": "internal_error", "message": str(e)})
        self._done.put((item_id, res))
        self._wake.set()

    def _drain(self) -> None:
        """Store the results that came back, and retry those whose commit failed once their pause is over."""
        now = time.monotonic()
        due = [r for r in self._retry if r[0] <= now]
        self._retry = [r for r in self._retry if r[0] > now]
        for _, item_id, res, tries, err in due:
            self._store(item_id, res, tries, err)
        while True:
            try:
                item_id, res = self._done.get_nowait()
            except queue.Empty:
                return
            self._store(item_id, res, 0, "")

    def _store(self, item_id: int, res, tries: int, last_error: str) -> None:
        """Commit one result. When the database fails, keep it and try again later (pauses doubling); after
        ``commit_attempts`` failed tries the item is failed with ``result_not_stored`` instead — and that is
        retried until written, so the job always gets to a final state and no item is left ``running``."""
        giving_up = tries >= self.commit_attempts
        todo = self._not_stored(last_error) if giving_up else res
        try:
            self.db.run(lambda s: self._commit(s, item_id, todo))
        except Exception as e:
            err = _short_error(e)
            tries += 1
            delay = min(self.commit_retry_s * 2 ** (tries - 1), COMMIT_RETRY_MAX_S)
            log.warning("could not store the %s of job item %s (try %d, again in %.1f s): %s",
                        "failure" if giving_up else "result", item_id, tries, delay, err)
            self._retry.append((time.monotonic() + delay, item_id, res, tries, last_error if giving_up else err))
            return
        if giving_up:
            log.error("job item %s failed: its result could not be stored (%s)", item_id, last_error)
        self._inflight.pop(item_id, None)

    def _not_stored(self, cause: str) -> tuple[str, dict]:
        return "error", {"http_status": 503, "code": "result_not_stored",
                         "message": f"the result could not be stored after {self.commit_attempts} attempts "
                                    f"(the database failed: {cause}); submit the document again"}

    def _commit(self, s, item_id: int, res) -> None:
        it = s.get(JobItem, item_id)
        if it is None or it.status != "running":
            return  # gone, or stored already (a retried commit that had in fact gone through)
        kind, value = res
        if kind == "ok":
            doc = save_result(s, value)
            moved = set_item_status(s, it, "running", _item_status(value.get("status")), document_id=doc.id,
                                    finished_at=utcnow())
        elif value.get("code") == "shutting_down":
            set_item_status(s, it, "running", "pending")  # the service is stopping: run it again next start
            return
        else:
            moved = set_item_status(s, it, "running", "failed", error=value, finished_at=utcnow())
        job = s.get(Job, it.job_id) if moved else None
        if job is None:
            return
        _count(job, it.status)
        maybe_progress(s, job)
        if finish_if_done(s, job, self.sender):
            log.info("job %s %s: %d/%d ok, %d partial, %d failed", job.id, job.status, job.succeeded, job.total,
                     job.partial, job.failed)
        elif self.sender and job.callback_url:
            self.sender.wake()


def _short_error(e: BaseException, limit: int = 300) -> str:
    """``Type: first line of the message`` — a database error without its SQL and parameters."""
    orig = getattr(e, "orig", None) or e
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first}"[:limit]
