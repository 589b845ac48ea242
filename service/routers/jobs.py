"""``/v1/jobs``: submit files or archives, poll, fetch results in every export format, cancel."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from .. import intake
from ..deps import Auth, Svc
from ..errors import ApiError, get_or_404
from ..jobs import cancel, check_capacity, create_job, job_view
from ..models import DocumentRow, Job, JobItem
from ..output import spooled, streamed
from ..security import check_callback_url
from ..store import MAX_OFFSET, document_view, iter_chunks, put_source

router = APIRouter(tags=["jobs"])

ResultFormat = Literal["jsonl", "json", "csv", "xlsx", "ics", "md", "zip"]


def submit(svc, uploads: list[intake.Upload], callback_url: str | None) -> dict:
    """Expand the uploads, store their bytes, create the job (one transaction); the job view."""
    def fn(s):
        check_capacity(s, svc.settings)
        entries = []
        for up in uploads:
            for e in intake.expand(up, svc.settings):
                if e.data is not None:
                    put_source(s, e.sha256, e.data)
                    e.data = None
                entries.append(e)
        if not entries:
            raise ApiError(422, "no_documents", "the upload holds no documents (an empty archive?)")
        job = create_job(s, entries, callback_url, svc.settings)
        return job_view(s, job)

    view = svc.db.run(fn)
    svc.wake_jobs()
    return view


def accepted(view: dict) -> JSONResponse:
    return JSONResponse(view, status_code=202, headers={"Location": view["url"]})


@router.post("/jobs", status_code=202, summary="Submit files or archives as a job",
             responses={202: {"description": "accepted: `{\"id\", \"status\", …}`"},
                        413: {"description": "upload or archive over a limit"},
                        422: {"description": "unreadable archive, unsafe member name, callback host not allowed"},
                        503: {"description": "job queue full (Retry-After)"}})
async def post_job(svc: Svc, auth: Auth,
                   files: Annotated[list[UploadFile], File(description="files and/or archives (repeatable)")],
                   callback_url: Annotated[str | None, Form(description="URL for job.* webhooks")] = None):
    if callback_url:
        callback_url = check_callback_url(callback_url, svc.settings.callback_allow_list)
    await run_in_threadpool(_precheck, svc)
    uploads = await intake.read_uploads(files, svc.settings)
    view = await run_in_threadpool(submit, svc, uploads, callback_url or None)
    return accepted(view)


def _precheck(svc) -> None:
    with svc.db.session() as s:
        check_capacity(s, svc.settings)


@router.get("/jobs", summary="Recent jobs, newest first (paged)")
def list_jobs(svc: Svc, auth: Auth, status: Literal["queued", "running", "done", "failed", "cancelled"] | None = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0):
    with svc.db.session() as s:
        q = select(Job)
        cq = select(func.count()).select_from(Job)
        if status:
            q, cq = q.where(Job.status == status), cq.where(Job.status == status)
        total = s.scalar(cq) or 0
        jobs = s.scalars(q.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset))
        return {"items": [job_view(s, j) for j in jobs], "total": total, "limit": limit, "offset": offset}


def _job(s, job_id: str) -> Job:
    return get_or_404(s, Job, job_id, "job")


@router.get("/jobs/{job_id}", summary="Job status and counters (total, processed, succeeded, partial, failed)")
def get_job(svc: Svc, auth: Auth, job_id: str,
            items: Annotated[bool, Query(description="list every document of the job")] = False):
    with svc.db.session() as s:
        return job_view(s, _job(s, job_id), items=items)


@router.delete("/jobs/{job_id}", summary="Cancel a queued or running job (documents already done are kept)")
def delete_job(svc: Svc, auth: Auth, job_id: str):
    with svc.db.session() as s:
        job = _job(s, job_id)
        cancel(s, job)
        view = job_view(s, job)
    svc.sender.wake()
    return view


def job_documents(svc, job_id: str):
    """The job's documents in submission order: results as served (reviewed), failures as failed documents."""
    from docproc.model import SCHEMA

    with svc.db.session() as s:
        ids = list(s.scalars(select(JobItem.id).where(JobItem.job_id == job_id).order_by(JobItem.seq)))
    for chunk in iter_chunks(ids, 200):
        with svc.db.session() as s:
            items = s.scalars(select(JobItem).where(JobItem.id.in_(chunk)).order_by(JobItem.seq)).all()
            for it in items:
                if it.status in ("ok", "partial") and it.document_id:
                    doc = s.get(DocumentRow, it.document_id)
                    if doc is None:
                        continue  # deleted since
                    d = document_view(s, doc)
                    d["source"] = {**(d.get("source") or {}), "name": it.name, "archive_member": it.archive_member}
                    yield d
                elif it.status == "failed":
                    err = it.error or {}
                    yield {"schema": SCHEMA, "source": {"name": it.name, "format": None, "media_type": None,
                                                        "size": it.size, "sha256": it.sha256, "encoding": None,
                                                        "archive_member": it.archive_member},
                           "status": "failed",
                           "issues": [{"code": err.get("code", "error"), "message": err.get("message", ""),
                                       "span": None, "stage": "ingest"}],
                           "repairs": [], "text": "", "notice": {}, "tasks": []}


@router.get("/jobs/{job_id}/result", summary="The job's documents as jsonl (default), json, csv, xlsx, ics, md or zip",
            response_description="a file; `X-Docproc-Job-Status` says whether the job is finished")
async def job_result(svc: Svc, auth: Auth, job_id: str, format: ResultFormat = "jsonl"):
    def build():
        with svc.db.session() as s:
            status = _job(s, job_id).status
        return status, spooled(job_documents(svc, job_id), format)

    status, f = await run_in_threadpool(build)
    return streamed(f, format, f"job-{job_id}", headers={"X-Docproc-Job-Status": status})
