"""JSON (one array) and JSON Lines (one document per line) writers."""
from __future__ import annotations

import json
from typing import BinaryIO


def dumps_line(doc: dict) -> str:
    """One document as a single JSON line (no trailing newline); keeps Chinese readable.

    >>> dumps_line({"text": "通知", "n": 1})
    '{"text": "通知", "n": 1}'
    """
    return json.dumps(doc, ensure_ascii=False, separators=(", ", ": "))


class JsonlWriter:
    def __init__(self, fp: BinaryIO):
        self.fp = fp

    def add(self, doc: dict) -> None:
        self.fp.write(dumps_line(doc).encode("utf-8") + b"\n")

    def close(self) -> None:
        self.fp.flush()


class JsonWriter:
    """A JSON array of documents, written as they come."""

    def __init__(self, fp: BinaryIO, indent: int | None = 2):
        self.fp, self.indent, self.n = fp, indent, 0

    def add(self, doc: dict) -> None:
        self.fp.write(b"[\n" if self.n == 0 else b",\n")
        self.fp.write(json.dumps(doc, ensure_ascii=False, indent=self.indent).encode("utf-8"))
        self.n += 1

    def close(self) -> None:
        self.fp.write(b"[]\n" if self.n == 0 else b"\n]\n")
        self.fp.flush()
