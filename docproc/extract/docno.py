"""Document numbers (发文字号): ``代字〔年〕序号号`` in every bracket style, canonicalised.

Accepted: brackets ``〔〕 [] () （） ［］ 【】 ﹝﹞ 〖〗`` and mixed pairs (``〔2020)``), spaces anywhere
(``[2021] 634号``, ``2 021``), OCR insertions between the year and the serial (``[2020]的43号``), ``第`` before
the serial, leading zeros.  The agency code is the run of characters before the bracket, cut after header words
of the 发文机关标志 (``…中心文件``, ``…会议纪要``; models/patterns/header_words.txt) and after the telegram
field ``明电``/``密电`` that precedes it; :func:`trim_agency` also removes a known issuer name fused before it.

>>> [d.canonical for d in find_doc_numbers("山东省医疗保险事业中心文件鲁医保中心发〔2020〕11号关于做好…的通知")]
['鲁医保中心发〔2020〕11号']
>>> [d.canonical for d in find_doc_numbers("等级特提·明电鲁汛旱办明电[2020]的43号鲁机发号")]
['鲁汛旱办明电〔2020〕43号']
>>> [d.canonical for d in find_doc_numbers("陕西省林业局文件陕发改能电力[2021] 634号")]
['陕发改能电力〔2021〕634号']
>>> [d.canonical for d in find_doc_numbers("鲁政字〔2020)67号、鲁政办发(2020)23号，国办发［2019］０3号")]
['鲁政字〔2020〕67号', '鲁政办发〔2020〕23号', '国办发〔2019〕3号']
>>> d = find_doc_numbers("（国办发〔2016〕82号）停止执行")[0]
>>> d.parts, d.cited
({'agency': '国办发', 'year': 2016, 'serial': 82}, True)
>>> find_doc_numbers("2019年1月9日") == [] and find_doc_numbers("〔2016〕82号") == []
True
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .units import CJK, lexicon

OPENERS = "〔[(（［【﹝〖{"
CLOSERS = "〕])）］】﹞〗}"
_CORE = re.compile(
    rf"[{re.escape(OPENERS)}]\s*(?P<year>(?:1\s*9|2\s*0)\s*\d\s*\d)\s*[{re.escape(CLOSERS)}]"
    r"\s*(?:的\s*)?(?:第\s*)?(?P<serial>[0-9０-９](?:\s?[0-9０-９]){0,5})\s*号")
_AGENCY_CHARS = re.compile(rf"[{CJK}]")
_CITE_BEFORE = re.compile(r"(根据|按照|依据|参照|依照|执行|贯彻|落实|转发|印发|(?<!意)见|和|及|、)\Z")
_CITE_IN_RUN = re.compile(r"根据|按照|依据|参照|依照|执行|贯彻|落实|转发|印发|详见|参见")
MAX_AGENCY = 24
_CITE_OPEN = "\uff08(\u300a<\u3008\u201c"  # （ ( 《 < 〈 “
_CITE_CLOSE = ("\uff09", ")")


@dataclass(frozen=True)
class DocNumber:
    agency: str
    year: int
    serial: int
    span: tuple[int, int]          # [start, end) of agency + number in the text
    run: str                       # the raw character run before the bracket (before trimming)
    cited: bool = False            # in brackets/after a citation word: a number merely cited

    @property
    def canonical(self) -> str:
        return f"{self.agency}〔{self.year}〕{self.serial}号"

    @property
    def parts(self) -> dict:
        return {"agency": self.agency, "year": self.year, "serial": self.serial}


def _digits(s: str) -> int:
    return int(unicodedata.normalize("NFKC", re.sub(r"\s", "", s)))


@lru_cache(maxsize=1)
def _header_words() -> tuple[str, ...]:
    return lexicon().header_words


@lru_cache(maxsize=1)
def _title_end_words() -> tuple[str, ...]:
    return tuple(w for w in lexicon().doc_types if len(w) >= 2)


def trim_agency(run: str, known_orgs=()) -> str:
    """Cut the agency code out of the run of characters before the bracket.

    ``known_orgs`` (issuer names read elsewhere, most trusted first) are removed when the run starts with one.

    >>> trim_agency("中共中央办公厅文件中办发"), trim_agency("泉州市自然资源和规划局会议纪要泉资规纪")
    ('中办发', '泉资规纪')
    >>> trim_agency("幼儿园治理工作的通知国办发"), trim_agency("的指导意见国发")
    ('国办发', '国发')
    >>> trim_agency("明电鲁政办发明电"), trim_agency("山东省人民政府办公厅办公厅便函", ["山东省人民政府办公厅"])
    ('鲁政办发明电', '办公厅便函')
    """
    s = run
    # flattened 国务院办公厅关于…的通知国办发〔…〕: the title's 文种 word ends before the code
    for w in _title_end_words():
        i = s.rfind(w)
        if i >= 0 and len(s) - (i + len(w)) >= 2:
            s = s[i + len(w):]
    for w in _header_words():
        i = s.rfind(w)
        if i >= 0 and len(s) - (i + len(w)) >= 1:
            s = s[i + len(w):]
    for w in ("明电", "密电"):
        if s.startswith(w) and len(s) > len(w) + 1:
            s = s[len(w):]
    for name in known_orgs:  # in the caller's order of trust
        if name and s.startswith(name) and len(s) - len(name) >= 2:
            s = s[len(name):]
            break
    else:
        if len(s) > 8:
            lex = lexicon()
            # a fused issuer mark (…管理局鲁市监标函): the longest organ-name prefix that leaves a code
            for i in range(len(s) - 2, 2, -1):
                head = s[:i]
                if lex.is_org(head) and not lex._splits_suffix(s, i):
                    s = s[i:]
                    break
    return s


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every document number in ``text``, in order (own and cited; ``cited`` tells which look cited)."""
    out: list[DocNumber] = []
    for m in _CORE.finditer(text):
        start = m.start()
        j = start
        while j > 0 and text[j - 1] in " \u3000":
            j -= 1
        k = j
        while k > 0 and j - k < MAX_AGENCY and _AGENCY_CHARS.match(text[k - 1]):
            k -= 1
        run = text[k:j]
        cite_in_run = None
        for cm in _CITE_IN_RUN.finditer(run):
            cite_in_run = cm
        if cite_in_run is not None:  # 根据国发〔2014〕1号: the citation verb is fused with the code
            k += cite_in_run.end()
            run = run[cite_in_run.end():]
        if not run:
            continue
        agency = trim_agency(run)
        if not agency:
            continue
        a0 = j - len(agency)
        before = text[max(0, a0 - 6):a0]
        after = text[m.end():m.end() + 1]
        cited = cite_in_run is not None or bool((before and before[-1] in _CITE_OPEN) or after in _CITE_CLOSE or _CITE_BEFORE.search(before))
        out.append(DocNumber(agency, _digits(m.group("year")), _digits(m.group("serial")), (a0, m.end()), run,
                             cited))
    return out


def canonical(s: str | None) -> str | None:
    """Canonical form of one document number string, or None if it is not one.

    >>> canonical("劳社部发[2008]3号"), canonical("常建〔2006〕０166号"), canonical("索引号")
    ('劳社部发〔2008〕3号', '常建〔2006〕166号', None)
    """
    if not s:
        return None
    found = find_doc_numbers(s.strip())
    return found[0].canonical if found else None
