"""Ingest: pick a reader by content (magic bytes, then declared type, then extension), decode, yield blocks.

Every reader module exposes ``read(data: bytes, name: str | None, settings) -> Ingested``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Block, Issue


@dataclass
class Ingested:
    text: str
    format: str  # txt | html | docx | doc | pdf
    media_type: str
    encoding: str | None = None
    blocks: list[Block] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. {"html_title":…, "page_meta": {"索引号":…}}


def read(data: bytes, name: str | None = None, settings=None) -> Ingested:
    """Read one document's bytes with the reader its content calls for."""
    from ..detect import sniff
    from . import doc, docx, html, pdf, text

    fmt = sniff(data, name)
    reader = {"txt": text, "html": html, "docx": docx, "doc": doc, "pdf": pdf}[fmt]
    return reader.read(data, name, settings)
