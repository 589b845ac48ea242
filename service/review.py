"""Gold export and text annotations for the review web page (the task corrections themselves are
``service/routers/review.py``).

* ``GET /v1/documents/{id}/gold`` — the document as a gold file (``docs/gold_format.md``, the format of
  ``shared/gold/*.json``): reviewed values, i.e. the reviewers' corrections applied.
* ``GET /v1/gold.zip`` — every reviewed document as ``gold/<id>.json`` plus its original bytes under
  ``sources/`` (so ``docproc eval <unzipped>/gold`` runs on it as it is).
* ``GET /v1/documents/{id}/annotations`` — candidate spans in the clean text that the stored result does not
  carry (every 文号 mention, every time expression, the numbered headings), for highlighting.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import zipfile
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy import exists, or_, select
from starlette.concurrency import run_in_threadpool

from .deps import Auth, Svc
from .errors import get_or_404
from .models import DocumentRow, TaskCorrection
from .output import disposition, streamed
from .store import document_view, effective_tasks, get_source, iter_chunks

router = APIRouter(tags=["review"])

GOLD_NOTICE_LISTS = ("issuers", "recipients", "attachments", "cc")
GOLD_NOTICE_KEYS = ("doc_number", "title", "doc_type", "issuers", "recipients", "signed_date", "attachments", "cc")
GOLD_TASK_KEYS = ("content", "stage", "owners", "start", "due", "time_text")
ISSUE_WORDS = {"lost_chars": "缺字（无法恢复的字符）", "truncated": "文本被截断", "needs_ocr": "需要 OCR（扫描件无文字层）",
               "guessed_chars": "推测补全的字符"}
_EXT = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_LIMIT = re.compile(r"[内前后]")  # a relative phrase is a time limit ("5日内"), not a duration ("57周年")


def _unique(items) -> list[str]:
    out: list[str] = []
    for x in items:
        if isinstance(x, str) and x.strip() and x.strip() not in out:
            out.append(x.strip())
    return out


def gold_owners(task: dict) -> list[str]:
    """Gold ``owners``: the lead first, then the responsible units, then the partners (role words never kept).

    >>> gold_owners({"lead": "市建设局", "owners": ["各区", "市建设局"], "partners": ["市财政局"]})
    ['市建设局', '各区', '市财政局']
    >>> gold_owners({"owners": []})
    []
    """
    return _unique([task.get("lead"), *(task.get("owners") or []), *(task.get("partners") or [])])


def source_path(doc_id: str, name: str | None) -> str:
    """Where a gold file's ``input`` points inside ``gold.zip`` (the original bytes; ASCII-safe name).

    >>> source_path("4a6492579ca8984f", "常建〔2006〕166号.TXT"), source_path("ab", "x"), source_path("ab", None)
    ('sources/4a6492579ca8984f.txt', 'sources/ab.bin', 'sources/ab.bin')
    """
    m = _EXT.search(name or "")
    return f"sources/{doc_id}{m.group(0).lower() if m else '.bin'}"


def _notes(d: dict) -> str:
    review = d.get("review") or {}
    parts = []
    if review.get("note"):
        parts.append(str(review["note"]).strip())
    if review.get("reviewed"):
        who = review.get("reviewed_by") or "未署名"
        parts.append(f"人工复核：{who}，{(review.get('reviewed_at') or '')[:10]}；"
                     f"任务修改 {review.get('corrections') or 0} 处。")
    else:
        parts.append(f"未标记为已复核（任务修改 {review.get('corrections') or 0} 处）。")
    for i in d.get("issues") or []:
        code = i.get("code") or "issue"
        span = i.get("span")
        where = f"第 {span[0]} 字处" if isinstance(span, list) and span else ""
        parts.append(f"机器提示：{where}{ISSUE_WORDS.get(code, code)}（{code}：{i.get('message') or ''}）")
    return "\n".join(parts)


def gold_record(d: dict) -> dict:
    """A served document (``document_view``, corrections applied) as a gold file dict, keys in gold order."""
    notice = d.get("notice") or {}
    src = d.get("source") or {}
    g_notice = {}
    for k in GOLD_NOTICE_KEYS:
        v = notice.get(k)
        g_notice[k] = _unique(v if isinstance(v, list) else []) if k in GOLD_NOTICE_LISTS else (v or None)
    tasks = []
    for t in d.get("tasks") or []:
        if t.get("deleted"):
            continue
        tasks.append({"content": (t.get("content") or "").strip(), "stage": t.get("stage") or None,
                      "owners": gold_owners(t), "start": t.get("start") or None, "due": t.get("due") or None,
                      "time_text": t.get("time_text") or None})
    return {"id": d["id"], "input": source_path(d["id"], src.get("name")), "source": src.get("name"),
            "notice": g_notice, "tasks": tasks, "notes": _notes(d)}


def gold_bytes(g: dict) -> bytes:
    return (json.dumps(g, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _doc(s, doc_id: str) -> DocumentRow:
    return get_or_404(s, DocumentRow, doc_id, "document")


@router.get("/documents/{doc_id}/gold", summary="The document as a gold file (docs/gold_format.md), reviewed values")
def document_gold(svc: Svc, auth: Auth, doc_id: str,
                  download: Annotated[bool, Query(description="as an attachment <id>.json")] = False):
    with svc.db.session() as s:
        g = gold_record(document_view(s, _doc(s, doc_id)))
    headers = {"Content-Disposition": disposition(f"{g['id']}.json")} if download else None
    return JSONResponse(g, headers=headers)


GoldScope = Literal["reviewed", "corrected", "all"]


def _gold_ids(s, scope: str) -> list[str]:
    q = select(DocumentRow.id).where(DocumentRow.status != "failed")
    if scope == "reviewed":
        q = q.where(DocumentRow.reviewed_at.is_not(None))
    elif scope == "corrected":
        q = q.where(or_(DocumentRow.reviewed_at.is_not(None),
                        exists().where(TaskCorrection.document_id == DocumentRow.id)))
    return list(s.scalars(q.order_by(DocumentRow.created_at, DocumentRow.id)))


def build_gold_zip(svc, scope: str):
    f = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    with svc.db.session() as s:
        ids = _gold_ids(s, scope)
    manifest = []
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        for chunk in iter_chunks(ids, 100):
            with svc.db.session() as s:
                for did in chunk:
                    doc = s.get(DocumentRow, did)
                    if doc is None:
                        continue
                    g = gold_record(document_view(s, doc))
                    zf.writestr(f"gold/{g['id']}.json", gold_bytes(g))
                    data = get_source(s, doc.sha256)
                    if data is not None:
                        zf.writestr(g["input"], data)
                    manifest.append({"id": g["id"], "source": g["source"], "input": g["input"] if data else None,
                                     "doc_number": g["notice"]["doc_number"], "tasks": len(g["tasks"]),
                                     "reviewed": doc.reviewed_at is not None, "reviewed_by": doc.reviewed_by})
        zf.writestr("manifest.json", json.dumps({"format": "docproc gold (docs/gold_format.md)", "scope": scope,
                                                 "exported_at": dt.datetime.now(dt.timezone.utc)
                                                 .replace(microsecond=0).isoformat(),
                                                 "documents": manifest}, ensure_ascii=False, indent=2))
    return f


@router.get("/gold.zip", summary="Reviewed documents as gold files (+ their sources), one zip",
            response_description="gold/<id>.json, sources/<id>.<ext>, manifest.json")
async def gold_zip(svc: Svc, auth: Auth,
                   scope: Annotated[GoldScope, Query(description="reviewed: marked reviewed (default); "
                                                               "corrected: reviewed or with corrections; all")]
                   = "reviewed"):
    f = await run_in_threadpool(build_gold_zip, svc, scope)
    return streamed(f, "zip", "gold")


def annotations(text: str, notice: dict, stages: set[str]) -> dict:
    """Candidate spans of ``text``: 文号 mentions, time expressions (years resolved from the signing date) and
    numbered headings (``stage``: a steps/schedule section or the stage of a task).

    >>> a = annotations("常建〔2006〕166号\\n一、工作步骤\\n各单位于8月底前报送。", {"signed_date": "2006-08-22"}, set())
    >>> [d["text"] for d in a["doc_numbers"]], [(t["text"], t["end"]) for t in a["times"]]
    (['常建〔2006〕166号'], [('于8月底前', '2006-08-31')])
    >>> [(h["title"], h["stage"]) for h in a["headings"]]
    [('工作步骤', True)]
    >>> [t["text"] for t in annotations("向建国57周年献礼，收到后5日内反馈。", {}, set())["times"]]
    ['收到后5日内']
    """
    from docproc.extract.dates import find_times
    from docproc.extract.docno import find_doc_numbers
    from docproc.extract.headings import find_headings, is_stage_section

    ref = None
    try:
        ref = dt.date.fromisoformat(notice.get("signed_date") or "")
    except (TypeError, ValueError):
        pass
    docnos = find_doc_numbers(text)
    masks = [d.span for d in docnos]
    times = [t for t in find_times(text, ref=ref, masks=masks) if t.kind != "relative" or _LIMIT.search(t.text)]
    heads = find_headings(text)
    return {
        "doc_numbers": [{"span": list(d.span), "text": text[d.span[0]:d.span[1]], "canonical": d.canonical,
                         "cited": d.cited} for d in docnos],
        "times": [{"span": list(t.span), "text": t.text, "kind": t.kind,
                   "start": t.start.isoformat() if t.start else None, "end": t.end.isoformat() if t.end else None}
                  for t in times],
        "headings": [{"span": list(h.span), "level": h.level, "marker": h.marker, "title": h.title,
                      "stage": is_stage_section(h.marker + h.title) or h.title.strip() in stages} for h in heads],
    }


@router.get("/documents/{doc_id}/annotations", summary="Spans to highlight in the clean text "
                                                        "(文号 mentions, time expressions, headings)")
def document_annotations(svc: Svc, auth: Auth, doc_id: str):
    with svc.db.session() as s:
        doc = _doc(s, doc_id)
        text, notice = doc.text or "", dict((doc.result or {}).get("notice") or {})
        stages = {t["stage"].strip() for t in effective_tasks(s, doc) if isinstance(t.get("stage"), str) and t["stage"]}
    return {"document_id": doc_id, "length": len(text), **annotations(text, notice, stages)}
