"""docproc.repair.pdfclean: radicals/compatibility ideographs → unified forms; fake-bold doubling."""
from __future__ import annotations

import json
import unicodedata

import pytest

from docproc.repair import pdfclean
from tests.conftest import HAVE_SHARED, SHARED, needs_shared
from tests.repair_cases import cases


@pytest.mark.parametrize("text,expected", cases("pdfclean"))
def test_cases(text, expected):
    out, changes = pdfclean.fix(text, None)
    assert out == expected
    assert bool(changes) == (text != expected)


def test_every_kangxi_radical_maps_to_a_unified_ideograph():
    for cp in range(0x2F00, 0x2FD6):
        out, changes = pdfclean.fix(chr(cp), None)
        assert len(out) == 1 and 0x4E00 <= ord(out) <= 0x9FFF and len(changes) == 1, hex(cp)


def test_supplement_table_targets_are_ideographs():
    table = pdfclean._supplement_map()
    assert len(table) >= 30
    for rad, ideo in table.items():
        assert 0x2E80 <= ord(rad) <= 0x2EF3 and unicodedata.category(ideo) == "Lo", rad


def _kangxi_rows():
    if not HAVE_SHARED:
        return []
    path = SHARED / "eval" / "peers" / "mojibake" / "zh_mojibake_synthetic.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return [pytest.param(r["broken"], r["original"], id=r["id"]) for r in rows if "kangxi" in r["category"]]


@needs_shared
@pytest.mark.parametrize("broken,original", _kangxi_rows())
def test_peer_kangxi_artefacts(broken, original):
    assert pdfclean.fix(broken, None)[0] == original


@needs_shared
def test_clean_texts_unchanged(shared):
    for p in sorted((shared / "seeds_clean").glob("*.txt")) + sorted((shared / "corpus").glob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        assert pdfclean.fix(text, None) == (text, []), p.name
