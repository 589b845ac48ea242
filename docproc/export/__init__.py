"""Exporters: the same document dicts (schema ``docproc.notice/1``) written as json, jsonl, csv, xlsx, ics, md.

``export(docs, fmt) -> bytes`` where ``docs`` is a list of document dicts (``Document.to_dict()``), so the CLI,
bulk conversion and the service (which stores result JSON and reviewed corrections) share one code path.
(placeholder: exporters to be implemented)
"""
from __future__ import annotations

FORMATS = ("json", "jsonl", "csv", "xlsx", "ics", "md")
