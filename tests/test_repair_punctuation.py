"""docproc.repair.punctuation: undo the full-width→ASCII fold in Chinese context only (CORRUPTION.md §E)."""
from __future__ import annotations

import pytest

from docproc.repair import punctuation
from tests.conftest import needs_shared
from tests.repair_cases import cases


@pytest.mark.parametrize("text,expected", cases("punctuation"))
def test_cases(text, expected):
    out, changes = punctuation.fix(text, None)
    assert out == expected
    assert len(out) == len(text)  # a width fold never changes the length
    assert len(changes) == sum(1 for a, b in zip(text, out) if a != b)
    for c in changes:
        assert text[c.at] == c.before and out[c.at] == c.after


def test_parentheses_never_mixed():
    out, _ = punctuation.fix("发(2020)23号, ISO (2015), 见(附件)", None)
    assert out == "发（2020）23号， ISO (2015), 见（附件）"


@needs_shared
def test_gold_texts_unchanged(shared):
    """The seeds_clean gold texts follow the convention the fixer restores: nothing to do there."""
    for p in sorted((shared / "seeds_clean").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        assert punctuation.fix(text, None) == (text, []), p.name


@needs_shared
def test_corpus_only_width_changes(shared):
    """On the real corpus the fixer only swaps ASCII marks for full-width ones, next to Chinese text."""
    for p in sorted((shared / "corpus").glob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        out, changes = punctuation.fix(text, None)
        assert len(out) == len(text)
        for a, b in zip(text, out):
            if a != b:
                assert punctuation.FOLD.get(a) == b or (a == '"' and b in "“”"), (p.name, a, b)
