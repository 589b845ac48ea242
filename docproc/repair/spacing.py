"""Whitespace: one paragraph per line, no blank lines, no spaces inside Chinese text.

In order:

1. CRLF/CR → LF; U+3000, NBSP, en/em spaces, tabs → an ASCII space; zero-width spaces and stray BOMs go.
2. Each line is stripped (indents such as ``　　`` or a two-space indent go) and runs of spaces collapse to
   one; blank lines are dropped.
3. Spaces inside Chinese text go: next to CJK punctuation (``開展 “建設`` → ``開展“建設``); around a number
   spaced out on both sides (``每年 12 月 20 日`` → ``每年12月20日``); between a number and its unit
   (``2024 年``, ``〕3 号``); inside a split year (``2 021年`` → ``2021年``).  Spaces between words are kept:
   ``主题词：企业文化 品牌 建设``, ``办公室 2010年2月11日印发``, ``Microsoft Word 文档``.
4. A letter-spaced line of single ideographs (≥ 4, ``几 个 问 题 的 通 知``) is joined.
5. A line break inside a sentence is joined when the next line starts with an ideograph that does not
   open a heading (``一、``, ``（一）``, ``1.``, ``第…条``) and the previous line ends in a comma or ``、``, or
   is long (≥ 100 characters, a flattened page: ``服務\n手段``) without sentence punctuation at its end, or
   is the first half of a title split over two short lines near the top (``…关于…`` / ``…的通知``,
   endings in ``docproc/data/title_endings.txt``).  Never across an anchor (text cut away there).
6. A lower-cased acronym glued between ideographs (``引进iso9000质量``) is upper-cased when it is listed in
   ``docproc/data/lowercased_acronyms.txt`` (a judgement call, seeds_clean/NOTES.md 001).

>>> fix("  開展 “建設”\\r\\n\\r\\n于每年 12 月 20 日前，2024 年 7 月 1 日\\n", None)[0]
'開展“建設”\\n于每年12月20日前，2024年7月1日'
>>> fix("農辦機〔2024〕3 号，应在2 021年12月31日前", None)[0]
'農辦機〔2024〕3号，应在2021年12月31日前'
>>> fix("主题词：企业文化 品牌 建设 通知\\n常州市建设局办公室 2010年2月11日印发\\nISO 9001 and Word 文档", None)[0]
'主题词：企业文化 品牌 建设 通知\\n常州市建设局办公室 2010年2月11日印发\\nISO 9001 and Word 文档'
>>> fix("国务院关于棉粮\\n几 个 问 题 的 通 知\\n国务院办公厅　中央军委办公厅", None)[0]
'国务院关于棉粮几个问题的通知\\n国务院办公厅 中央军委办公厅'
>>> fix("提升服务水平，\\n根据工作部署\\n一、总体要求", None)[0]
'提升服务水平，根据工作部署\\n一、总体要求'
>>> fix("通过引进iso9000质量体系和cis形象，is a test", None)[0]
'通过引进ISO9000质量体系和CIS形象，is a test'
>>> fix("一、总体要求\\n（一）重大意义。", None)
('一、总体要求\\n（一）重大意义。', [])
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Change
from ._chars import ANCHORS, CJK_PUNCT, HAN, load_data_lines

NAME = "spacing"

_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_MULTI = re.compile(" {2,}")
_PUNCT_SPACE = re.compile(f"(?<=[{CJK_PUNCT}]) +(?=[{HAN}{CJK_PUNCT}{ANCHORS}\\d])|(?<=[{HAN}{ANCHORS}\\d]) +(?=[{CJK_PUNCT}])")
_SPACED_NUMBER = re.compile(f"([{HAN}]) +(\\d+(?:\\.\\d+)?) +(?=[{HAN}])")
_UNIT_SPACE = re.compile(f"(?<=\\d)([{ANCHORS}]*) +(?=[{ANCHORS}]*[年月日号时分秒个项条款次名家元万亿倍])")
# a space between a preposition and a date (请于 10月10日前); not between a signature and its date
_HAN_BEFORE_DATE = re.compile("(?<=[于在至到自从截止及和与或每]) +(?=\\d{1,4} ?[年月日号时])")
_SPLIT_YEAR = re.compile(r"(?<!\d)(\d{1,3}) (\d{1,3})(?= ?年)")
_LETTER_SPACED = re.compile(f"^[{HAN}](?: [{HAN}]){{3,}}$")
_HEADING = re.compile("^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\\d]+[)）]|\\d+[.、．]|第[一二三四五六七八九十百\\d]+[条章节])")
_SENTENCE_END = set("。！？；：.!?;:）)】》”’」』〕…|")
_CLAUSE_END = set("，、,")  # a line ending in a comma continues on the next line
_TITLE_NOT_END = set("。！？；：:;，,、")
_HAN_START = re.compile(f"[{HAN}]")
_ACRONYM = re.compile(f"(?<=[{HAN}])([a-z]{{2,5}})(?=[\\d.]*[{HAN}])")
_PRECHECK = re.compile(f"[\\r\\t\u00a0\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff]|\\n\\n| \\n|\\n | $|^ | {{2}}"
                       f"|[{HAN}{CJK_PUNCT}\\d] |[^\\n]{{100}}\\n|[{HAN}][a-z]|[，、,]\\n|关于[^\\n]{{0,40}}\\n")


@lru_cache(maxsize=1)
def _acronyms() -> frozenset[str]:
    return frozenset(load_data_lines("lowercased_acronyms.txt"))


def _sub(rx: re.Pattern, repl, line: str, changes: list[Change], offset: int) -> str:
    def f(m: re.Match) -> str:
        new = m.expand(repl) if isinstance(repl, str) else repl(m)
        if new != m.group(0):
            changes.append(Change(m.group(0), new, offset + m.start()))
        return new

    return rx.sub(f, line)


def _fix_line(line: str, changes: list[Change], offset: int) -> str:
    if " " in line:
        line = _sub(_SPLIT_YEAR, lambda m: m.group(1) + m.group(2) if len(m.group(1) + m.group(2)) == 4
                    else m.group(0), line, changes, offset)
        line = _sub(_PUNCT_SPACE, "", line, changes, offset)
        line = _sub(_SPACED_NUMBER, r"\1\2", line, changes, offset)
        line = _sub(_UNIT_SPACE, r"\1", line, changes, offset)
        line = _sub(_HAN_BEFORE_DATE, "", line, changes, offset)
        if _LETTER_SPACED.match(line):
            changes.append(Change(line, line.replace(" ", ""), offset))
            line = line.replace(" ", "")
    if _ACRONYM.search(line):
        line = _sub(_ACRONYM, lambda m: m.group(1).upper() if m.group(1) in _acronyms() else m.group(1),
                    line, changes, offset)
    return line


@lru_cache(maxsize=1)
def _title_end() -> re.Pattern:
    words = sorted(load_data_lines("title_endings.txt"), key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(map(re.escape, words))})$")


def _joins(prev: str, line: str, n_before: int) -> bool:
    """Does ``line`` continue ``prev`` (a line break inside a sentence or a title)?"""
    if not _HAN_START.match(line) or _HEADING.match(line) or ("\U000f0000" <= prev[-1] <= "\U000ffffd"):
        return False
    if prev[-1] in _CLAUSE_END:
        return True
    if len(prev) >= 100 and prev[-1] not in _SENTENCE_END:
        return True
    # a title broken over two lines near the top: 国务院关于棉粮、糖粮挂钩奖售粮 / 几个问题的通知
    return (n_before <= 3 and len(prev) <= 40 and len(line) <= 40 and "关于" in prev and "关于" not in line
            and prev[-1] not in _TITLE_NOT_END and "〔" not in line and bool(_title_end().search(line)))


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if not _PRECHECK.search(text):
        return text, []
    changes: list[Change] = []
    original = text
    if "\r" in text:
        changes.append(Change("\r", "", text.index("\r")))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    lines: list[str] = []
    offset = 0
    for raw in text.split("\n"):
        line = _MULTI.sub(" ", raw.strip())
        if line != raw and line:
            changes.append(Change(raw, line, offset))
        if line:
            line = _fix_line(line, changes, offset)
            prev = lines[-1] if lines else ""
            if prev and _joins(prev, line, len(lines)):
                changes.append(Change("\n", "", offset))
                lines[-1] = prev + line
            else:
                lines.append(line)
        elif raw or offset:
            changes.append(Change(raw + "\n", "", offset))
        offset += len(raw) + 1
    out = "\n".join(lines)
    if out == original:
        return original, []
    if not changes:
        changes.append(Change(original, out, 0))
    return out, changes
