"""Remove pinyin glosses glued to a character: ``關(guān)于`` → ``關于`` (CORRUPTION.md §B).

Some web s2t converters annotate converted characters with their pypinyin default reading in ASCII
parentheses.  A gloss is removed only when

* it is glued to a CJK ideograph (no space between);
* every syllable in it is in the pinyin syllable table (``docproc/data/pinyin_syllables.txt``) after the
  tone marks are stripped, and it has no more syllables than the ideographs in front of it;
* it is tone-marked (``guān``) or tone-numbered (``guan1``) — or toneless ASCII (``guan``) in a document that
  has at least one tone-marked gloss or at least three toneless ones (a lone ``(an)`` is left alone).

Real parentheses are never touched: their content is Chinese, digits, or not a syllable.

>>> fix("關(guān)于進一步加強", None)[0]
'關于進一步加強'
>>> fix("標(biāo)識(見附件),服務型企業(單位、機關(guān))", None)[0]
'標識(見附件),服務型企業(單位、機關)'
>>> fix("女(nǚ)职工（zhí）", None)[0]
'女职工'
>>> fix("国务院(2019)第(一)条 (guān) 关(PDF)", None)[0]
'国务院(2019)第(一)条 (guān) 关(PDF)'
>>> fix("于(an)此", None)[0]
'于(an)此'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..model import Change
from ._chars import HAN, load_data_lines

NAME = "pinyin"

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ\u0304\u0301\u030c\u0300"
# a parenthesised group of 1-4 letter tokens glued to an ideograph
_GLOSS = re.compile(
    rf"(?<=[{HAN}])[(（]([a-zü{_TONED}ê]{{1,7}}[1-5]?(?: [a-zü{_TONED}ê]{{1,7}}[1-5]?){{0,3}})[)）]"
)
_HAN_RUN_BEFORE = re.compile(rf"[{HAN}]+$")
_PRECHECK = re.compile(r"[(（][a-zü" + _TONED + "]")


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    return frozenset(load_data_lines("pinyin_syllables.txt"))


def _base(token: str) -> tuple[str, str]:
    """(toneless syllable, kind) where kind is 'toned', 'number' or 'plain'."""
    kind = "plain"
    if token[-1] in "12345":
        token, kind = token[:-1], "number"
    d = unicodedata.normalize("NFD", token)
    stripped = "".join(ch for ch in d if not ("\u0300" <= ch <= "\u036f") or ch == "\u0308")
    if len(stripped) != len(d):
        if kind == "number":  # both a tone mark and a tone number: not pypinyin output
            return "", "bad"
        kind = "toned"
    return unicodedata.normalize("NFC", stripped).replace("v", "ü"), kind


def _classify(content: str) -> str | None:
    """'toned' / 'number' / 'plain' when every token is a syllable, else None."""
    table = syllables()
    kinds = set()
    for tok in content.split(" "):
        base, kind = _base(tok)
        if base not in table:
            return None
        if kind in ("number", "plain") and len(base) < 2:
            return None
        kinds.add(kind)
    if "bad" in kinds:
        return None
    if "toned" in kinds:
        return "toned"
    return "number" if "number" in kinds else "plain"


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if not _PRECHECK.search(text):
        return text, []
    found = []
    for m in _GLOSS.finditer(text):
        kind = _classify(m.group(1))
        if kind is None:
            continue
        run = _HAN_RUN_BEFORE.search(text, 0, m.start())
        if run is None or len(run.group(0)) < m.group(1).count(" ") + 1:
            continue
        found.append((m, kind))
    if not found:
        return text, []
    n_toned = sum(1 for _, k in found if k != "plain")
    n_plain = len(found) - n_toned
    keep_plain = n_toned == 0 and n_plain < 3
    out: list[str] = []
    changes: list[Change] = []
    pos = 0
    for m, kind in found:
        if kind == "plain" and keep_plain:
            continue
        out.append(text[pos:m.start()])
        changes.append(Change(m.group(0), "", m.start()))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), changes
