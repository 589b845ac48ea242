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

