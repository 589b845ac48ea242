"""Exporters: the same document dicts (schema ``docproc.notice/1``) written as json, jsonl, csv, xlsx, ics, md.

``export(docs, fmt) -> bytes`` where ``docs`` is a list of document dicts (``Document.to_dict()``), so the CLI,
bulk conversion and the service (which stores result JSON and reviewed corrections) share one code path.
Exporters read documents with ``.get`` only: extra keys (a reviewed task's ``"reviewed": true``) are ignored
and missing optional keys are treated as empty.

For bulk output each format also has a streaming writer: ``w = writer(fmt, fp); w.add(doc)…; w.close()``
(``close`` finishes the format but leaves ``fp`` open).

>>> doc = {"source": {"name": "a.txt", "sha256": "ab" * 32},
...        "notice": {"doc_number": "常建〔2006〕166号", "title": "关于开展活动的通知"},
...        "tasks": [{"id": "T01", "content": "报送方案", "owners": ["各单位"], "due": "2006-08-31"}]}
>>> export([doc], "csv").decode("utf-8-sig").splitlines()[1].split(",")[:3]
['1', '报送方案', '']
>>> b"DTSTART;VALUE=DATE:20060831" in export([doc], "ics")
True
>>> sorted(FORMATS)
['csv', 'ics', 'json', 'jsonl', 'md', 'xlsx']
"""
from __future__ import annotations

import io
from typing import Any, BinaryIO, Iterable

FORMATS = ("json", "jsonl", "csv", "xlsx", "ics", "md")

MEDIA_TYPES = {
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ics": "text/calendar; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}

EXTENSIONS = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "xlsx": ".xlsx", "ics": ".ics", "md": ".md"}


def writer(fmt: str, fp: BinaryIO, **opts: Any):
    """A streaming writer for ``fmt`` over the binary file ``fp`` (``add(doc)`` then ``close()``)."""
    if fmt == "json":
        from .json import JsonWriter as cls
    elif fmt == "jsonl":
        from .json import JsonlWriter as cls
    elif fmt == "csv":
        from .csv import CsvWriter as cls
    elif fmt == "xlsx":
        from .xlsx import XlsxWriter as cls
    elif fmt == "ics":
        from .ics import IcsWriter as cls
    elif fmt == "md":
        from .md import MarkdownWriter as cls
    else:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    return cls(fp, **opts)


def export(docs: Iterable[dict], fmt: str, **opts: Any) -> bytes:
    """All ``docs`` in format ``fmt`` as bytes (CSV is utf-8-sig, everything else utf-8)."""
    buf = io.BytesIO()
    w = writer(fmt, buf, **opts)
    for d in docs:
        w.add(d)
    w.close()
    return buf.getvalue()


__all__ = ["FORMATS", "MEDIA_TYPES", "EXTENSIONS", "writer", "export"]
