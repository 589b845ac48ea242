"""Undo the full-width → ASCII fold (CORRUPTION.md §E) where the ASCII mark stands in Chinese context.

``, : ; ( ) ? !`` become ``，：；（）？！`` when the nearest neighbour on at least one side (skipping other
marks of this set) is Chinese: an ideograph, CJK punctuation or an anchor.  ASCII stays

* between digits (``1,000``, ``08:43:32``, ``18:00``) and in URLs and e-mail addresses;
* in Latin text (``ISO 9001 (2015)``);
* for ``-``, ``%``, ``~``, ``.``, ``/`` — never touched (``1-2个``, ``101%``, ``6月~10月``, ``1.``).

Parentheses are decided per matched pair: both become full-width when the content or the outside
neighbours are Chinese, so ``发(2020)23号`` gives ``发（2020）23号`` and never a mixed pair.
``?``/``!`` are folded back only after an ideograph at the end of a clause (before a line end, a space or a
closing quote): inside a run of ideographs a ``?`` is more likely a lost character.
Straight double quotes become ``“…”`` only in a line where they pair up and every one touches Chinese.

>>> fix("各处室:近年来,我局(见附件);时间:08:43:32", None)[0]
'各处室：近年来，我局（见附件）；时间：08:43:32'
>>> fix("报送1-2个,共1,000元,达101%,6月~10月", None)[0]
'报送1-2个，共1,000元，达101%，6月~10月'
>>> fix('鲁政办发(2020)23号 ISO 9001 (2015), see http://a.cn/x?y=1;z', None)[0]
'鲁政办发（2020）23号 ISO 9001 (2015), see http://a.cn/x?y=1;z'
>>> fix('是否同意?\\n开展"满意服务月"活动', None)[0]
'是否同意？\\n开展“满意服务月”活动'
>>> fix("局属各单位，机关各处室：（一）", None)
('局属各单位，机关各处室：（一）', [])
"""
from __future__ import annotations

import re

from ..model import Change
from ._chars import is_cjkish, is_han

NAME = "punctuation"

FOLD = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
_SKIP = set(FOLD)
_PRECHECK = re.compile(r'[,:;()?!"]')
_QUOTE_LINE = re.compile(r'^[^\n]*"[^\n]*$', re.M)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] in _SKIP:
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _past_number(text: str, i: int, step: int) -> str:
    """The first character beyond a number (digits, ``.``, ``%``) next to position ``i``."""
    j = i + step
    while 0 <= j < len(text) and (text[j].isdigit() or text[j] in ".%"):
        j += step
    return text[j] if 0 <= j < len(text) and j != i + step else ""


def _pairs(text: str) -> dict[int, int]:
    """Matched ASCII parenthesis pairs on one line: open index → close index."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs[stack.pop()] = i
        elif ch == "\n":
            stack.clear()
    return pairs


def _fold_quotes(line: str) -> str | None:
    idx = [i for i, c in enumerate(line) if c == '"']
    if not idx or len(idx) % 2:
        return None
    for i in idx:
        left = line[i - 1] if i else ""
        right = line[i + 1] if i + 1 < len(line) else ""
        if left == "=" or not (is_cjkish(left) or is_cjkish(right)):
            return None
    chars = list(line)
    for n, i in enumerate(idx):
        chars[i] = "“" if n % 2 == 0 else "”"
    return "".join(chars)


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if not _PRECHECK.search(text):
        return text, []
    chars = list(text)
    changes: list[Change] = []
    pairs = _pairs(text) if "(" in text else {}
    closes = {c: o for o, c in pairs.items()}

    def chinese_pair(o: int, c: int) -> bool:
        inner = text[o + 1:c]
        if any(is_cjkish(ch) for ch in inner):
            return True
        return is_cjkish(_neighbour(text, o, -1)) or is_cjkish(_neighbour(text, c, 1))

    for i, ch in enumerate(text):
        if ch not in FOLD:
            continue
        left, right = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if ch in "()":
            if ch == "(" and i in pairs:
                ok = chinese_pair(i, pairs[i])
            elif ch == ")" and i in closes:
                ok = chinese_pair(closes[i], i)
            else:
                ok = is_cjkish(left) or is_cjkish(right)
        elif ch in "?!":
            raw_right = text[i + 1] if i + 1 < len(text) else ""
            ok = is_han(left) and raw_right in ("", "\n", " ", "\u3000", "”", '"', "’")
        else:
            if left.isdigit() and right.isdigit():
                ok = False
            else:
                ok = is_cjkish(left) or is_cjkish(right) or (
                    is_cjkish(_past_number(text, i, -1)) and is_cjkish(_past_number(text, i, 1)))
        if ok:
            chars[i] = FOLD[ch]
            changes.append(Change(ch, FOLD[ch], i))
    out = "".join(chars)
    if '"' in out:
        def quotes(m: re.Match) -> str:
            new = _fold_quotes(m.group(0))
            if new is None:
                return m.group(0)
            changes.extend(Change('"', q, m.start() + k) for k, q in enumerate(new) if q != m.group(0)[k])
            return new

        out = _QUOTE_LINE.sub(quotes, out)
    return out, changes
