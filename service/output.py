"""Responses in the export formats (``docproc.export``), for one document, a task selection or a job."""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from typing import Iterable
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse

from docproc.export import EXTENSIONS, MEDIA_TYPES, export, writer

SPOOL = 8 << 20
ZIP_MEMBERS = (("documents.jsonl", "jsonl"), ("tasks.csv", "csv"), ("tasks.xlsx", "xlsx"), ("tasks.ics", "ics"))


def disposition(filename: str, inline: bool = False) -> str:
    """A Content-Disposition that survives Chinese file names (RFC 6266 / 5987).

    >>> disposition("通知.txt")
    'attachment; filename="download.txt"; filename*=UTF-8\\'\\'%E9%80%9A%E7%9F%A5.txt'
    """
    kind = "inline" if inline else "attachment"
    ascii_name = filename if filename.isascii() and '"' not in filename else "download" + (
        "." + filename.rsplit(".", 1)[-1] if "." in filename and filename.rsplit(".", 1)[-1].isascii() else "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def one(docs: list[dict], fmt: str, stem: str) -> Response:
    data = export(docs, fmt)
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": disposition(stem + EXTENSIONS[fmt], inline=fmt in ("json", "md"))})


def _stream(f, chunk: int = 1 << 16):
    try:
        f.seek(0)
        while True:
            b = f.read(chunk)
            if not b:
                break
            yield b
    finally:
        f.close()


def spooled(docs: Iterable[dict], fmt: str):
    """Write ``docs`` in ``fmt`` (or a zip of documents.jsonl + the task ledgers) to a spooled temp file."""
    f = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    if fmt == "zip":
        docs = list(docs)
        errors = [d for d in docs if d.get("status") == "failed"]
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, sub in ZIP_MEMBERS:
                with tempfile.SpooledTemporaryFile(max_size=SPOOL) as part:
                    w = writer(sub, part)
                    for d in docs:
                        w.add(d)
                    w.close()
                    part.seek(0)
                    with zf.open(member, "w") as out:
                        shutil.copyfileobj(part, out)
            if errors:
                zf.writestr("errors.jsonl", "".join(
                    json.dumps({"name": (d.get("source") or {}).get("name"),
                                "archive_member": (d.get("source") or {}).get("archive_member"),
                                **((d.get("issues") or [{}])[0])}, ensure_ascii=False) + "\n" for d in errors))
        return f
    w = writer(fmt, f)
    for d in docs:
        w.add(d)
    w.close()
    return f


def streamed(f, fmt: str, stem: str, headers: dict | None = None) -> StreamingResponse:
    media = "application/zip" if fmt == "zip" else MEDIA_TYPES[fmt]
    ext = ".zip" if fmt == "zip" else EXTENSIONS[fmt]
    h = {"Content-Disposition": disposition(stem + ext)}
    h.update(headers or {})
    return StreamingResponse(_stream(f), media_type=media, headers=h)


GOLD_NOTICE_KEYS = ("doc_number", "title", "doc_type", "issuers", "recipients", "signed_date", "attachments", "cc")
GOLD_TASK_KEYS = ("content", "stage", "owners", "start", "due", "time_text")


def gold(doc: dict) -> dict:
    """A reviewed document as a gold file (``shared/gold/GUIDELINES.md``): notice fields and the served tasks.

    Owners are lead, owners and partners in that order (the gold format has one list, lead first).

    >>> g = gold({"id": "ab12", "source": {"name": "通知.txt"}, "notice": {"title": "关于…的通知", "issuers": ["市局"]},
    ...           "tasks": [{"content": "报送", "lead": "市局", "owners": ["各区"], "partners": ["市局"], "due": None}],
    ...           "review": {"reviewed": True, "reviewed_by": "王", "reviewed_at": "2024-01-02T03:04:05Z"}})
    >>> g["id"], g["source"], g["notice"]["issuers"], g["notice"]["cc"], g["tasks"][0]["owners"]
    ('通知', '通知.txt', ['市局'], [], ['市局', '各区'])
    >>> g["notes"]
    'reviewed by 王 at 2024-01-02T03:04:05Z (docproc document ab12)'
    """
    notice = doc.get("notice") or {}
    name = (doc.get("source") or {}).get("name") or doc.get("id")
    out_notice = {}
    for k in GOLD_NOTICE_KEYS:
        v = notice.get(k)
        out_notice[k] = list(v or []) if k in ("issuers", "recipients", "attachments", "cc") else v
    tasks = []
    for t in doc.get("tasks") or []:
        owners: list[str] = []
        for o in [t.get("lead"), *(t.get("owners") or []), *(t.get("partners") or [])]:
            if o and o not in owners:
                owners.append(o)
        tasks.append({k: (owners if k == "owners" else t.get(k)) for k in GOLD_TASK_KEYS})
    rv = doc.get("review") or {}
    if rv.get("reviewed"):
        notes = f"reviewed by {rv.get('reviewed_by')} at {rv.get('reviewed_at')}"
        if rv.get("note"):
            notes += f": {rv['note']}"
    else:
        notes = "NOT reviewed: machine extraction"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return {"id": stem, "source": name, "notice": out_notice, "tasks": tasks,
            "notes": f"{notes} (docproc document {doc.get('id')})"}


def gold_bytes(doc: dict) -> bytes:
    return (json.dumps(gold(doc), ensure_ascii=False, indent=2) + "\n").encode()
