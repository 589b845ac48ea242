"""Review and correction of a document's tasks (for the web page): the machine extraction is never changed;
corrections live in their own table with who/when, every action lands in the audit trail.

Who: the ``X-Docproc-User`` header (the clerk's name) if sent, else the API key's fingerprint.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..deps import Auth, Svc
from ..errors import ApiError, get_or_404
from ..models import DocumentRow
from ..store import (ReviewError, add_task, audit_trail, delete_task, effective_tasks, machine_tasks, revert_task,
                     set_reviewed, update_task)

router = APIRouter(prefix="/documents", tags=["review"])

Name = Annotated[str, Field(min_length=1, max_length=500)]


class TaskFields(BaseModel):
    """Editable task fields; dates are ``YYYY-MM-DD`` or null."""

    model_config = ConfigDict(extra="forbid")

    content: str | None = Field(None, max_length=20_000)
    stage: str | None = Field(None, max_length=500)
    lead: str | None = Field(None, max_length=500)
    owners: list[Name] | None = Field(None, max_length=200)
    partners: list[Name] | None = Field(None, max_length=200)
    start: str | None = None
    due: str | None = None
    time_text: str | None = Field(None, max_length=2000)
    recurrence: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=2000, description="reviewer's note (kept with the correction)")

    @field_validator("start", "due")
    @classmethod
    def _iso_date(cls, v):
        if v in (None, ""):
            return None
        try:
            return dt.date.fromisoformat(v).isoformat() if len(v) == 10 else _bad(v)
        except ValueError:
            _bad(v)

    def changes(self) -> dict:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if k != "note"}


def _bad(v):
    raise ValueError(f"{v!r} is not a date YYYY-MM-DD")


class NewTask(TaskFields):
    content: str = Field(..., min_length=1, max_length=20_000)


class ReviewMark(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)


def _doc(s, doc_id: str) -> DocumentRow:
    return get_or_404(s, DocumentRow, doc_id, "document")


def _guard(fn):
    try:
        return fn()
    except ReviewError as e:
        raise ApiError(e.status, e.code, e.message) from e


@router.get("/{doc_id}/tasks", summary="The document's tasks: reviewed (default) or as the machine extracted them")
def list_tasks(svc: Svc, auth: Auth, doc_id: str, view: Literal["reviewed", "machine", "all"] = "reviewed"):
    """``view=all`` also lists deleted tasks (with ``"deleted": true``)."""
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        if view == "machine":
            items = [dict(t.data) for t in machine_tasks(s, doc.id)]
        else:
            items = effective_tasks(s, doc, include_deleted=view == "all")
        return {"document_id": doc.id, "view": view, "items": items}


@router.post("/{doc_id}/tasks", status_code=201, summary="Add a task the machine missed")
def create_task(svc: Svc, auth: Auth, doc_id: str, body: NewTask):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        t = _guard(lambda: add_task(s, doc, body.changes(), actor=auth.actor, key=auth.key_id, note=body.note))
    return JSONResponse(t, status_code=201)


@router.patch("/{doc_id}/tasks/{task_id}", summary="Correct a task (content, owners, dates…)")
def patch_task(svc: Svc, auth: Auth, doc_id: str, task_id: str, body: TaskFields):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        return _guard(lambda: update_task(s, doc, task_id, body.changes(), actor=auth.actor, key=auth.key_id,
                                          note=body.note))


@router.delete("/{doc_id}/tasks/{task_id}", status_code=204, summary="Delete a task (a correction; revertible)")
def remove_task(svc: Svc, auth: Auth, doc_id: str, task_id: str):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        _guard(lambda: delete_task(s, doc, task_id, actor=auth.actor, key=auth.key_id))
    return Response(status_code=204)


@router.post("/{doc_id}/tasks/{task_id}/revert",
             summary="Drop a task's correction (machine values served again; a deleted task comes back)")
def revert(svc: Svc, auth: Auth, doc_id: str, task_id: str):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        t = _guard(lambda: revert_task(s, doc, task_id, actor=auth.actor, key=auth.key_id))
        return t if t is not None else Response(status_code=204)


@router.post("/{doc_id}/review", summary="Mark the document reviewed")
def mark_reviewed(svc: Svc, auth: Auth, doc_id: str, body: Annotated[ReviewMark | None, Body()] = None):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        set_reviewed(s, doc, True, actor=auth.actor, key=auth.key_id, note=body.note if body else None)
        return {"document_id": doc.id, "reviewed": True, "reviewed_by": doc.reviewed_by,
                "reviewed_at": doc.reviewed_at.replace(microsecond=0).isoformat() + "Z"}


@router.delete("/{doc_id}/review", summary="Mark the document not reviewed")
def unmark_reviewed(svc: Svc, auth: Auth, doc_id: str):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        set_reviewed(s, doc, False, actor=auth.actor, key=auth.key_id)
        return {"document_id": doc.id, "reviewed": False}


@router.get("/{doc_id}/audit", summary="The audit trail: every review action with before/after, who and when")
def audit(svc: Svc, auth: Auth, doc_id: str):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        return {"document_id": doc.id, "items": audit_trail(s, doc.id)}
