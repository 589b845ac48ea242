"""Character classes shared by the typography fixers (pinyin, punctuation, spacing, boilerplate).

``HAN`` is a regex character-class body for CJK ideographs (unified, extension A–G, compatibility) plus
〇 and ○ (used as zero in Chinese-numeral dates); ``CJK_PUNCT`` the full-width/CJK punctuation; anchors
(``docproc.markers``) count as CJK because they stand for lost characters.

>>> is_han("关"), is_han("a"), is_han("○")
(True, False, True)
>>> is_cjkish("，"), is_cjkish("“"), is_cjkish(","), is_cjkish("\\U000F0003")
(True, True, False, True)
>>> load_data_lines("pinyin_syllables.txt")[:3]
['a', 'ai', 'an']
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

HAN = "\u3007\u25cb\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
ANCHORS = "\U000f0000-\U000ffffd"
# CJK symbols and punctuation, full-width forms, curly quotes, ellipsis, middle dot, em dash
CJK_PUNCT = "\u3001-\u3006\u3008-\u3011\u3014-\u301f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u00b7\u2014"

_HAN_RE = re.compile(f"[{HAN}]")
_CJKISH_RE = re.compile(f"[{HAN}{ANCHORS}{CJK_PUNCT}]")


def is_han(ch: str) -> bool:
    return bool(ch) and _HAN_RE.match(ch) is not None


def is_cjkish(ch: str) -> bool:
    """A CJK ideograph, CJK/full-width punctuation or an anchor (a lost character)."""
    return bool(ch) and _CJKISH_RE.match(ch) is not None


@lru_cache(maxsize=None)
def load_data_lines(name: str) -> list[str]:
    """Lines of ``docproc/data/<name>`` without comments (``#`` at line start) and blank lines."""
    text = resources.files("docproc").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.rstrip("\n") for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
