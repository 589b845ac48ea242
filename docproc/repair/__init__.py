"""Repair: small fixers run in a fixed order, each ``text -> text`` with a record of what it changed.

Each fixer module exposes ``NAME`` and ``fix(text, ctx) -> (text, changes)`` where ``changes`` is a list of
:class:`docproc.model.Change`.  Fixers must leave clean text untouched (every fixer has negative tests).
Things that cannot be recovered are marked with anchors from ``ctx.anchor(...)`` (see ``docproc.markers``).
"""
from __future__ import annotations

import importlib

from ..markers import RepairContext
from ..model import Repair

# order matters: byte-level damage first, then markup residue, then site chrome, then typography
FIXER_MODULES = (
    "mojibake",      # classic GBK/UTF-8/Latin-1/Big5 mojibake, 锟斤拷, U+FFFD runs
    "tagshift",      # lost-'<' HTML: code point shift before tag remnants, entities, '?' guesses
    "pinyin",        # 關(guān) pinyin glosses after converted characters
    "boilerplate",   # breadcrumbs, site chrome, footers, paywall/truncation notes, table pipes
    "pdfclean",      # Kangxi radicals, compatibility ideographs, fake-bold doubling
    "punctuation",   # ASCII punctuation folded from full-width, in Chinese context
    "spacing",       # spaces inside Chinese text and dates, spaced-out titles, blank lines
)


def fixers():
    return [importlib.import_module(f"{__name__}.{m}") for m in FIXER_MODULES]


def run(text: str, ctx: RepairContext | None = None) -> tuple[str, list[Repair], RepairContext]:
    """Run every fixer in order; return the repaired text, the applied repairs, and the context."""
    ctx = ctx or RepairContext()
    applied: list[Repair] = []
    for mod in fixers():
        text, changes = mod.fix(text, ctx)
        if changes:
            applied.append(Repair(mod.NAME, len(changes), list(changes)))
    return text, applied, ctx
