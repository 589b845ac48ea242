"""Extraction: notice fields, time expressions and tasks, run as a spaCy pipeline (see ``nlp.py``)."""
from __future__ import annotations

from ..model import Document


def extract(doc: Document, settings=None) -> None:
    """Fill ``doc.notice`` and ``doc.tasks`` from ``doc.text`` (and reader metadata in ``doc.meta``)."""
    from .nlp import run_pipeline

    notice, tasks = run_pipeline(doc.text, doc.meta)
    doc.notice = notice
    doc.tasks = tasks
