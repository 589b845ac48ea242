"""docproc.repair.pinyin: tone-marked glosses go, real parentheses stay (CORRUPTION.md §B)."""
from __future__ import annotations

import re
import unicodedata

import pytest

from docproc.repair import pinyin
from tests.conftest import needs_shared
from tests.repair_cases import cases


@pytest.mark.parametrize("text,expected", cases("pinyin"))
def test_cases(text, expected):
    out, changes = pinyin.fix(text, None)
    assert out == expected
    assert bool(changes) == (text != expected)
    for c in changes:
        assert text[c.at:c.at + len(c.before)] == c.before and c.after == ""


def test_syllable_table_matches_pypinyin():
    """The data table is every pypinyin reading without tone marks (regenerate it from this when it fails)."""
    from pypinyin import pinyin_dict

    want = set()
    for readings in pinyin_dict.pinyin_dict.values():
        for r in readings.split(","):
            d = unicodedata.normalize("NFD", r)
            d = "".join(ch for ch in d if not ("\u0300" <= ch <= "\u036f") or ch == "\u0308")
            want.add(unicodedata.normalize("NFC", d))
    assert set(pinyin.syllables()) == want


def test_every_pypinyin_default_reading_is_removed():
    """Whatever character the web converter glosses, the default pypinyin reading is recognised."""
    from pypinyin import Style, pinyin as py

    chars = "關進務為當創適應實機濟認項點內國開來門說華業產"
    text = "".join(c + "(" + py(c, style=Style.TONE)[0][0] + ")" for c in chars)
    assert pinyin.fix(text, None)[0] == chars


@needs_shared
def test_seeds_000_001_lose_all_378_glosses(shared):
    total = 0
    for name in ("000_e91c830034ea0435.txt", "001_4317c450505966d0.txt"):
        text = (shared / "seeds" / name).read_text(encoding="utf-8")
        out, changes = pinyin.fix(text, None)
        total += len(changes)
        assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", out)
        assert "(見附件)" in out or "(一)" in out
    assert total == 378  # CORRUPTION.md §B.2: 378 glosses in the two seeds


@needs_shared
def test_clean_texts_unchanged(shared):
    paths = sorted((shared / "seeds_clean").glob("*.txt")) + sorted((shared / "corpus").glob("*.txt"))
    for p in paths:
        text = p.read_text(encoding="utf-8", errors="replace")
        assert pinyin.fix(text, None) == (text, []), p.name
