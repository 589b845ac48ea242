"""Document numbers (发文字号). (placeholder: to be implemented)"""
from __future__ import annotations


def find_doc_numbers(text: str) -> list:
    return []
