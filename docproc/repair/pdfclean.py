"""PDF text-layer artefacts: radicals and compatibility ideographs for ideographs, fake-bold doubling.

* Kangxi radicals (U+2F00–U+2FD5) and CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F) →
  their unified ideographs, by NFKC **of those code points only** (general NFKC would also fold full-width
  letters, digits and punctuation, which the notices keep).
* CJK Radicals Supplement code points that stand for a whole character (``⻓`` → ``长``, table in
  ``docproc/data/cjk_radicals_supplement.tsv``) when they stand next to an ideograph.
* Fake bold: PDF producers draw a bold heading twice, so extraction gives ``关关于于印印发发``. A run of
  doubled characters is undoubled only when the whole run is doubled and it cannot be real reduplication:
  the run is the whole line (≥ 3 pairs, ≥ 2 of them ideographs), or it has ≥ 4 pairs including a doubled
  punctuation mark or digit, or it has ≥ 6 pairs (≥ 3 ideographs).  ``常常``, ``天天``, ``一一``,
  ``明明白白清清楚楚`` survive.

>>> fix("党的⼗七⼤报告提出，⼀、⼯作⽬标", None)[0]
'党的十七大报告提出，一、工作目标'
>>> fix("市⻓信箱 ⻓", None)[0]
'市长信箱 ⻓'
>>> fix("关关于于印印发发《《方方案案》》的的通通知知\\n各地要常常检查，天天坚持，一一对应", None)[0]
'关于印发《方案》的通知\\n各地要常常检查，天天坚持，一一对应'
>>> fix("要做到明明白白清清楚楚。电话13311224455", None)[0]
'要做到明明白白清清楚楚。电话13311224455'
>>> fix("ＡＢ１２，（一）", None)[0]
'ＡＢ１２，（一）'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..model import Change
from ._chars import HAN, is_han, load_data_lines

NAME = "pdfclean"

_COMPAT = re.compile("[\u2f00-\u2fd5\uf900-\ufaff\U0002f800-\U0002fa1f]")
_SUPPLEMENT = re.compile("[\u2e80-\u2ef3]")
_PRECHECK = re.compile("[\u2e80-\u2fd5\uf900-\ufaff\U0002f800-\U0002fa1f]|(\\S)\\1(\\S)\\2(\\S)\\3")
_DOUBLED = re.compile(r"(?:(\S)\1){3,}")
_HAN_RE = re.compile(f"[{HAN}]")


@lru_cache(maxsize=1)
def _supplement_map() -> dict[str, str]:
    out = {}
    for line in load_data_lines("cjk_radicals_supplement.tsv"):
        cols = line.split("\t")
        out[cols[1]] = cols[2]
    return out


def _fix_codepoints(text: str, changes: list[Change]) -> str:
    def compat(m: re.Match) -> str:
        ch = m.group(0)
        new = unicodedata.normalize("NFKC", ch)
        if new != ch and len(new) == 1:
            changes.append(Change(ch, new, m.start()))
            return new
        return ch

    text = _COMPAT.sub(compat, text)
    if _SUPPLEMENT.search(text):
        table = _supplement_map()
        chars = list(text)
        for i, ch in enumerate(chars):
            new = table.get(ch)
            if new is None:
                continue
            left = chars[i - 1] if i else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            if is_han(left) or is_han(right) or left in table or right in table:
                changes.append(Change(ch, new, i))
                chars[i] = new
        text = "".join(chars)
    return text


def _undouble_ok(run: str, whole_line: bool) -> bool:
    singles = run[::2]
    if len(set(singles)) < 3:
        return False
    n_han = sum(1 for c in singles if _HAN_RE.match(c))
    k = len(singles)
    if whole_line and k >= 3 and n_han >= 2:
        return True
    if k >= 4 and n_han >= 2 and any(not _HAN_RE.match(c) for c in singles):
        return True
    return k >= 6 and n_han >= 3


def _fix_doubling(text: str, changes: list[Change]) -> str:
    out: list[str] = []
    pos = 0
    for m in _DOUBLED.finditer(text):
        run = m.group(0)
        s, e = m.start(), m.end()
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        line_end = len(text) if line_end < 0 else line_end
        whole = text[line_start:s].strip() == "" and text[e:line_end].strip() == ""
        if not _undouble_ok(run, whole):
            continue
        out.append(text[pos:s])
        out.append(run[::2])
        changes.append(Change(run, run[::2], s))
        pos = e
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if not _PRECHECK.search(text):
        return text, []
    changes: list[Change] = []
    text = _fix_codepoints(text, changes)
    text = _fix_doubling(text, changes)
    return text, changes
