"""``/v1/tasks``: the task feed other systems pull — reviewed values where a reviewer corrected them (flagged
``"corrected": true`` / ``"reviewed": true``), stable ids ``<document id>-<task id>``, paged, or as a file."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ..deps import Auth, Svc
from ..output import spooled, streamed
from ..store import MAX_OFFSET, MAX_PAGE, docs_for_tasks, task_feed

router = APIRouter(tags=["tasks"])

EXPORT_MAX = 100_000


@router.get("/tasks", summary="Tasks across documents (filters inclusive; JSON paged, or csv|xlsx|ics)")
async def feed(svc: Svc, auth: Auth,
               due_before: Annotated[dt.date | None, Query(description="due on or before (YYYY-MM-DD)")] = None,
               due_after: Annotated[dt.date | None, Query(description="due on or after (YYYY-MM-DD)")] = None,
               owner: Annotated[str | None, Query(description="part of a lead/owner/partner unit's name")] = None,
               doc_number: Annotated[str | None, Query(description="part of the source 文号")] = None,
               status: Annotated[Literal["overdue", "upcoming", "undated"] | None,
                                 Query(description="overdue: due before today; upcoming: due today or later; "
                                                   "undated: no due date")] = None,
               reviewed: Annotated[bool | None, Query(description="only corrected/reviewed (true) or not")] = None,
               document_id: str | None = None,
               q: Annotated[str | None, Query(description="text in the task content")] = None,
               format: Literal["json", "csv", "xlsx", "ics"] = "json",
               limit: Annotated[int | None, Query(ge=1, le=EXPORT_MAX,
                                                  description=f"page size (JSON default 50, max {MAX_PAGE}; "
                                                              f"files: everything up to {EXPORT_MAX:,} tasks, "
                                                              "X-Docproc-Next-Offset tells where the rest "
                                                              "starts)")] = None,
               offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0):
    kw = dict(due_before=due_before.isoformat() if due_before else None,
              due_after=due_after.isoformat() if due_after else None, owner=owner, doc_number=doc_number,
              status=status, reviewed=reviewed, document_id=document_id, q=q)

    if format == "json":
        lim = min(limit or 50, MAX_PAGE)

        def page():
            with svc.db.session() as s:
                items, total = task_feed(s, limit=lim, offset=offset, **kw)
            return {"items": items, "total": total, "limit": lim, "offset": offset,
                    "next_offset": offset + lim if offset + lim < total else None}

        return await run_in_threadpool(page)

    def build():
        with svc.db.session() as s:
            items, total = task_feed(s, limit=limit or EXPORT_MAX, offset=offset, **kw)
            docs = docs_for_tasks(s, items)
        # never a silently short file: the total, and where the next part starts when this one is not all
        headers = {"X-Docproc-Total": str(total), "X-Docproc-Count": str(len(items))}
        if offset + len(items) < total:
            headers.update({"X-Docproc-Truncated": "true", "X-Docproc-Next-Offset": str(offset + len(items))})
        return spooled(docs, format), headers

    f, headers = await run_in_threadpool(build)
    return streamed(f, format, "tasks", headers)
