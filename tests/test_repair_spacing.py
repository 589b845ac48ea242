"""docproc.repair.spacing: one paragraph per line, spaces inside Chinese text removed, words kept apart."""
from __future__ import annotations

import re

import pytest

from docproc.repair import spacing
from tests.conftest import needs_shared
from tests.repair_cases import cases


@pytest.mark.parametrize("text,expected", cases("spacing"))
def test_cases(text, expected):
    out, changes = spacing.fix(text, None)
    assert out == expected
    assert bool(changes) == (text != expected)


def test_output_invariants():
    text = "\ufeff  标题\r\n\r\n\u3000\u3000第一段，  \r\n\r\n\t第二段。 \n\n\n"
    out, _ = spacing.fix(text, None)
    assert out == "标题\n第一段，第二段。"
    assert spacing.fix(out, None) == (out, [])  # idempotent


def test_no_join_across_an_anchor():
    prev = "服" * 120 + "\U000f0001"
    assert spacing.fix(prev + "\n的发展变化", None)[0] == prev + "\n的发展变化"


@needs_shared
def test_gold_texts_unchanged(shared):
    for p in sorted((shared / "seeds_clean").glob("*.txt")):
        text = p.read_text(encoding="utf-8").rstrip("\n")
        assert spacing.fix(text, None) == (text, []), p.name


@needs_shared
def test_corpus_only_whitespace_and_line_breaks(shared):
    """On the corpus the fixer only removes whitespace (the text without whitespace is unchanged)."""
    for p in sorted((shared / "corpus").glob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        out, _ = spacing.fix(text, None)
        assert re.sub(r"\s", "", out) == re.sub(r"\s", "", text), p.name
        assert "\n\n" not in out and not re.search(r"^[ \t]|[ \t]$", out, re.M), p.name
