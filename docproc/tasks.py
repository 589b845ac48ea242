"""Tasks: section structure + owner phrases + time expressions → the task ledger. (placeholder)"""
from __future__ import annotations

from .model import Notice, Task


def extract_tasks(text: str, notice: Notice, times: list) -> list[Task]:
    return []
