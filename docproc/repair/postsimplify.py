"""Fixes after OpenCC: characters the web s2t converters map wrongly and t2s cannot undo (CORRUPTION.md §B.4).

Char-by-char web converters write the aspect particle 着 as 著 (隨著); OpenCC t2s keeps 著 because it is
also the simplified character of 著名/著作.  Here 著 becomes 着 only right after a word that takes the
particle (随/沿/意味/接/本/朝/向/顺/看/…, ``docproc/data/postsimplify_zhe.tsv``) and only when the next
character does not make a 著 (zhù) word.

>>> fix("随著我国民主和法治进程的加快，本著实事求是的原则，意味著", None)[0]
'随着我国民主和法治进程的加快，本着实事求是的原则，意味着'
>>> fix("著名的著作，成效显著，卓著，向著名专家学习，本著作，慰藉著受伤的心灵", None)
('著名的著作，成效显著，卓著，向著名专家学习，本著作，慰藉著受伤的心灵', [])
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Change
from ._chars import load_data_lines

NAME = "post_simplify"


@lru_cache(maxsize=1)
def _zhe() -> re.Pattern:
    before, keep = [], []
    for line in load_data_lines("postsimplify_zhe.tsv"):
        kind, word = line.split("\t")[:2]
        (before if kind == "before" else keep).append(word)
    alts = "|".join(re.escape(w) for w in sorted(set(before), key=len, reverse=True))
    return re.compile(f"({alts})著(?![{''.join(keep)}])")


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if "著" not in text:
        return text, []
    changes: list[Change] = []

    def sub(m: re.Match) -> str:
        changes.append(Change("著", "着", m.start() + len(m.group(1))))
        return m.group(1) + "着"

    out = _zhe().sub(sub, text)
    return out, changes
