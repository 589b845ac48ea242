"""Storage operations on top of the ORM: documents by content hash, machine tasks, reviewed views, the task feed,
corrections with an audit trail. Every function takes an open :class:`~sqlalchemy.orm.Session`; the caller
commits (``Database.session()``)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from sqlalchemy import (Boolean, DateTime, String, and_, case, cast, delete, exists, func, literal, null, or_, select,
                        union_all)
from sqlalchemy.orm import Session

from docproc import __version__ as PIPELINE_VERSION

from .models import AuditEvent, DocumentRow, JobItem, SourceBlob, TaskCorrection, TaskRow, utcnow

EDITABLE_FIELDS = ("content", "stage", "lead", "owners", "partners", "start", "due", "time_text", "recurrence")
LIST_FIELDS = ("owners", "partners")
MAX_PAGE = 500
MAX_OFFSET = 1_000_000_000  # keeps OFFSET inside a 64-bit integer (SQLite, PostgreSQL)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def document_id(sha256: str) -> str:
    """The id of the document with these bytes (stable: same bytes → same id).

    >>> document_id("4317c450505966d0" + "0" * 48)
    '4317c450505966d0'
    """
    return sha256[:16]


def task_uid(doc_id: str, local_id: str) -> str:
    """A task's id across documents (stable: same document → same ids).

    >>> task_uid("4317c450505966d0", "T03")
    '4317c450505966d0-T03'
    """
    return f"{doc_id}-{local_id}"


def iso(ts: dt.datetime | None) -> str | None:
    return None if ts is None else ts.replace(microsecond=0).isoformat() + "Z"


def like_escape(s: str) -> str:
    r"""Escape LIKE wildcards (``\`` is the escape character).

    >>> like_escape("50%_a")
    '50\\%\\_a'
    """
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(col, value: str):
    return col.like(f"%{like_escape(value)}%", escape="\\")


def _date_or_none(v: Any) -> str | None:
    return v if isinstance(v, str) and _ISO.match(v) else None


def _str_or_none(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _list(v: Any) -> list[str]:
    if isinstance(v, list):
        return [str(x) for x in v if x is not None and str(x)]
    return []


def _owners_text(lead, owners, partners) -> str:
    return "\n".join(x for x in [lead or "", *owners, *partners] if x)


def _task_columns(task: dict) -> dict:
    owners, partners, lead = _list(task.get("owners")), _list(task.get("partners")), _str_or_none(task.get("lead"))
    conf = task.get("confidence")
    return {"content": str(task.get("content") or ""), "stage": _str_or_none(task.get("stage")), "lead": lead,
            "owners": owners, "partners": partners, "owners_text": _owners_text(lead, owners, partners),
            "start": _date_or_none(task.get("start")), "due": _date_or_none(task.get("due")),
            "time_text": _str_or_none(task.get("time_text")), "recurrence": _str_or_none(task.get("recurrence")),
            "confidence": float(conf) if isinstance(conf, (int, float)) else None}


# -- sources and documents ----------------------------------------------------------------------------------------

def put_source(s: Session, sha256: str, data: bytes) -> None:
    if s.scalar(select(SourceBlob.sha256).where(SourceBlob.sha256 == sha256)) is None:
        blob = SourceBlob(sha256=sha256, size=len(data), data=data)
        s.add(blob)
        s.flush()
        s.expunge(blob)  # do not keep the bytes in the session until commit


def get_source(s: Session, sha256: str) -> bytes | None:
    return s.scalar(select(SourceBlob.data).where(SourceBlob.sha256 == sha256))


def find_document(s: Session, sha256: str, *, current: bool = False) -> DocumentRow | None:
    """The document with these bytes; ``current``: only if processed by this pipeline version."""
    doc = s.get(DocumentRow, document_id(sha256))
    if doc is None or doc.sha256 != sha256:
        return None
    if current and doc.pipeline_version != PIPELINE_VERSION:
        return None
    return doc


def save_result(s: Session, result: dict, data: bytes | None = None) -> DocumentRow:
    """Store a processed document (``Document.to_dict()``); same bytes → the same row, updated in place.

    The machine tasks are replaced; reviewers' corrections (a separate table) are kept.
    """
    src = result.get("source") or {}
    sha = src["sha256"]
    if data is not None:
        put_source(s, sha, data)
    did = document_id(sha)
    notice = result.get("notice") or {}
    tasks = list(result.get("tasks") or [])
    stored = dict(result)
    stored["text"] = ""  # kept in its own column (searchable); put back by document_view
    stored["tasks"] = []  # kept in the tasks table
    now = utcnow()
    doc = s.get(DocumentRow, did)
    if doc is None:
        doc = DocumentRow(id=did, sha256=sha, created_at=now)
        s.add(doc)
    doc.name, doc.format, doc.media_type = src.get("name"), src.get("format"), src.get("media_type")
    doc.size = src.get("size")
    doc.status = result.get("status") or "ok"
    doc.doc_number = (_str_or_none(notice.get("doc_number")) or None)
    doc.doc_number = doc.doc_number[:200] if doc.doc_number else None
    doc.title = _str_or_none(notice.get("title"))
    doc.doc_type = (_str_or_none(notice.get("doc_type")) or "")[:32] or None
    doc.issuers_text = "\n".join(_list(notice.get("issuers"))) or None
    doc.signed_date = _date_or_none(notice.get("signed_date"))
    doc.text = result.get("text") or ""
    doc.result = stored
    doc.task_count = len(tasks)
    doc.pipeline_version = PIPELINE_VERSION
    doc.updated_at = now
    s.flush()
    s.execute(delete(TaskRow).where(TaskRow.document_id == did))
    seen: set[str] = set()
    for i, t in enumerate(tasks):
        local = str(t.get("id") or f"T{i + 1:02d}")
        if local in seen:  # never let a pipeline slip break the primary key
            local = f"{local}.{i + 1}"
        seen.add(local)
        uid = task_uid(did, local)
        served = {**t, "id": local, "uid": uid}
        s.add(TaskRow(id=uid, document_id=did, local_id=local, seq=i, data=served, **_task_columns(t)))
    s.flush()
    return doc


def review_info(doc: DocumentRow, corrections: int) -> dict:
    return {"reviewed": doc.reviewed_at is not None, "reviewed_by": doc.reviewed_by,
            "reviewed_at": iso(doc.reviewed_at), "note": doc.review_note, "corrections": corrections}


def _served(data: dict, *, corrected: bool, origin: str, reviewed: bool, c: TaskCorrection | None = None) -> dict:
    d = dict(data)
    d["corrected"] = corrected
    d["reviewed"] = reviewed or corrected
    d["origin"] = origin
    if c is not None:
        d["corrected_by"], d["corrected_at"] = c.updated_by, iso(c.updated_at)
    return d


def machine_tasks(s: Session, doc_id: str) -> list[TaskRow]:
    return list(s.scalars(select(TaskRow).where(TaskRow.document_id == doc_id).order_by(TaskRow.seq)))


def corrections(s: Session, doc_id: str) -> list[TaskCorrection]:
    return list(s.scalars(select(TaskCorrection).where(TaskCorrection.document_id == doc_id)
                          .order_by(TaskCorrection.seq, TaskCorrection.created_at)))


def effective_tasks(s: Session, doc: DocumentRow, *, include_deleted: bool = False) -> list[dict]:
    """The tasks as served: machine tasks with reviewers' corrections applied, deleted ones hidden, added ones last."""
    reviewed = doc.reviewed_at is not None
    corr = {c.id: c for c in corrections(s, doc.id)}
    out = []
    for t in machine_tasks(s, doc.id):
        c = corr.pop(t.id, None)
        if c is None:
            out.append(_served(t.data, corrected=False, origin="machine", reviewed=reviewed))
        elif not c.deleted or include_deleted:
            d = _served(c.data, corrected=True, origin="machine", reviewed=reviewed, c=c)
            if c.deleted:
                d["deleted"] = True
            out.append(d)
    for c in corr.values():  # added by reviewers (or corrections of machine tasks that a re-run no longer finds)
        if not c.deleted or include_deleted:
            d = _served(c.data, corrected=True, origin="human" if c.base_task_id is None else "machine",
                        reviewed=reviewed, c=c)
            if c.deleted:
                d["deleted"] = True
            out.append(d)
    return out


def document_view(s: Session, doc: DocumentRow, view: str = "reviewed") -> dict:
    """The document JSON (``docproc.notice/1`` plus ``id``, ``review`` and per-task ``uid``/flags).

    ``view="machine"``: the machine extraction exactly as produced (corrections not applied).
    """
    out: dict[str, Any] = {"id": doc.id}
    out.update(doc.result)
    out["text"] = doc.text
    ncorr = s.scalar(select(func.count()).select_from(TaskCorrection).where(TaskCorrection.document_id == doc.id))
    if view == "machine":
        out["tasks"] = [dict(t.data) for t in machine_tasks(s, doc.id)]
    else:
        out["tasks"] = effective_tasks(s, doc)
    out["review"] = review_info(doc, ncorr or 0)
    out["view"] = view
    return out


def summary(doc: DocumentRow) -> dict:
    return {"id": doc.id, "name": doc.name, "format": doc.format, "size": doc.size, "status": doc.status,
            "doc_number": doc.doc_number, "title": doc.title, "doc_type": doc.doc_type,
            "issuers": doc.issuers_text.split("\n") if doc.issuers_text else [], "signed_date": doc.signed_date,
            "task_count": doc.task_count, "reviewed": doc.reviewed_at is not None, "sha256": doc.sha256,
            "created_at": iso(doc.created_at), "url": f"/v1/documents/{doc.id}"}


def list_documents(s: Session, *, q: str | None = None, doc_number: str | None = None, issuer: str | None = None,
                   signed_after: str | None = None, signed_before: str | None = None, status: str | None = None,
                   reviewed: bool | None = None, limit: int | None = 50,
                   offset: int = 0) -> tuple[list[DocumentRow], int]:
    conds = []
    if q:
        conds.append(or_(_contains(DocumentRow.title, q), _contains(DocumentRow.text, q),
                         _contains(DocumentRow.doc_number, q), _contains(DocumentRow.name, q)))
    if doc_number:
        conds.append(_contains(DocumentRow.doc_number, doc_number))
    if issuer:
        conds.append(_contains(DocumentRow.issuers_text, issuer))
    if signed_after:
        conds.append(DocumentRow.signed_date >= signed_after)
    if signed_before:
        conds.append(DocumentRow.signed_date <= signed_before)
    if status:
        conds.append(DocumentRow.status == status)
    if reviewed is not None:
        conds.append(DocumentRow.reviewed_at.is_not(None) if reviewed else DocumentRow.reviewed_at.is_(None))
    where = and_(*conds) if conds else literal(True)
    total = s.scalar(select(func.count()).select_from(DocumentRow).where(where)) or 0
    q = select(DocumentRow).where(where).order_by(DocumentRow.created_at.desc(), DocumentRow.id).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(s.scalars(q)), total


def delete_document(s: Session, doc: DocumentRow) -> None:
    """Delete a document, its tasks, corrections and audit trail; its bytes too unless a pending job needs them."""
    sha = doc.sha256
    for model in (TaskRow, TaskCorrection, AuditEvent):
        s.execute(delete(model).where(model.document_id == doc.id))
    s.delete(doc)
    s.flush()
    pending = s.scalar(select(func.count()).select_from(JobItem)
                       .where(JobItem.sha256 == sha, JobItem.status.in_(("pending", "running"))))
    if not pending:
        s.execute(delete(SourceBlob).where(SourceBlob.sha256 == sha))


# -- the task feed -------------------------------------------------------------------------------------------------

_FEED_COLS = ("id", "document_id", "local_id", "seq", "content", "stage", "lead", "owners", "partners", "owners_text",
              "start", "due", "time_text", "recurrence", "confidence", "data")


def _feed_union():
    m = select(*[getattr(TaskRow, c).label(c) for c in _FEED_COLS], literal(False, Boolean).label("corrected"),
               literal("machine", String).label("origin"), cast(null(), String(200)).label("corrected_by"),
               cast(null(), DateTime).label("corrected_at")) \
        .where(~exists().where(TaskCorrection.id == TaskRow.id))
    h = select(*[getattr(TaskCorrection, c).label(c) for c in _FEED_COLS], literal(True, Boolean).label("corrected"),
               case((TaskCorrection.base_task_id.is_(None), "human"), else_="machine").label("origin"),
               TaskCorrection.updated_by.label("corrected_by"), TaskCorrection.updated_at.label("corrected_at")) \
        .where(TaskCorrection.deleted.is_(False))
    return union_all(m, h).subquery("feed")


def task_feed(s: Session, *, due_before: str | None = None, due_after: str | None = None, owner: str | None = None,
              doc_number: str | None = None, status: str | None = None, reviewed: bool | None = None,
              document_id: str | None = None, q: str | None = None, today: dt.date | None = None,
              limit: int | None = 50, offset: int = 0) -> tuple[list[dict], int]:
    """Tasks across documents as served (corrections applied), filtered; ordered by due date (undated last).

    ``status``: ``overdue`` (due before today), ``upcoming`` (due today or later), ``undated`` (no due date).
    Dates are inclusive ``YYYY-MM-DD``.
    """
    u = _feed_union()
    conds = []
    if due_before:
        conds.append(u.c.due <= due_before)
    if due_after:
        conds.append(u.c.due >= due_after)
    if owner:
        conds.append(_contains(u.c.owners_text, owner))
    if doc_number:
        conds.append(_contains(DocumentRow.doc_number, doc_number))
    if document_id:
        conds.append(u.c.document_id == document_id)
    if q:
        conds.append(_contains(u.c.content, q))
    if status:
        t = (today or dt.date.today()).isoformat()
        conds.append({"overdue": u.c.due < t, "upcoming": u.c.due >= t, "undated": u.c.due.is_(None)}[status])
    if reviewed is not None:
        is_rev = or_(u.c.corrected.is_(True), DocumentRow.reviewed_at.is_not(None))
        conds.append(is_rev if reviewed else ~is_rev)
    base = select(u, DocumentRow.doc_number.label("doc_doc_number"), DocumentRow.title.label("doc_title"),
                  DocumentRow.reviewed_at.label("doc_reviewed_at"), DocumentRow.name.label("doc_name")) \
        .join(DocumentRow, DocumentRow.id == u.c.document_id)
    if conds:
        base = base.where(and_(*conds))
    total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    q_ = base.order_by(u.c.due.is_(None), u.c.due, u.c.document_id, u.c.seq)
    if limit is not None:
        q_ = q_.limit(limit).offset(offset)
    elif offset:
        q_ = q_.offset(offset)
    items = []
    for r in s.execute(q_).mappings():
        d = dict(r["data"])
        corrected = bool(r["corrected"])
        d.update({"id": r["id"], "uid": r["id"], "local_id": r["local_id"], "document_id": r["document_id"],
                  "doc_number": r["doc_doc_number"], "title": r["doc_title"], "source_name": r["doc_name"],
                  "corrected": corrected, "reviewed": corrected or r["doc_reviewed_at"] is not None,
                  "origin": r["origin"]})
        if corrected:
            ca = r["corrected_at"]
            d["corrected_by"] = r["corrected_by"]
            d["corrected_at"] = iso(ca) if isinstance(ca, dt.datetime) else ca
        items.append(d)
    return items, total


def docs_for_tasks(s: Session, items: list[dict]) -> list[dict]:
    """Group feed items back into document dicts (for the exporters: one document per source notice)."""
    order: list[str] = []
    by_doc: dict[str, list[dict]] = {}
    for it in items:
        if it["document_id"] not in by_doc:
            order.append(it["document_id"])
            by_doc[it["document_id"]] = []
        t = dict(it)
        t["id"] = it["local_id"]
        by_doc[it["document_id"]].append(t)
    out = []
    for did in order:
        doc = s.get(DocumentRow, did)
        if doc is None:
            continue
        d = {"id": doc.id, **doc.result}
        d["text"] = doc.text
        d["tasks"] = by_doc[did]
        out.append(d)
    return out


# -- review and correction -----------------------------------------------------------------------------------------

class ReviewError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _resolve(doc_id: str, ref: str) -> str:
    return ref if ref.startswith(doc_id + "-") else task_uid(doc_id, ref)


def _values(d: dict) -> dict:
    return {k: d.get(k) for k in EDITABLE_FIELDS}


def _audit(s: Session, doc_id: str, task_id: str | None, action: str, before, after, actor: str | None,
           key: str | None) -> None:
    s.add(AuditEvent(document_id=doc_id, task_id=task_id, action=action, before=before, after=after, actor=actor,
                     key_id=key))


def _apply(c: TaskCorrection, data: dict) -> None:
    c.data = data
    for k, v in _task_columns(data).items():
        setattr(c, k, v)


def update_task(s: Session, doc: DocumentRow, ref: str, changes: dict, *, actor: str | None, key: str | None,
                note: str | None = None) -> dict:
    """Correct a task (machine or added): the machine row is untouched, the correction row holds the new values."""
    uid = _resolve(doc.id, ref)
    c = s.get(TaskCorrection, uid)
    if c is not None and c.document_id != doc.id:
        c = None
    now = utcnow()
    if c is None:
        t = s.get(TaskRow, uid)
        if t is None or t.document_id != doc.id:
            raise ReviewError(404, "not_found", f"task {ref!r} not found in document {doc.id}")
        before = dict(t.data)
        c = TaskCorrection(id=uid, document_id=doc.id, local_id=t.local_id, seq=t.seq, base_task_id=t.id,
                           deleted=False, created_by=actor, created_at=now)
        s.add(c)
    else:
        if c.deleted:
            raise ReviewError(404, "not_found", f"task {ref!r} was deleted (restore it first)")
        before = dict(c.data)
    after = {**before, **{k: v for k, v in changes.items() if k in EDITABLE_FIELDS}}
    after["confidence"] = 1.0
    _apply(c, after)
    c.updated_by, c.updated_at = actor, now
    if note is not None:
        c.note = note
    _audit(s, doc.id, uid, "task.update", _values(before), _values(after), actor, key)
    s.flush()
    return _served(c.data, corrected=True, origin="human" if c.base_task_id is None else "machine",
                   reviewed=doc.reviewed_at is not None, c=c)


def add_task(s: Session, doc: DocumentRow, values: dict, *, actor: str | None, key: str | None,
             note: str | None = None) -> dict:
    n = s.scalar(select(func.count()).select_from(TaskCorrection)
                 .where(TaskCorrection.document_id == doc.id, TaskCorrection.base_task_id.is_(None))) or 0
    while True:
        n += 1
        local = f"R{n:02d}"
        uid = task_uid(doc.id, local)
        if s.get(TaskCorrection, uid) is None and s.get(TaskRow, uid) is None:
            break
    data = {"id": local, "uid": uid, "content": "", "stage": None, "lead": None, "owners": [], "partners": [],
            "start": None, "due": None, "time_text": None, "recurrence": None, "span": None, "confidence": 1.0,
            "rule": "review", "spans": {}}
    data.update({k: v for k, v in values.items() if k in EDITABLE_FIELDS})
    now = utcnow()
    c = TaskCorrection(id=uid, document_id=doc.id, local_id=local, seq=1_000_000 + n, base_task_id=None,
                       deleted=False, note=note, created_by=actor, created_at=now, updated_by=actor, updated_at=now)
    _apply(c, data)
    s.add(c)
    _audit(s, doc.id, uid, "task.create", None, _values(data), actor, key)
    s.flush()
    return _served(c.data, corrected=True, origin="human", reviewed=doc.reviewed_at is not None, c=c)


def delete_task(s: Session, doc: DocumentRow, ref: str, *, actor: str | None, key: str | None) -> None:
    uid = _resolve(doc.id, ref)
    c = s.get(TaskCorrection, uid)
    now = utcnow()
    if c is None or c.document_id != doc.id:
        t = s.get(TaskRow, uid)
        if t is None or t.document_id != doc.id:
            raise ReviewError(404, "not_found", f"task {ref!r} not found in document {doc.id}")
        c = TaskCorrection(id=uid, document_id=doc.id, local_id=t.local_id, seq=t.seq, base_task_id=t.id,
                           created_by=actor, created_at=now)
        _apply(c, dict(t.data))
        s.add(c)
    elif c.deleted:
        raise ReviewError(404, "not_found", f"task {ref!r} is already deleted")
    c.deleted, c.updated_by, c.updated_at = True, actor, now
    _audit(s, doc.id, uid, "task.delete", _values(c.data), None, actor, key)
    s.flush()


def revert_task(s: Session, doc: DocumentRow, ref: str, *, actor: str | None, key: str | None) -> dict | None:
    """Drop the correction of a machine task (the machine values are served again); restores a deleted one."""
    uid = _resolve(doc.id, ref)
    c = s.get(TaskCorrection, uid)
    if c is None or c.document_id != doc.id:
        raise ReviewError(404, "not_found", f"task {ref!r} has no correction")
    before = None if c.deleted else _values(c.data)
    if c.base_task_id is None:  # an added task: "revert" restores it if deleted
        if not c.deleted:
            raise ReviewError(409, "conflict", "an added task has no machine version to revert to")
        c.deleted, c.updated_by, c.updated_at = False, actor, utcnow()
        _audit(s, doc.id, uid, "task.restore", None, _values(c.data), actor, key)
        s.flush()
        return _served(c.data, corrected=True, origin="human", reviewed=doc.reviewed_at is not None, c=c)
    s.delete(c)
    t = s.get(TaskRow, uid)
    _audit(s, doc.id, uid, "task.revert", before, _values(t.data) if t else None, actor, key)
    s.flush()
    return _served(t.data, corrected=False, origin="machine", reviewed=doc.reviewed_at is not None) if t else None


def set_reviewed(s: Session, doc: DocumentRow, reviewed: bool, *, actor: str | None, key: str | None,
                 note: str | None = None) -> None:
    before = {"reviewed": doc.reviewed_at is not None, "reviewed_by": doc.reviewed_by}
    if reviewed:
        doc.reviewed_at, doc.reviewed_by, doc.review_note = utcnow(), actor, note
    else:
        doc.reviewed_at, doc.reviewed_by, doc.review_note = None, None, None
    _audit(s, doc.id, None, "document.review" if reviewed else "document.unreview", before,
           {"reviewed": reviewed, "reviewed_by": doc.reviewed_by, "note": note}, actor, key)
    s.flush()


def audit_trail(s: Session, doc_id: str) -> list[dict]:
    rows = s.scalars(select(AuditEvent).where(AuditEvent.document_id == doc_id).order_by(AuditEvent.id))
    return [{"id": a.id, "task_id": a.task_id, "action": a.action, "before": a.before, "after": a.after,
             "actor": a.actor, "key_id": a.key_id, "at": iso(a.at)} for a in rows]


def count_rows(s: Session, model) -> int:
    return s.scalar(select(func.count()).select_from(model)) or 0


def iter_chunks(items: Iterable, n: int):
    buf = []
    for x in items:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf
