"""Word and character frequencies for the repair fixers (loaded once per process, lazily).

The data comes from jieba's MIT-licensed ``dict.txt`` via ``models/build_repair_lexicon.py``; jieba itself is
not a dependency.  ``repair_words.txt`` is one ``word<TAB>freq`` per line, **sorted by word** (code point
order), so one ``split()`` of the file gives both the frequency table and a sorted word list; prefix queries
(:func:`holes`) are ranges of that list found by bisection, with no index to build.

>>> word_freq("积极") > word_freq("积累") > 0
True
>>> char_rank("的") < char_rank("旤")
True
>>> sorted(holes("推荐", ""))  # 推荐? : the characters that complete a lexicon word
['人', '信', '奖', '性', '者', '表']
>>> "极" in holes("积", "") and "极" not in holes("", "积")
True
>>> sorted(holes("", "积", among="面体累"))  # no prefix: only the characters ``among`` are tried
['体', '累', '面']
"""
from __future__ import annotations

import math
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from ..errors import DocprocError

DATA = Path(__file__).resolve().parents[1] / "data"
_TOP = "\U0010ffff"  # sorts after every character: prefix + _TOP bounds the words starting with prefix


def _read(name: str) -> str:
    try:
        with open(DATA / name, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DocprocError(f"repair data file unreadable: {DATA / name}: {exc}") from exc


def _body(text: str) -> str:
    """The text after the leading ``#`` comment lines."""
    pos = 0
    while text.startswith("#", pos):
        nl = text.find("\n", pos)
        pos = len(text) if nl < 0 else nl + 1
    return text[pos:]


def _read_tsv(name: str) -> tuple[list[str], dict[str, int]]:
    """Keys (in file order) and ``key -> int`` of a two-column ``key<TAB>int`` file, parsed in bulk."""
    toks = _body(_read(name)).split()
    keys = toks[0::2]
    if len(toks) % 2:
        raise DocprocError(f"repair data file malformed: {DATA / name}: odd number of fields")
    try:
        table = dict(zip(keys, map(int, toks[1::2])))
    except ValueError as exc:
        raise DocprocError(f"repair data file malformed: {DATA / name}: {exc}") from exc
    if len(table) != len(keys):
        raise DocprocError(f"repair data file malformed: {DATA / name}: duplicate keys")
    return keys, table


def read_list(name: str) -> list[str]:
    """A one-item-per-line data file (``#`` comments and blank lines skipped)."""
    return [s.strip() for s in _read(name).splitlines() if s.strip() and not s.startswith("#")]


@lru_cache(maxsize=1)
def _words() -> tuple[list[str], dict[str, int]]:
    return _read_tsv("repair_words.txt")


def words() -> dict[str, int]:
    """``word -> frequency`` (all-hanzi words of 2–4 characters)."""
    return _words()[1]


def sorted_words() -> list[str]:
    """Every word, in code point order (the file order; ``tests/test_repair_lexicon.py`` checks it)."""
    return _words()[0]


@lru_cache(maxsize=1)
def chars() -> dict[str, int]:
    """``hanzi -> frequency``, most frequent first."""
    return _read_tsv("repair_charfreq.txt")[1]


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


def with_prefix(prefix: str) -> list[str]:
    """The words that start with ``prefix`` (a slice of :func:`sorted_words`)."""
    ws = sorted_words()
    return ws[bisect_left(ws, prefix):bisect_left(ws, prefix + _TOP)]


def holes(pre: str, suf: str, among=()) -> frozenset[str]:
    """The characters ``x`` for which ``pre + x + suf`` is a word.

    With a prefix this is a range scan of the sorted list (no candidate list needed); without one (the hole
    is the word's first character) only the characters in ``among`` are tried, by dictionary membership.
    """
    if pre:
        n, j = len(pre) + 1 + len(suf), len(pre)
        return frozenset(w[j] for w in with_prefix(pre) if len(w) == n and w.endswith(suf))
    table = words()
    return frozenset(x for x in among if x + suf in table)
