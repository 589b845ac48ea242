"""Pick a format by content: magic bytes first, then markup sniffing, then the extension. (minimal; to be completed)"""
from __future__ import annotations

from .errors import EmptyDocument, UnsupportedFormat


def sniff(data: bytes, name: str | None = None) -> str:
    if not data:
        raise EmptyDocument(f"{name or 'input'} is empty")
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    low = data[:2048].lower()
    if b"<html" in low or b"<!doctype html" in low:
        return "html"
    if b"\x00" in data[:4096] and not (data[:2] in (b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedFormat(f"{name or 'input'}: binary content of an unsupported type")
    return "txt"
