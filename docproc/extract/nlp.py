"""The extraction pipeline: ``spacy.blank("zh")`` (char segmenter) plus docproc's registered components.

Components (registered factories, in order):
  docproc_docnos  – document-number candidates  → ``doc.spans["doc_number"]``
  docproc_notice  – notice fields               → ``doc._.notice``
  docproc_times   – time expressions (doc numbers masked, years resolved against the signing date)
                                                 → ``doc.spans["time"]``, ``doc._.times``
  docproc_tasks   – the task list               → ``doc._.tasks``
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

for _ext in ("notice", "times", "tasks", "doc_numbers", "meta"):
    if not Doc.has_extension(_ext):
        Doc.set_extension(_ext, default=None)


def _set_spans(doc: Doc, key: str, spans, label: str) -> None:
    out = []
    for s, e in spans:
        sp = doc.char_span(s, e, label=label, alignment_mode="expand")
        if sp is not None:
            out.append(sp)
    doc.spans[key] = out


@Language.factory("docproc_docnos")
def make_docnos(nlp, name):
    from .docno import find_doc_numbers

    def component(doc: Doc) -> Doc:
        found = find_doc_numbers(doc.text)
        doc._.doc_numbers = found
        _set_spans(doc, "doc_number", [d.span for d in found], "DOC_NUMBER")
        return doc

    return component


@Language.factory("docproc_notice")
def make_notice(nlp, name):
    from .notice import extract_notice

    def component(doc: Doc) -> Doc:
        doc._.notice = extract_notice(doc.text, doc._.meta or {}, doc._.doc_numbers or [])
        return doc

    return component


@Language.factory("docproc_times")
def make_times(nlp, name):
    from .dates import find_times

    def component(doc: Doc) -> Doc:
        notice = doc._.notice
        ref = None
        if notice is not None and notice.signed_date:
            ref = date.fromisoformat(notice.signed_date)
        masks = [d.span for d in (doc._.doc_numbers or [])]
        times = find_times(doc.text, ref=ref, masks=masks)
        doc._.times = times
        _set_spans(doc, "time", [t.span for t in times], "TIME")
        return doc

    return component


@Language.factory("docproc_tasks")
def make_tasks(nlp, name):
    from ..tasks import extract_tasks

    def component(doc: Doc) -> Doc:
        doc._.tasks = extract_tasks(doc.text, doc._.notice, doc._.times or [])
        return doc

    return component


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    nlp = spacy.blank("zh")  # the default Chinese segmenter is "char": one token per character
    for name in ("docproc_docnos", "docproc_notice", "docproc_times", "docproc_tasks"):
        nlp.add_pipe(name)
    return nlp


def run_pipeline(text: str, meta: dict | None = None):
    nlp = load_pipeline()
    doc = nlp.make_doc(text)
    doc._.meta = meta or {}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc._.notice, doc._.tasks or []
