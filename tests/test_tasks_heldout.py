"""Held-out check: mini-notices written for this test (not taken from the dev corpus), one per kind of notice
— 实施方案 with 时间安排 steps, （责任单位：…） items, a flattened one-line OCR text, a 会议通知, recurring duties,
a 函 with one reply deadline, a 通报 with past dates and no tasks, bodies set up with their duties, and a
申报 notice whose one closing deadline applies to every listed submission.

Each ``tests/data/tasks_heldout/NAME.txt`` has ``NAME.json``: the signing date and the expected tasks. An
expected task matches a predicted one whose content contains its ``content`` (punctuation ignored); ``owners``,
``start`` and ``due`` are checked when given. Every expected task must be found and nothing else predicted.
"""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from docproc.extract.dates import find_times
from docproc.model import Notice
from docproc.tasks import extract_tasks

DATA = Path(__file__).parent / "data" / "tasks_heldout"
_PUNCT = re.compile(r"[\s，。、；：“”《》（）()]")


def _soft(s: str) -> str:
    return _PUNCT.sub("", s or "")


def check(name: str) -> list[str]:
    """The mismatches between the extractor and the expected tasks of one mini-notice ([] when all agree)."""
    text = (DATA / f"{name}.txt").read_text(encoding="utf-8")
    exp = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    sd = exp["signed_date"]
    got = extract_tasks(text, Notice(signed_date=sd), find_times(text, ref=date.fromisoformat(sd)))
    free = list(got)
    problems = []
    for e in exp["tasks"]:
        hit = next((t for t in free if _soft(e["content"]) in _soft(t.content)), None)
        if hit is None:
            problems.append(f"missing: {e['content']}")
            continue
        free.remove(hit)
        if "owners" in e and set(hit.owners) != set(e["owners"]):
            problems.append(f"owners of {e['content']}: {hit.owners} != {e['owners']}")
        for k in ("start", "due"):
            if k in e and getattr(hit, k) != e[k]:
                problems.append(f"{k} of {e['content']}: {getattr(hit, k)} != {e[k]}")
    problems += [f"extra: {t.content} {t.owners} {t.due}" for t in free]
    return problems


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.txt")))
def test_heldout_notice(name):
    assert check(name) == []


def test_heldout_set_is_complete():
    names = {p.stem for p in DATA.glob("*.txt")}
    assert len(names) >= 8 and names == {p.stem for p in DATA.glob("*.json")}
