"""Notice fields (GB/T 9704-2012 elements). (placeholder: to be implemented)"""
from __future__ import annotations

from ..model import Notice


def extract_notice(text: str, meta: dict | None = None, doc_numbers=()) -> Notice:
    return Notice()
