"""Word and character frequencies for the repair fixers (loaded once, lazily).

The data comes from jieba's MIT-licensed ``dict.txt`` via ``models/build_repair_lexicon.py``; jieba itself is
not a dependency.

>>> word_freq("积极") > word_freq("积累") > 0
True
>>> char_rank("的") < char_rank("旤")
True
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def _read_tsv(name: str) -> dict[str, int]:
    out: dict[str, int] = {}
    with open(DATA / name, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            k, _, v = line.rstrip("\n").partition("\t")
            if k:
                out[k] = int(v)
    return out


def read_list(name: str) -> list[str]:
    """A one-item-per-line data file (``#`` comments and blank lines skipped)."""
    with open(DATA / name, encoding="utf-8") as fh:
        return [s.strip() for s in fh if s.strip() and not s.startswith("#")]


@lru_cache(maxsize=1)
def words() -> dict[str, int]:
    return _read_tsv("repair_words.txt")


@lru_cache(maxsize=1)
def chars() -> dict[str, int]:
    return _read_tsv("repair_charfreq.txt")


@lru_cache(maxsize=1)
def _ranks() -> dict[str, int]:
    return {ch: i for i, ch in enumerate(chars())}


def word_freq(w: str) -> int:
    return words().get(w, 0)


def char_rank(ch: str) -> int:
    """0 for the most frequent hanzi; a large number for unknown characters."""
    return _ranks().get(ch, 1_000_000)


@lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    """The ~4,000 most frequent hanzi (roughly the common-character list of running text)."""
    return frozenset(list(chars())[:4000])


def log_freq(w: str) -> float:
    f = words().get(w, 0)
    return math.log10(f) if f else 0.0
