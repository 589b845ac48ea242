"""``/v1/documents``: upload (inline results for small inputs, a job for large ones), fetch, search, delete."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from docproc.pipeline import failed_document

from .. import intake
from ..deps import Auth, Svc
from ..errors import ApiError, get_or_404
from ..output import disposition, one
from ..security import check_callback_url
from ..store import (MAX_OFFSET, delete_document, document_view, find_document, get_source, list_documents,
                     save_result, summary)
from ..models import DocumentRow
from .jobs import _precheck, accepted, submit

router = APIRouter(prefix="/documents", tags=["documents"])

DocFormat = Literal["json", "md", "csv", "xlsx", "ics"]
View = Literal["reviewed", "machine"]


def _failed(name: str, err: dict, data: bytes) -> dict:
    class E(Exception):
        code = err.get("code", "error")

    d = failed_document(name, E(err.get("message", "")), data).to_dict()
    return d


@router.post("", status_code=201, summary="Upload notices: small inputs → 201 with the documents; "
                                          "large inputs or archives → 202 with a job",
             responses={201: {"description": "`{\"documents\": [docproc.notice/1 …], \"errors\": […]}`"},
                        202: {"description": "a job was created: `{\"id\", \"status\", …}` (poll /v1/jobs/{id})"},
                        413: {"description": "over a size limit (the body names it)"},
                        415: {"description": "not a format docproc reads"},
                        422: {"description": "unreadable (corrupt, encrypted, empty) with the reason"}})
async def upload(svc: Svc, auth: Auth,
                 files: Annotated[list[UploadFile], File(description="notice files (.txt .html .docx .doc .pdf) "
                                                                     "or archives; repeat the field for several")],
                 callback_url: Annotated[str | None, Form(description="webhook URL if this becomes a job")] = None,
                 reprocess: Annotated[bool, Form(description="process again even if these bytes are stored "
                                                             "(inline uploads)")] = False):
    st = svc.settings
    if callback_url:
        callback_url = check_callback_url(callback_url, st.callback_allow_list)
    uploads = await intake.read_uploads(files, st)
    total = sum(len(u.data) for u in uploads)
    if len(uploads) > st.inline_max_files or total > st.inline_max_bytes or any(u.archive for u in uploads):
        await run_in_threadpool(_precheck, svc)
        return accepted(await run_in_threadpool(submit, svc, uploads, callback_url or None))

    results: list[dict | None] = []
    errors: list[dict] = []
    for u in uploads:  # known bytes are answered from the database; the rest is processed
        results.append(None if reprocess else await run_in_threadpool(_known, svc, u.sha256))
    todo = [i for i, r in enumerate(results) if r is None]
    outs = await asyncio.gather(*[svc.process(uploads[i].data, uploads[i].name) for i in todo])
    for i, (kind, value) in zip(todo, outs):
        u = uploads[i]
        if kind == "ok":
            results[i] = await run_in_threadpool(_store, svc, value, u.data)
        else:
            errors.append({"name": u.name, **value})
            results[i] = _failed(u.name, value, u.data)
    if errors and len(errors) == len(uploads):
        first = errors[0]
        status = first.get("http_status") or 422
        if len(errors) > 1 and any(e.get("http_status") != status for e in errors):
            status = 422
        extra = {k: v for k, v in first.items() if k not in ("http_status", "code", "message", "name")}
        raise ApiError(status, first.get("code", "error"),
                       first.get("message", "") if len(errors) == 1 else f"none of the {len(errors)} files could "
                       f"be read; first: {first.get('name')}: {first.get('message')}",
                       name=first.get("name"), files=[{k: e.get(k) for k in ("name", "code", "message")}
                                                      for e in errors] if len(errors) > 1 else None, **extra)
    return JSONResponse({"documents": results, "errors": [{k: e.get(k) for k in ("name", "code", "message")}
                                                          for e in errors]}, status_code=201)


def _known(svc, sha: str) -> dict | None:
    with svc.db.session() as s:
        doc = find_document(s, sha, current=True)
        return document_view(s, doc) if doc else None


def _store(svc, result: dict, data: bytes) -> dict:
    return svc.db.run(lambda s: document_view(s, save_result(s, result, data)))


@router.get("", summary="Search stored documents (paged)")
def search(svc: Svc, auth: Auth,
           q: Annotated[str | None, Query(description="text in the title, body, 文号 or file name")] = None,
           doc_number: Annotated[str | None, Query(description="part of the 文号")] = None,
           issuer: Annotated[str | None, Query(description="part of an issuing office's name")] = None,
           signed_after: Annotated[dt.date | None, Query(description="signed on or after (YYYY-MM-DD)")] = None,
           signed_before: Annotated[dt.date | None, Query(description="signed on or before (YYYY-MM-DD)")] = None,
           status: Literal["ok", "partial", "failed"] | None = None,
           reviewed: bool | None = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 50,
           offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0):
    with svc.db.session() as s:
        rows, total = list_documents(s, q=q, doc_number=doc_number, issuer=issuer,
                                     signed_after=signed_after.isoformat() if signed_after else None,
                                     signed_before=signed_before.isoformat() if signed_before else None,
                                     status=status, reviewed=reviewed, limit=limit, offset=offset)
        return {"items": [summary(d) for d in rows], "total": total, "limit": limit, "offset": offset,
                "next_offset": offset + limit if offset + limit < total else None}


def get_doc(s, doc_id: str) -> DocumentRow:
    return get_or_404(s, DocumentRow, doc_id, "document")


@router.get("/{doc_id}", summary="One document: JSON (docproc.notice/1, reviewed tasks) or md|csv|xlsx|ics")
def get_document(svc: Svc, auth: Auth, doc_id: str, format: DocFormat = "json", view: View = "reviewed"):
    with svc.db.session() as s:
        d = document_view(s, get_doc(s, doc_id), view)
    if format == "json":
        return JSONResponse(d)
    return one([d], format, _stem(d))


def _stem(d: dict) -> str:
    name = (d.get("source") or {}).get("name") or d["id"]
    return name.rsplit(".", 1)[0] if "." in name else name


@router.get("/{doc_id}/text", summary="The clean simplified text", response_class=PlainTextResponse)
def get_text(svc: Svc, auth: Auth, doc_id: str):
    with svc.db.session() as s:
        return PlainTextResponse(get_doc(s, doc_id).text, media_type="text/plain; charset=utf-8")


@router.get("/{doc_id}/source", summary="The original file as uploaded")
def get_original(svc: Svc, auth: Auth, doc_id: str):
    with svc.db.session() as s:
        doc = get_doc(s, doc_id)
        data = get_source(s, doc.sha256)
        if data is None:
            raise ApiError(404, "not_found", f"the original bytes of document {doc_id} are not stored")
        return Response(data, media_type=doc.media_type or "application/octet-stream",
                        headers={"Content-Disposition": disposition(doc.name or f"{doc.id}.bin")})


@router.delete("/{doc_id}", status_code=204, summary="Delete a document, its tasks, corrections and bytes")
def remove(svc: Svc, auth: Auth, doc_id: str):
    with svc.db.session() as s:
        delete_document(s, get_doc(s, doc_id))
    return Response(status_code=204)
