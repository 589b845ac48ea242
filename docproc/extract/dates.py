"""Time expressions of notices → typed values with source spans.

Public API (semantics in ``docs/dates.md``):

- :func:`parse_date` – one full explicit date (signature dates) → ``date`` or ``None``;
- :func:`find_dates` – every full explicit date in a text, ``[((start, end), date)]``;
- :func:`find_times` – every time expression of a text as :class:`TimeExpr`, in order, non-overlapping,
  with missing years resolved from the nearest preceding explicit year, else from ``ref`` (signing date);
- :func:`parse_time` – one phrase → :class:`TimeExpr` (or ``None``);
- :func:`cited_year` – the latest bracketed document-number year of a text (a ``fallback_year`` when a notice has
  no signing date: ``find_times(text, fallback_year=…)``).

>>> [(t.kind, t.text, str(t.end)) for t in find_times("请于2019年4月底前报送，6月底前完成。", ref=date(2019, 1, 9))]
[('deadline', '于2019年4月底前', '2019-04-30'), ('deadline', '6月底前', '2019-06-30')]

The grammar is a handful of regexes assembled from the pattern strings below and compiled once (word lists
come from ``models/patterns/time_lexicon.json``); all matching runs on a width-normalised copy of the text
(full-width digits → ASCII, one character for one, so spans index into the original).
"""
from __future__ import annotations

import itertools
import json
import re
from bisect import bisect_left
from dataclasses import MISSING, dataclass, fields, replace
from datetime import date, timedelta
from functools import lru_cache, partial
from typing import Callable

from .numerals import CN_DIGIT_CLASS, WIDTH_TABLE, cn_int

ROLL_DAYS = 60  # "more than ~2 months before the signing date" → next year


@dataclass(frozen=True)
class TimeExpr:
    kind: str                      # point | range | deadline | recurring | relative
    text: str                      # the phrase as it stands in the text
    span: tuple[int, int]          # [start, end) in the text
    start: date | None = None      # first day (point, range, window of a month…)
    end: date | None = None        # last day / due day (point: same as start)
    grain: str = "day"             # day | xun | month | quarter | half | year | time
    time_of_day: str | None = None # "18:00"
    year_explicit: bool = True     # False when the year was resolved from context
    recurrence: str | None = None  # yearly | monthly | weekly | daily
    relative: str | None = None    # e.g. "3天内", "10个工作日内"
    rule: str = ""                 # which rule matched
    duration: tuple[float, str] | None = None  # relative limits: (15.0, "workday"), (3.0, "day")
    approx: bool = False           # fuzzy period (年初 …): dates are a convention, a ledger should not use them
    clamped: bool = False          # an impossible day (9月31日) was clamped to the month end


# ---------------------------------------------------------------------------------------------------------
# pattern strings (assembled into regexes by _grammar())

_CN = CN_DIGIT_CLASS
#: whitespace inside a time expression: spaces only, never a line break (a newline is a paragraph boundary:
#: the PDF reader and the spacing fixer join broken dates before extraction)
_S = r"[^\S\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"
#: 4-digit year: Arabic (single spaces allowed between digits: ``2 021``) or Chinese digits (``二○一○``)
_Y4 = rf"(?:(?:19|20)(?:{_S}?\d){{2}}|[12]{_S}\d(?:{_S}?\d){{2}}|[{_CN}]{{4}})"
_Y2 = rf"(?:\d{{2}}|[{_CN}]{{2}})"
_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_D = r"(?:3[01]|[12][0-9]|0?[1-9]|三十一?|二十[一二三四五六七八九]?|廿[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_CONN = r"(?:至|到|~|〜|-{1,2}|—{1,2}|–|―|─)"
_NOT_NUM_BEFORE = r"(?<![\d.])"
_WEEKDAY = rf"(?:[（(]{_S}*(?:星期|周|礼拜)[一二三四五六日天七]{_S}*[）)]|(?:星期|周|礼拜)[一二三四五六日天])"
_AMPM = r"(?:上午|下午|中午|晚上|早上|早晨|凌晨|傍晚|夜里|夜间|今晚|当晚|晚|早)"
_HOUR_CN = r"(?:二十[一二三四]?|十[一二三四五六七八九]?|[零〇一二两三四五六七八九])"
_MIN_CN = r"(?:[一二三四五]?十[一二三四五六七八九]?|[零〇][一二三四五六七八九]|[一二三四五六七八九])"
_INIT_NOT = r"(?![步级中次见期稿审始])"
#: 一月一主题 / 一月一次 (one … a month) is a count, not January
_NOT_COUNT = r"(?![一两][^\s日号至到〇○零一二三四五六七八九十])"
#: a month relative to the reference date: 本月 这个月 下月 下个月 上一个月 (not 以下月份, 马上月底; 当月/次月 are
#: relative to a context month, not read)
_MREL = r"(?<![以之马])(?:本|这一?个?|下一?个?|上一?个?)(?=月)"


def _body(p: str) -> str:
    md = (rf"(?:(?P<{p}m>{_NOT_NUM_BEFORE}{_M}){_S}*月{_NOT_COUNT}|(?P<{p}mr>{_MREL})月(?!度))(?:份)?"
          rf"(?:{_S}*(?P<{p}d>{_NOT_NUM_BEFORE}{_D})(?:{_S}*[日号]|(?=\s*(?:$|至|到)))|{_S}*(?P<{p}mp>上旬|中旬|下旬|月?底|月?末|月?初{_INIT_NOT}|月中))?")
    q = (rf"(?:第?(?P<{p}q>[一二三四1-4])|(?P<{p}q1>首)){_S}*(?:个)?(?:季度|季(?=[末底初]))(?P<{p}qp>初|末|底)?"
         rf"|前(?P<{p}qn>[一二两三2-3])个?季度")
    h = rf"(?P<{p}h>上|下)半年(?P<{p}hp>末|底)?"
    return rf"(?:{q}|{h}|{md})"


def _atom(p: str) -> str:
    """An absolute date-ish atom with named groups prefixed ``p`` (``p + "n"`` for the year-less branch)."""
    yp = (rf"(?:(?P<{p}y>{_NOT_NUM_BEFORE}{_Y4}|{_NOT_NUM_BEFORE}{_Y2}(?={_S}*年{_S}*(?:{_M}{_S}*月|[底末初]|第?[一二三四1-4]季|[上下]半年))){_S}*年(?P<{p}ydu>度)?"
          rf"(?!代|龄|级|轻|限|均|薪|金|会|鉴|报|票|终|检|版|号)"
          rf"|(?P<{p}yr>今|明|去|次|本|当|前|后|上一?|下一?|这一?)年(?!度|代|龄|级|轻))")
    body_y = rf"(?:{_body(p)}|(?P<{p}yp>底|末|初{_INIT_NOT}|伊始|内))"
    body_ny = rf"(?:{_body(p + 'n')}|年(?P<{p}nyp>底|末|初{_INIT_NOT}|内))"
    iso = (rf"(?P<{p}iy>(?<![\d./-])(?:19|20)\d\d)(?P<{p}is>[-/.])(?P<{p}im>1[0-2]|0?[1-9])(?P={p}is)"
           rf"(?P<{p}id>3[01]|[12]\d|0?[1-9])(?![\d./])")
    return rf"(?:{iso}|(?:{yp}){_S}*(?:年(?=[底末初]))?{_S}*{body_y}?|{body_ny})"


def _day_only(p: str) -> str:
    return rf"(?P<{p}d>{_NOT_NUM_BEFORE}{_D}){_S}*[日号]"


def _tod(p: str) -> str:
    """A time of day: ``18:00``, ``下午4时``, ``9点半``, ``上午9:00``."""
    return (rf"(?P<{p}ap>{_AMPM})?{_S}*(?:(?P<{p}hh>{_NOT_NUM_BEFORE}(?:[01]?\d|2[0-4])){_S}*:{_S}*(?P<{p}mi>[0-5]\d)"
            rf"(?:{_S}*:{_S}*(?P<{p}ss>[0-5]\d))?(?:{_S}*时)?"
            rf"|(?P<{p}hc>{_NOT_NUM_BEFORE}(?:2[0-4]|[01]?\d)|{_HOUR_CN}){_S}*(?:时|点钟?)(?![以之]?[内后间])"
            rf"(?:{_S}*(?P<{p}half>半)|{_S}*(?P<{p}qk>[一三123])刻|{_S}*(?P<{p}mc>[0-5]?\d|{_MIN_CN}){_S}*分?)?)")


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _prep_alt(words, not_words) -> str:
    """An alternation of prepositions that does not match inside the words of ``not_words`` (关于, 在于, 自行):
    each preposition gets a lookbehind for what precedes it there and a lookahead for what follows it.

    >>> rx = re.compile(_prep_alt(["于", "在"], ["关于", "在于", "现在"]))
    >>> [m.group() for m in rx.finditer("关于 应于 在于 现在 要在")]
    ['于', '在']
    """
    out = []
    for w in sorted(words, key=len, reverse=True):
        before = {c[:-len(w)] for c in not_words if c.endswith(w) and len(c) > len(w)}
        after = sorted({c[len(w):] for c in not_words if c.startswith(w) and len(c) > len(w)}, key=len, reverse=True)
        # the literal first, then the lookbehinds (one character class for the one-character prefixes): a position
        # without the preposition fails at once – this alternation is tried at every start of every rule
        one = "".join(sorted(re.escape(b) for b in before if len(b) == 1))
        look = (rf"(?<![{one}]{re.escape(w)})" if one else "") + "".join(
            rf"(?<!{re.escape(b + w)})" for b in sorted(before) if len(b) > 1)
        ahead = rf"(?!{_alt(after)})" if after else ""
        out.append(re.escape(w) + look + ahead)
    return "|".join(out)


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    from .units import models_dir  # the one place that finds models/ (DOCPROC_MODELS overrides)

    path = models_dir() / "patterns" / "time_lexicon.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # a broken install must say so, not crash deep in a pipeline
        from ..errors import DocprocError

        raise DocprocError(f"time lexicon unreadable: {path}: {exc}") from exc


@lru_cache(maxsize=1)
def _grammar():
    lex = _lexicon()
    qual = _alt(lex["time_qualifiers"])
    prep = _prep_alt(lex["prepositions"], lex["not_prepositions"])
    pre = rf"(?:(?:{qual}){_S}*)?(?:{prep})"
    suf = r"(?:之前|以前|前(?![往来去夕])|为止|止|起|开始|以来|以后|之后)"
    # a decimal (1.5个工作日) is not followed by a space: 17.1 天然橡胶… is a section number
    num = rf"(?:(?<![\d.])\d{{1,5}}(?:\.\d+(?!{_S}))?|[一二两三四五六七八九十百半]+)"
    units = _alt(lex["duration_units"])
    rec_units = _alt(lex["recurring_by"])
    parts = {
        # 自2021年2月份启动，8月份结束
        "crange": rf"(?P<cpre>自|从){_S}*{_atom('c')}{_S}*(?:起|开始|启动){_S}*[，,]{_S}*(?:至|到)?{_S}*{_atom('e')}{_S}*(?P<cend>止|结束)",
        # 2021年至2023年 / 8月11日至18日 / 自2020-05-26起至2020-05-29止
        "range": (rf"(?P<rpre>{pre})?{_S}*{_atom('a')}(?:{_S}*{_tod('ta')})?{_S}*(?:起|开始)?{_S}*{_CONN}{_S}*"
                  rf"(?:{_atom('b')}|{_day_only('b2')})(?:{_S}*{_tod('tb')})?{_S}*(?P<rend>止|结束|为止|之前|以前|前)?"),
        # 2021-2023年 / 2018年1－9月份 / 8月11-18日
        "brange": (rf"(?P<bpre>{pre})?{_S}*(?:(?P<by1>{_NOT_NUM_BEFORE}(?:19|20)\d\d){_S}*{_CONN}{_S}*(?P<by2>(?:19|20)\d\d){_S}*年(?:度)?"
                   rf"|(?:(?P<bmy>{_NOT_NUM_BEFORE}{_Y4}){_S}*年)?{_S}*(?P<bm1>{_NOT_NUM_BEFORE}{_M}){_S}*{_CONN}{_S}*(?P<bm2>{_M}){_S}*月(?:份)?"
                   rf"|(?:(?P<bdy>{_NOT_NUM_BEFORE}{_Y4}){_S}*年)?{_S}*(?P<bdm>{_NOT_NUM_BEFORE}{_M}){_S}*月{_S}*(?P<bd1>{_D}){_S}*[日号]?{_S}*{_CONN}{_S}*(?P<bd2>{_D}){_S}*[日号])"
                   rf"{_S}*(?P<bend>止|结束|为止|之前|以前|前)?"),
        # 2020年起，每年2月底前 / 每月28日前 / 每季度末 / 每日上午10时前 / 按月
        "rec": (rf"(?:{_atom('s')}{_S}*(?:起|开始){_S}*[，,]?{_S}*)?(?P<kpre>{pre})?{_S}*(?P<kw>每|按|逐)(?:一|个)?(?P<ku>{rec_units})(?:度)?"
                rf"(?:{_S}*(?:(?P<kmd>{_atom('k')})(?:{_S}*{_CONN}{_S}*{_atom('l')})?|{_day_only('k2')}|(?P<kp>末|底|初|上旬|中旬|下旬)))?"
                rf"(?:{_S}*{_WEEKDAY})?(?:{_S}*的?{_S}*{_tod('tk')})?{_S}*(?P<ksuf>之前|以前|前)?"),
        # 于2019年4月底前 / 8月18日（星期三）下午4时前 / 2020年起
        "single": (rf"(?P<spre>{pre})?{_S}*{_atom('x')}(?:{_S}*{_WEEKDAY})?(?:{_S}*{_tod('tx')})?{_S}*(?P<ssuf>{suf})?"),
        # 18日前 / 于20号下午5时前 (a day alone, only as a deadline; the month comes from context)
        "dayo": (rf"(?P<opre>{pre})?{_S}*(?<![\d.月第{_CN}十廿])(?P<od>{_D}){_S}*[日号](?:{_S}*{_WEEKDAY})?"
                 rf"(?:{_S}*{_tod('to')})?{_S}*(?P<osuf>之前|以前|前(?![往来去夕后]))"),
        # 收到通知后5日内 / 10个工作日内 / 在2—3年内
        # the anchor follows the preposition (在收到通知后) or a clause boundary; _anchor_start() then moves the start
        # past the clause subject (各区县应急管理局要在收到通知后 → 在收到通知后)
        "dur": (rf"(?P<dpre>{pre})?{_S}*(?P<anc>(?(dpre)|(?:(?<=[，。；：、\s（(\n])|^))[\u4e00-\u9fff“”]{{1,14}}?"
                rf"(?:之日)?[后起]的?)?{_S}*"
                rf"(?P<dn>{num})(?:{_S}*{_CONN}{_S}*(?P<dn2>{num}))?{_S}*(?P<dge>个)?{_S}*(?P<dhalf>半)?{_S}*(?P<du>{units})(?!(?<=天)然)(?P<dhalf2>半)?(?P<dsuf>之内|以内|内)?"),
        # 18：00前 / 下午4时前
        "tod": rf"(?P<tpre>{pre})?{_S}*{_tod('tt')}{_S}*(?P<tsuf>之前|以前|前)?",
    }
    words = re.compile(_alt(lex["relative_words"]))
    # characters an expression can start with (before its core): numerals, prefixes, 今明去…, 上午/下午 …
    first = set("0123456789" + _CN + "十廿两半百每按逐今明去次本当这上下前后第首年自从由中晚早凌傍夜（(")
    first.update(w[0] for w in lex["time_qualifiers"] + lex["prepositions"])
    first_re = re.compile("[" + "".join(re.escape(ch) for ch in sorted(first)) + "]")
    return parts, words, lex, frozenset(first), first_re


@lru_cache(maxsize=1)
def _anchor_res() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(marker, receive verb, qualifier-before) regexes of :func:`_anchor_start` (word lists in the lexicon)."""
    lex = _lexicon()
    mark = re.compile(rf"(?:{_alt(lex['not_prepositions'] + lex['anchor_not_markers'])})"
                      rf"|(?P<prep>{_alt(lex['anchor_prepositions'])})|(?P<modal>{_alt(lex['duty_modals'])})")
    recv = re.compile(_alt(lex["receive_verbs"]))
    qual = re.compile(rf"(?:{_alt(lex['time_qualifiers'])}){_S}*$")
    return mark, recv, qual


@lru_cache(maxsize=1)
def _anchor_preps() -> tuple[str, ...]:
    return tuple(_lexicon()["anchor_prepositions"])


def _anchor_cut(t: str, m: re.Match) -> tuple[int, int]:
    """(start, relative start) of :func:`_anchor_start` before the 即日起 check."""
    a0, a1 = m.span("anc")
    mark, recv, qual = _anchor_res()
    last = None
    for k in mark.finditer(t, a0, a1):
        if k.lastgroup:
            last = k
    if last is not None and last.lastgroup == "prep":
        s = last.start()
        q = qual.search(t, max(0, s - 8), s)  # 原则上在…: a time qualifier right before the preposition stays
        return (q.start() if q else s), last.end()
    if last is not None:
        return last.end(), last.end()
    if m.group("dpre") and m.group("dpre").endswith(_anchor_preps()):  # 在收到通知后 (not 由 or 到: an agent, a deadline)
        return m.start(), a0
    r = recv.search(t, a0, a1)
    if r is not None:
        return r.start(), r.start()
    return a0, a0


def _anchor_start(t: str, m: re.Match) -> tuple[int, int | None]:
    """(start of the expression, start of its ``relative`` text) of a duration with an anchor: never the clause
    subject or a duty modal. The last anchor preposition in the anchor starts it (kept, as in 于5月31日前; the
    relative text starts after it), else the end of the last duty modal or agent marker (要 应 须 请 由 …), else –
    when the anchor began at a clause boundary – a verb of receiving (各单位收到通知后 → 收到通知后). An anchor that
    is 即日起 is not used (自即日起 stays a start of its own, as ``start_now_words`` say; the duration follows it).

    >>> def f(s):
    ...     x = find_times(s)[0]
    ...     return x.text, x.relative
    >>> f("各区县应急管理局要在收到通知后3个工作日内报送")
    ('在收到通知后3个工作日内', '收到通知后3个工作日内')
    >>> f("由财政部门收到材料后15天内完成登记"), f("请在会后5个工作日内"), f("申请受理后5个工作日内")
    (('收到材料后15天内', '收到材料后15天内'), ('在会后5个工作日内', '会后5个工作日内'), ('申请受理后5个工作日内', '申请受理后5个工作日内'))
    >>> [(x.kind, x.text) for x in find_times("各单位自即日起30日内完成")]
    [('range', '自即日起'), ('relative', '30日内')]
    """
    s, rel = _anchor_cut(t, m)
    if t[rel:m.end("anc")] in _lexicon()["start_now_words"]:  # 自即日起30日内: 自即日起 (a start) and 30日内, as before
        return m.start("dn"), None
    return s, rel


#: the rules of the grammar, in priority order (the first alternative that matches at a position wins)
_RULES = ("crange", "range", "brange", "rec", "single", "dayo", "dur", "tod")
#: rules that need a character near the core: crange 自/从 + a comma, range/brange a connector, rec 每/按/逐.
#: A rule whose character is absent from the window cannot match there, so it is left out of the alternation
#: (same result, far fewer backtracking steps). The window is generous: an atom with prefix and time of day is
#: well under 40 characters.
_WINDOW = 64
_CONN_CH = re.compile(r"[至到~〜\-—–―─]")
_REC_CH = re.compile(r"[每按逐]")
_COMMA_CH = re.compile(r"[，,]")
_FROM_CH = re.compile(r"[自从]")
_SPECIAL_CH = re.compile(r"[至到~〜\-—–―─每按逐自从]")
#: rules tried one by one before the tail (each needs a character of its own near the core), and the tail, the
#: rules every position tries, as one alternation. Trying the head's patterns in order and then the tail's is the
#: ordered alternation of all of them (the first rule matching at the position wins), but each rule is compiled
#: once: the 8 combined variants cost ~0.4 s of compiling in every worker process, these ~0.07 s.
_HEAD_RULES = ("crange", "range", "brange", "rec")
_TAIL_RULES = ("single", "dayo", "dur", "tod")
assert _HEAD_RULES + _TAIL_RULES == _RULES
_VARIANTS: dict[tuple[bool, bool, bool], Callable[[str, int], "re.Match | None"]] = {}


@lru_cache(maxsize=1)
def _rule_patterns() -> tuple[dict[str, re.Pattern], re.Pattern]:
    parts = _grammar()[0]
    head = {k: re.compile(rf"(?P<R_{k}>{parts[k]})") for k in _HEAD_RULES}
    tail = re.compile("|".join(rf"(?P<R_{k}>{parts[k]})" for k in _TAIL_RULES))
    return head, tail


def _variant(key: tuple[bool, bool, bool]) -> Callable[[str, int], "re.Match | None"]:
    """``match(text, pos)`` of the grammar without the rules ``key`` = (crange possible, connector near, 每/按/逐
    near) rules out: the first rule, in priority order, that matches at ``pos``.

    >>> m = _variant((False, True, False))("8月11日至18日前", 0)
    >>> m.lastgroup, m.group()
    ('R_range', '8月11日至18日前')
    >>> _variant((False, False, False))("8月11日至18日前", 0).lastgroup
    'R_single'
    """
    fn = _VARIANTS.get(key)
    if fn is None:
        head, tail = _rule_patterns()
        cr, conn, rec = key
        tried = [head[r].match for r in _HEAD_RULES if (r != "crange" or cr) and (r not in ("range", "brange") or conn)
                 and (r != "rec" or rec)] + [tail.match]
        if len(tried) == 1:
            fn = tried[0]
        else:
            def fn(t: str, p: int, _tried=tuple(tried)):
                for match in _tried:
                    m = match(t, p)
                    if m is not None:
                        return m
                return None
        _VARIANTS[key] = fn
    return fn


def precompile() -> None:
    """Compile the grammar now (a worker's warm-up) rather than on the first document that needs a rule."""
    _rule_patterns()
    _lexicon()
    for key in itertools.product((False, True), repeat=3):
        _variant(key)


# bracketed years of document numbers: 〔2016〕 [2020] （2019） 【2018】 ﹝2017﹞ – never dates
BRACKET_YEAR_RE = re.compile(r"[〔\[［【﹝(（]\s*(?:19|20)\d\d\s*[〕\]］】﹞)）]")
_CORE_NUM = rf"0-9{_CN}十廿两半"  # ASCII digits (the text is width-normalised): a Unicode \d class is slower
_CORE_WORD = "年上下季每按逐今明去次本当这前后伊"

def _cores(text: str) -> list[str]:
    """Where a time expression can be: a numeral next to a time unit or connector, or a period word.

    >>> _cores("于2019年4月底前，每季度末；年底；8家；上半年；3个工作日；4个方面；1.总则；2021--2023年；〔2019〕8号")
    ['9年', '4月', '每季', '年底', '上半年', '3个工作日', '1--', '3年', '8号']
    """
    return [m.group() for m in CORE_RE.finditer(text)]


# one leading character class (so the regex engine skips the text in C), then the alternatives, told apart by a
# lookbehind on that first character
CORE_RE = re.compile(
    rf"[{_CORE_NUM}{_CORE_WORD}](?:(?<=[{_CORE_NUM}]){_S}*(?:年|月|日|号|季|时|点|:|天|周|星期|小时|分钟|工作日|交易日"
    rf"|个{_S}*半?{_S}*(?:月|工作日|交易日|自然日|小时|钟头|星期|礼拜|周|年|季)"  # 3个工作日, not 4个方面
    rf"|(?:-{{1,2}}|—{{1,2}}|[~至到–―─])(?={_S}*[\d{_CN}十])"  # 2008-10-16, 6-10月, 2018--2022年
    r"|(?<=(?:19|20)\d\d)[./](?=\d))"  # 2009.7.15, 2009/7/15; not the 1. of a heading, not 3.5米
    r"|(?<=年)[底末初内]|(?<=[上下])半年|(?<=季)(?:度|[末底初])|(?<=每)[一个]?(?:年|半年|季|月|周|星期|旬|日|天|工作日|个工作日)"
    r"|(?<=按)[年季月周日]|(?<=逐)[年季月]|(?<=[今明去次本当这上下前后])年(?![度代龄级轻])|(?<=伊)始|(?<=[本这上下])一?个?月)"
)


def cited_year(text: str) -> int | None:
    """The latest bracketed document-number year (``〔2014〕 [2013] （2019）``) in ``text`` – a
    ``fallback_year`` for :func:`find_times` when a notice has neither a signing date nor its own number (a
    notice is not older than the documents it cites).

    >>> cited_year("现将《…的通知》（国发明电〔2014〕1号）转发你们，依据国办发[2013]5号"), cited_year("6月20日前")
    (2014, None)
    """
    ys = [int(re.search(r"\d{4}", m.group()).group()) for m in BRACKET_YEAR_RE.finditer(text.translate(WIDTH_TABLE))]
    return max(ys) if ys else None


# phone numbers / long digit runs: no date inside them
PHONE_RE = re.compile(r"(?:\d{3,4}-)?\d{7,}")
_MASKISH_RE = re.compile(r"[〔\[［【﹝(（]\s*(?:19|20)\d\d\s*[〕\]］】﹞)）]|\d{7}")
_WIDE_RE = re.compile("[０-９：～－／．]")
_WIDE_PAIRS = tuple(zip("０１２３４５６７８９：～－／．", "0123456789:~-/."))


def _narrow(text: str) -> str:
    """Full-width digits and separators → ASCII, one character for one (spans stay valid). ``str.translate``
    walks every character in Python-level lookups; a few ``replace`` passes run in C.

    >>> _narrow("２０２１年６月３０日１８：００")
    '2021年6月30日18:00'
    """
    if _WIDE_RE.search(text) is None:
        return text
    for a, b in _WIDE_PAIRS:
        if a in text:
            text = text.replace(a, b)
    return text


def _local_mask(t: str, s: int, e: int) -> bool:
    """Is [s, e) inside a bracketed year (〔2016〕) or a phone number? Checked in a small window only.

    >>> _local_mask("国发〔2016〕5号", 3, 7), _local_mask("电话0519-85680863", 2, 6), _local_mask("2016年", 0, 5)
    (True, True, False)
    """
    lo = max(0, s - 14)
    if _MASKISH_RE.search(t, lo, e + 14) is None:  # one cheap look first: no bracket year, no 7-digit run
        return False
    w = t[lo:e + 14]
    for rx in (BRACKET_YEAR_RE, PHONE_RE):
        for m in rx.finditer(w):
            if m.start() + lo < e and s < m.end() + lo:
                return True
    return False

# ---------------------------------------------------------------------------------------------------------
# full explicit dates (signing dates)

FULL_DATE_RE = re.compile(
    rf"(?<![\d.])(?P<y>{_Y4}){_S}*年{_S}*(?P<m>{_M}){_S}*月{_S}*(?P<d>{_D}){_S}*[日号]"
    rf"|(?<![\d./-])(?P<iy>(?:19|20)\d\d)(?P<sep>[-/.])(?P<im>1[0-2]|0?[1-9])(?P=sep)(?P<id>3[01]|[12]\d|0?[1-9])(?![\d./-])"
)


def _mkdate(y: int, m: int, d: int, clamp: bool = False) -> date | None:
    if not (1 <= m <= 12) or d < 1 or not (1 <= y <= 9999):
        return None
    last = _mdays(y, m)
    if d > last:
        if not clamp or d > 31:
            return None
        d = last
    return date(y, m, d)


_MDAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _mdays(y: int, m: int) -> int:
    """Days in month ``m`` of year ``y`` (calendar.monthrange without its weekday computation)."""
    if m == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
        return 29
    return _MDAYS[m]


def _month_end(y: int, m: int) -> date:
    return date(y, m, _mdays(y, m))


def _full_date(m: re.Match, clamp: bool = False) -> date | None:
    if m.group("y"):
        y, mo, d = cn_int(m.group("y")), cn_int(m.group("m")), cn_int(m.group("d"))
    else:
        y, mo, d = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
    if y is None or mo is None or d is None:
        return None
    return _mkdate(y, mo, d, clamp)


def parse_date(phrase: str) -> date | None:
    """A full explicit date (as under a signature) → date; anything else or an invalid day → None.

    >>> parse_date("2021年1月8日"), parse_date("二○一○年二月八日"), parse_date("二〇〇四年一月十六日")
    (datetime.date(2021, 1, 8), datetime.date(2010, 2, 8), datetime.date(2004, 1, 16))
    >>> parse_date("一九九六年六月二十九日"), parse_date("2024 年 7 月 1 日"), parse_date("2 021年2月25日")
    (datetime.date(1996, 6, 29), datetime.date(2024, 7, 1), datetime.date(2021, 2, 25))
    >>> parse_date("二ＯＯ八年十月十六日"), parse_date("二OO九年七月十五日"), parse_date("二零一九年一月三日")
    (datetime.date(2008, 10, 16), datetime.date(2009, 7, 15), datetime.date(2019, 1, 3))
    >>> parse_date("2008-10-16"), parse_date("2009/7/15"), parse_date("２０２１年１月８日")
    (datetime.date(2008, 10, 16), datetime.date(2009, 7, 15), datetime.date(2021, 1, 8))
    >>> parse_date("2021年9月31日") is None, parse_date("2021年2月") is None, parse_date("") is None
    (True, True, True)
    """
    if not isinstance(phrase, str):
        return None
    s = phrase.translate(WIDTH_TABLE).strip()
    m = FULL_DATE_RE.fullmatch(s)
    return _full_date(m) if m else None


def find_dates(text: str, masks=()) -> list[tuple[tuple[int, int], date]]:
    """Every full explicit date in ``text`` as ``((start, end), date)``, in order; invalid days are skipped.

    >>> find_dates("常建〔2010〕36号 …… 常州市建设局 二○一○年二月八日 （2010-02-09印发）")
    [((22, 31), datetime.date(2010, 2, 8)), ((33, 43), datetime.date(2010, 2, 9))]
    """
    out = []
    for m in FULL_DATE_RE.finditer(text.translate(WIDTH_TABLE)):
        if any(a < m.end() and m.start() < b for a, b in masks):
            continue
        d = _full_date(m)
        if d is not None:
            out.append(((m.start(), m.end()), d))
    return out


# ---------------------------------------------------------------------------------------------------------
# atoms → calendar periods

_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4, "首": 1, "两": 2}


def _g(m: re.Match, name: str):
    return m.group(name) if name in m.re.groupindex else None


@dataclass
class _Atom:
    year: int | None = None        # explicit numeric year
    yrel: int | None = None        # relative year offset (今年 0, 明年 +1 …)
    yrel_word: str | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None        # 上旬 中旬 下旬 底 初 内 …
    quarter: int | None = None
    qpart: str | None = None
    qn: int | None = None          # 前三季度
    half: str | None = None
    ypart: str | None = None       # 底 末 初 伊始 内 (of the year)
    grain: str = "year"
    mrel: int | None = None        # month offset from the reference month (本月 0, 下月 +1, 上月 -1)

    @property
    def has_year(self) -> bool:  # a relative month fixes its year too
        return self.year is not None or self.yrel is not None or self.mrel is not None


_MREL_OFF = {"本": 0, "这": 0, "下": 1, "上": -1}
_YREL = {"今": 0, "本": 0, "当": 0, "这": 0, "这一": 0, "明": 1, "次": 1, "下": 1, "下一": 1, "后": 2,
         "去": -1, "上": -1, "上一": -1, "前": -2}


def _year_value(s: str, base_year: int | None) -> int | None:
    if not (s.isascii() and s.isdigit()):
        s = "".join(s.split())
    v = cn_int(s)
    if v is None:
        return None
    if len(s) == 2:  # 98年4月 → 1998, 03年2月 → 2003: the century nearest to (and not far after) ref
        base = base_year or 2000
        v = 2000 + v if 2000 + v <= base + 5 else 1900 + v
    return v


_ATOM_GROUPS = ("iy", "im", "id", "y", "yr", "m", "nm", "mr", "nmr", "d", "nd", "mp", "nmp", "q", "nq", "q1", "nq1",
                "qp", "nqp", "qn", "nqn", "h", "nh", "yp", "nyp")


@lru_cache(maxsize=None)
def _atom_names(p: str) -> tuple[str, ...]:
    return tuple(p + n for n in _ATOM_GROUPS)


def _read_atom(m: re.Match, p: str, base_year: int | None) -> _Atom | None:
    # one m.group(*names) call (C) instead of ~25 lookups; every name exists when the atom's rule is in the pattern
    (iy, im, id_, y, yr, m1, m2, mr1, mr2, d1, d2, mp1, mp2, q1_, q2_, f1, f2, qp1, qp2, qn1, qn2, h1, h2, yp1, yp2) = \
        m.group(*_atom_names(p))
    a = _Atom()
    if iy:
        a.year, a.month, a.day, a.grain = int(iy), int(im), int(id_), "day"
        return a
    if y:
        a.year = _year_value(y, base_year)
    if yr:
        a.yrel, a.yrel_word = _YREL.get(yr, 0), yr
    mo = m1 or m2
    mr = mr1 or mr2
    if mo or mr:
        if mo:
            a.month = cn_int(mo)
        else:
            a.mrel = _MREL_OFF[mr[0]]
        a.grain = "month"
        d = d1 or d2
        if d:
            a.day, a.grain = cn_int(d), "day"
        mp = mp1 or mp2
        if mp:
            a.part = mp.lstrip("月")
            a.grain = "xun" if "旬" in mp else ("day" if a.part in ("底", "末") else "month")
    q, q1, qn = q1_ or q2_, f1 or f2, qn1 or qn2
    if q or q1:
        a.quarter, a.qpart, a.grain = _QUARTER[q or q1], qp1 or qp2, "quarter"
    if qn:
        a.qn, a.grain = _QUARTER[qn], "quarter"
    h = h1 or h2
    if h:
        a.half, a.grain = h, "half"
    yp = yp1 or yp2
    if yp:
        a.ypart = yp
    if a.year is None and a.yrel is None and a.month is None and a.mrel is None and a.quarter is None \
            and a.qn is None and a.half is None and a.ypart is None:
        return None
    return a


def _day_atom(m: re.Match, p: str) -> _Atom | None:
    d = _g(m, p + "d")
    if not d:
        return None
    return _Atom(day=cn_int(d), grain="day")


def _period(a: _Atom, y: int) -> tuple[date | None, date | None, str, bool, bool]:
    """(start, end, grain, approx, clamped) of an atom in year ``y``."""
    if a.month is not None:
        mo = a.month
        if not 1 <= mo <= 12:
            return None, None, a.grain, False, False
        if a.day is not None:
            d = _mkdate(y, mo, a.day, clamp=True)
            if d is None:
                return None, None, "day", False, False
            return d, d, "day", False, a.day > _mdays(y, mo)
        last = _month_end(y, mo)
        if a.part in ("上旬",):
            return date(y, mo, 1), date(y, mo, 10), "xun", False, False
        if a.part in ("中旬",):
            return date(y, mo, 11), date(y, mo, 20), "xun", False, False
        if a.part in ("下旬",):
            return date(y, mo, 21), last, "xun", False, False
        if a.part in ("底", "末"):
            return last, last, "day", False, False
        if a.part in ("初",):
            return date(y, mo, 1), date(y, mo, 10), "xun", True, False
        if a.part in ("中",):
            return date(y, mo, 11), date(y, mo, 20), "xun", True, False
        return date(y, mo, 1), last, "month", False, False
    if a.quarter is not None:
        q = a.quarter
        s, e = date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
        if a.qpart in ("末", "底"):
            return e, e, "day", False, False
        if a.qpart == "初":
            return s, _month_end(y, 3 * q - 2), "month", True, False
        return s, e, "quarter", False, False
    if a.qn is not None:
        return date(y, 1, 1), _month_end(y, 3 * a.qn), "quarter", False, False
    if a.half is not None:
        if a.half == "上":
            s, e = date(y, 1, 1), date(y, 6, 30)
        else:
            s, e = date(y, 7, 1), date(y, 12, 31)
        return s, e, "half", False, False
    if a.ypart in ("底", "末"):
        return date(y, 12, 31), date(y, 12, 31), "day", False, False
    if a.ypart in ("初", "伊始"):
        return date(y, 1, 1), date(y, 1, 31), "month", True, False
    if a.ypart == "内":
        return date(y, 1, 1), date(y, 12, 31), "year", False, False
    return date(y, 1, 1), date(y, 12, 31), "year", False, False


class _Ctx:
    """Year context of one text: the nearest preceding explicit year, the reference (signing) date, the
    fallback year (no ref), and the last month mentioned (for a day alone: 18日前)."""

    def __init__(self, ref: date | None, roll_days: int | None, fallback_year: int | None = None):
        self.ref = ref
        self.roll_days = roll_days
        self.ref_year: int | None = ref.year if ref is not None else fallback_year
        self.year: int | None = None
        #: the first day of the explicit point/range that set ``year`` (None after a deadline, 今年, a recurrence)
        self.anchor: date | None = None
        #: (end offset, year or None, month or None) of the last expression naming a month; month None after a
        #: recurring one (每年3月…，18日前 is not a day of a known month)
        self.month: tuple[int, int | None, int | None] | None = None
        self.titles: tuple[list[int], list[int]] | None = None  # positions of 《 and 》 (see _in_title)

    def too_early(self, end: date | None) -> bool:
        return (end is not None and self.ref is not None and self.roll_days is not None
                and end < self.ref - timedelta(days=self.roll_days))

    def resolve(self, a: _Atom) -> tuple[int | None, bool]:
        """(year, explicit) for an atom."""
        if a.mrel is not None:  # 本月 / 下月 / 上月: only with a reference date (a fallback year has no month)
            if self.ref is None:
                return None, False
            k = self.ref.year * 12 + self.ref.month - 1 + a.mrel
            a.month = k % 12 + 1
            return k // 12, False
        if a.year is not None:
            return a.year, True
        if a.yrel is not None:
            if a.yrel_word == "次" and self.year is not None:
                return self.year + 1, False
            return (self.ref_year + a.yrel if self.ref_year is not None else None), False
        if self.year is not None:
            y = self.year
            end = _period(a, y)[1]
            if (self.anchor is not None and self.roll_days is not None and end is not None
                    and self.anchor.year == y and end < self.anchor - timedelta(days=self.roll_days)):
                # far before the explicit date that set the year (2018年12月29日 … 2月4日): the list has moved into
                # the next year, and what follows stays there
                y += 1
                self.year = y
                end = _period(a, y)[1]
            if not (self.too_early(end) and self.ref is not None and y < self.ref.year):
                return y, False
        if self.ref is None:
            return self.ref_year, False  # the caller's fallback year (never rolled: it has no day), or None
        y = self.ref.year
        if self.too_early(_period(a, y)[1]):
            y += 1
        return y, False


@lru_cache(maxsize=None)
def _tod_names(p: str) -> tuple[str, ...]:
    return tuple(p + n for n in ("ap", "hh", "mi", "hc", "half", "qk", "mc"))


def _tod_value(m: re.Match, p: str) -> str | None:
    names = _tod_names(p)
    if names[0] not in m.re.groupindex:
        return None
    ap, hh, mi_, hc, half, qk, mc = m.group(*names)
    if hh is None and hc is None:
        return None
    if hh is not None:
        h, mi = int(hh), int(mi_)
    else:
        h = cn_int(hc)
        if h is None:
            return None
        if half:
            mi = 30
        elif qk:
            mi = 15 * cn_int(qk)
        elif mc:
            mi = cn_int(mc) or 0
        else:
            mi = 0
    if ap in ("下午", "晚上", "傍晚", "今晚", "当晚", "晚", "夜里", "夜间") and h < 12:
        h += 12
    elif ap == "中午" and h < 6:
        h += 12
    if h > 24 or mi > 59:
        return None
    return f"{h:02d}:{mi:02d}"


# ---------------------------------------------------------------------------------------------------------
# the scanner

_CLAUSE_END_RE = re.compile("[。；;！？!?\n]")


def _same_clause(t: str, a: int, b: int) -> bool:
    """No sentence end in t[a:b] (one C-level search, not a Python loop over a long gap)."""
    return _CLAUSE_END_RE.search(t, a, b) is None
_ANCHOR_END_CH = re.compile("[后起]")
_ANCHOR_BOUND = frozenset("，。；：、（(\n")  # the dur rule's (?<=[，。；：、\s（(\n]), with str.isspace() for \s


def _masked(s: int, e: int, masks) -> bool:
    return any(a < e and s < b for a, b in masks)


def find_times(text: str, ref: date | None = None, masks=(), roll_days: int | None = ROLL_DAYS,
               _phrase: bool = False, fallback_year: int | None = None) -> list[TimeExpr]:
    """Every time expression in ``text``, in order, non-overlapping; spans index into ``text``.

    ``masks`` are (start, end) spans (document numbers) inside which nothing is read; bracketed years
    (``〔2016〕``) and phone numbers are masked too. A phrase without a year takes the nearest preceding explicit
    year of the text, else ``ref``'s year (rolled into the next year when the result would end more than
    ``roll_days`` before ``ref``; ``roll_days=None`` never rolls). Without ``ref``, ``fallback_year`` (the year of
    a cited document number, of the web publish date …) stands in for the missing year and for 今年/明年 (never
    rolled: it has no day; 本月/下月 and a day alone still need ``ref``).

    >>> [str(t.end) for t in find_times("于6月20日18：00前报送", fallback_year=2014)], find_times("6月20日前")[0].end
    (['2014-06-20'], None)

    >>> ts = find_times("国办发〔2019〕3号 各单位于8月18日（星期三）下午4时前报送，2700元，8家。", ref=date(2021, 8, 17))
    >>> [(t.kind, t.text, str(t.end), t.time_of_day, t.year_explicit) for t in ts]
    [('deadline', '于8月18日（星期三）下午4时前', '2021-08-18', '16:00', False)]
    >>> [(t.kind, t.recurrence, t.text) for t in find_times("在每年7月30日前完成半年度总结、11月30日前完成年度总结")]
    [('recurring', 'yearly', '在每年7月30日前'), ('recurring', 'yearly', '11月30日前')]
    >>> [(t.kind, t.relative, t.duration) for t in find_times("收到通知后5日内反馈，10个工作日内办结")]
    [('relative', '收到通知后5日内', (5.0, 'day')), ('relative', '10个工作日内', (10.0, 'workday'))]
    """
    if not isinstance(text, str):
        from ..errors import DocprocError

        raise DocprocError("find_times expects text (str)", got=type(text).__name__)
    _parts, words, lex, first, first_re = _grammar()
    t = _narrow(text)
    allmasks = list(masks)
    if fallback_year is not None and not isinstance(fallback_year, int):
        from ..errors import DocprocError

        raise DocprocError("find_times: fallback_year must be an int year", got=repr(fallback_year))
    ctx = _Ctx(ref, roll_days, fallback_year)
    out: list[TimeExpr] = []
    cands: list[tuple[int, int, re.Match | None, str, int | None]] = []
    # cheap pre-check: only around a "core" (a number next to a time unit, 年底, 每, …) is the grammar tried,
    # starting a few characters before it so that prefixes (原则上于, 收到通知后) are included
    last = 0
    for cm in CORE_RE.finditer(t):
        c = cm.start()
        if c < last:
            continue
        if cm.group()[-1] == "号" and t[c].isdigit():  # 〔2019〕128号 is a document number, not a day
            k = c
            while k > 0 and t[k - 1].isdigit():
                k -= 1
            if c - k >= 2 or (k > 0 and t[k - 1] in "〕]）)】﹞"):
                continue
        anchored = _ANCHOR_END_CH.search(t, max(0, c - 18), c) is not None  # 收到通知后 / 发文之日起
        lo = max(last, c - (18 if anchored else 8))
        hi = c + _WINDOW
        if _SPECIAL_CH.search(t, lo, hi) is None:  # the common case: no connector, no 每, no 自/从
            match = _variant((False, False, False))
        else:
            match = _variant((_FROM_CH.search(t, lo, c + 1) is not None and _COMMA_CH.search(t, lo, hi) is not None,
                           _CONN_CH.search(t, lo, hi) is not None, _REC_CH.search(t, lo, hi) is not None))
        m = None
        if anchored:
            for p in range(lo, c + 1):
                # an expression starts with one of `first`; only the anchor of 收到通知后5日内 starts elsewhere,
                # and it starts right after a clause boundary
                if p < c and t[p] not in first and not (p == 0 or t[p - 1] in _ANCHOR_BOUND or t[p - 1].isspace()):
                    continue
                m = match(t, p)
                if m is not None and m.end() > c:
                    break
                m = None
        else:
            p = lo
            while True:  # the positions of `first` characters in [lo, c), then the core itself
                if p < c:
                    fm = first_re.search(t, p, c)
                    p = fm.start() if fm is not None else c
                m = match(t, p)
                if (m is not None and m.end() > c) or p >= c:
                    break
                p += 1
        if m is None or m.end() <= c:
            continue
        s0, rel_start = m.start(), None
        if m.lastgroup == "R_dur" and m.group("anc"):  # past the clause subject (各区县…要在收到通知后 → 在收到通知后)
            s0, rel_start = _anchor_start(t, m)
        cands.append((s0, m.end(), m, m.lastgroup, rel_start))
        last = m.end()
    for wm in words.finditer(t):
        cands.append((wm.start(), wm.end(), wm, "W", None))
    cands.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    last_end = 0
    last_rec: TimeExpr | None = None
    last_from: TimeExpr | None = None  # the last "X年起" (start only)
    for s, e, m, rule, rel_start in cands:
        if s < last_end:
            continue
        # strip the whitespace the pattern allowed around the expression (2024年5月6日 下一行 → 2024年5月6日)
        while s < e and t[s].isspace():
            s += 1
        while e > s and t[e - 1].isspace():
            e -= 1
        if _masked(s, e, allmasks) or _local_mask(t, s, e):
            # a doc number hides a date: retry right after the mask
            continue
        te = _build(text, t, s, e, m, rule, ctx, lex, _phrase, rel_start)
        if te is None:
            continue
        # 在每年7月30日前…、11月30日前… : a later date of the same shape in the same clause inherits 每年
        if (last_rec is not None and te.kind in ("deadline", "point") and not te.year_explicit
                and _same_clause(t, last_rec.span[1], s) and _same_shape(last_rec, te, m)):
            te = replace(te, kind="recurring", recurrence=last_rec.recurrence, start=last_rec.start,
                         end=None, rule=te.rule + "+inherit")
        if te.kind == "recurring" and te.start is None and last_from is not None \
                and _same_clause(t, last_from.span[1], s):
            te = replace(te, start=last_from.start, year_explicit=last_from.year_explicit)
        if te.kind == "range" and te.end is None and te.start is not None:
            last_from = te
        if te.kind == "recurring":
            last_rec = te
        elif te.year_explicit and te.kind != "relative":
            last_rec = None
        out.append(te)
        last_end = e
    return out


def _same_shape(rec: TimeExpr, te: TimeExpr, m) -> bool:
    if rec.recurrence == "yearly":
        return te.grain in ("day", "xun", "month") and "月" in te.text and "年" not in te.text
    if rec.recurrence == "monthly":
        return te.grain == "day" and "月" not in te.text and "年" not in te.text
    return False


_TE_DEFAULTS = {f.name: f.default for f in fields(TimeExpr) if f.default is not MISSING}


def _expr(text, s, e, kind, rule, **kw) -> TimeExpr:
    # the hot path builds a TimeExpr without the frozen dataclass __init__ (one object.__setattr__ per field);
    # same fields, defaults and values – TimeExpr(...) and dataclasses.replace() work as usual
    te = object.__new__(TimeExpr)
    d = te.__dict__
    d.update(_TE_DEFAULTS)
    d.update(kw, kind=kind, text=text[s:e], span=(s, e), rule=rule)
    return te


@lru_cache(maxsize=1)
def _prep_kinds() -> tuple[tuple[str, ...], tuple[str, ...]]:
    lex = _lexicon()
    return tuple(lex["deadline_prepositions"]), tuple(lex["start_prepositions"])


def _kind_of_pre(lex, pre: str | None) -> str | None:
    if not pre:
        return None
    dl, st = _prep_kinds()
    if pre.endswith(dl):
        return "deadline"
    if pre.endswith(st):
        return "start"
    return None


def _build(text, t, s, e, m, rule, ctx: _Ctx, lex, phrase: bool = False, rel_start: int | None = None) -> TimeExpr | None:
    if rule == "W":
        w = m.group(0)
        if w in lex["start_now_words"]:
            return _expr(text, s, e, "range", "word", start=ctx.ref, year_explicit=False, relative=w)
        return _expr(text, s, e, "relative", "word", relative=w, grain="time", year_explicit=False)
    kind_of_pre = partial(_kind_of_pre, lex)
    if rule == "R_single":
        a = _read_atom(m, "x", ctx.ref_year)
        if a is None:
            return None
        y, explicit = ctx.resolve(a)
        st = en = None
        grain, approx, clamped = a.grain, False, False
        if y is not None:
            st, en, grain, approx, clamped = _period(a, y)
        tod = _tod_value(m, "tx")
        suf, spre, xiy = m.group("ssuf", "spre", "xiy")
        suf = suf or ""
        pk = kind_of_pre(spre)
        if suf in ("前", "之前", "以前", "为止", "止") or pk == "deadline" or (a.ypart == "内" and not a.month):
            kind, st = "deadline", None
        elif suf in ("起", "开始", "以来", "以后", "之后") or pk == "start":
            kind, en = "range", None
        else:
            kind = "point"
        if explicit and a.year is not None and not xiy and not _in_title(t, s, ctx):
            ctx.year = a.year  # ISO dates (2008-10-16) are page metadata, not the document's year context
            ctx.anchor = st if kind != "deadline" else None
        elif y is not None and a.yrel is not None:
            ctx.year, ctx.anchor = y, None
        if a.month is not None:
            ctx.month = (e, y, a.month)
        return _expr(text, s, e, kind, "single", start=st, end=en, grain=grain, time_of_day=tod,
                     year_explicit=explicit, approx=approx, clamped=clamped)
    if rule in ("R_range", "R_crange"):
        pa, pb = ("a", "b") if rule == "R_range" else ("c", "e")
        a = _read_atom(m, pa, ctx.ref_year)
        b = _read_atom(m, pb, ctx.ref_year)
        if b is None and rule == "R_range":
            b = _day_atom(m, "b2")
            if b is None or (a.month is None and a.mrel is None):
                return None
            b.month, b.mrel = a.month, a.mrel
        if b is None:
            return None
        return _range(text, t, s, e, a, b, ctx, "range" if rule == "R_range" else "crange",
                      _g(m, "rend") or _g(m, "cend"), _tod_value(m, "tb") if rule == "R_range" else None)
    if rule == "R_brange":
        if _g(m, "by1"):
            a, b = _Atom(year=int(m.group("by1"))), _Atom(year=int(m.group("by2")))
        elif _g(m, "bm1"):
            yy = _year_value(m.group("bmy"), ctx.ref_year) if _g(m, "bmy") else None
            a = _Atom(year=yy, month=cn_int(m.group("bm1")), grain="month")
            b = _Atom(year=yy, month=cn_int(m.group("bm2")), grain="month")
        else:
            yy = _year_value(m.group("bdy"), ctx.ref_year) if _g(m, "bdy") else None
            mo = cn_int(m.group("bdm"))
            a = _Atom(year=yy, month=mo, day=cn_int(m.group("bd1")), grain="day")
            b = _Atom(year=yy, month=mo, day=cn_int(m.group("bd2")), grain="day")
        return _range(text, t, s, e, a, b, ctx, "brange", _g(m, "bend"), None)
    if rule == "R_dayo":
        return _day_alone(text, t, s, e, m, ctx)
    if rule == "R_rec":
        return _recurring(text, t, s, e, m, ctx, lex)
    if rule == "R_dur":
        return _duration(text, s, e, m, lex, rel_start)
    if rule == "R_tod":
        tod = _tod_value(m, "tt")
        if tod is None:
            return None
        strong = (_g(m, "tt" + "hh") is not None or _g(m, "ttap") or _g(m, "tsuf")
                  or (_g(m, "tthc") or "")[:1].isdigit())
        if not strong and not phrase:  # a bare 一点 / 三点 in running text is rarely a time
            return None
        kind = "deadline" if (_g(m, "tsuf") or kind_of_pre(_g(m, "tpre")) == "deadline") else "point"
        return _expr(text, s, e, kind, "time_of_day", grain="time", time_of_day=tod, year_explicit=False)
    return None


_OPEN_TITLE, _CLOSE_TITLE = re.compile("《"), re.compile("》")


def _in_title(t: str, s: int, ctx: "_Ctx | None" = None) -> bool:
    """Inside a 《…》 title: the last 《 before ``s`` comes after the last 》 (positions found once per text).

    >>> _in_title("《规划（2021年）》2022年", 4), _in_title("《规划（2021年）》2022年", 12)
    (True, False)
    """
    if ctx is None:
        return t.rfind("《", 0, s) > t.rfind("》", 0, s)
    if ctx.titles is None:
        ctx.titles = ([m.start() for m in _OPEN_TITLE.finditer(t)], [m.start() for m in _CLOSE_TITLE.finditer(t)])
    opens, closes = ctx.titles
    if not opens:
        return False
    k = bisect_left(opens, s)
    if k == 0:
        return False
    j = bisect_left(closes, s)
    return opens[k - 1] > (closes[j - 1] if j else -1)


def _range(text, t, s, e, a: _Atom, b: _Atom, ctx: _Ctx, rule, endword, tod) -> TimeExpr | None:
    # the second side inherits what it omits from the first (2019年3月—6月, 8月11日至18日)
    if not b.has_year and a.has_year:
        b.year, b.yrel, b.yrel_word = a.year, a.yrel, a.yrel_word
        inherited = True
    else:
        inherited = False
    ya, exa = ctx.resolve(a)
    if b.has_year:
        yb, exb = ctx.resolve(b)
        exb = exb and not inherited
    else:
        yb, exb = ya, False
    st = en = None
    grain = "day"
    if ya is not None and yb is not None:
        st = _period(a, ya)[0]
        pb = _period(b, yb)
        en = pb[1]
        if st and en and en < st and not b.has_year:
            en = _period(b, yb + 1)[1]
        grain = a.grain if a.grain == b.grain else "day"
    year_only = a.month is None and a.quarter is None and a.half is None and b.month is None
    if a.year is not None and not (year_only) and not _in_title(t, s, ctx):
        ctx.year = b.year if b.year is not None else a.year
        ctx.anchor = max(st, date(ctx.year, 1, 1)) if st is not None else None
    if b.month is not None:
        ctx.month = (e, yb, b.month)
    return _expr(text, s, e, "range", rule, start=st, end=en, grain=grain, year_explicit=exa, time_of_day=tod)


def _day_alone(text, t, s, e, m, ctx: _Ctx) -> TimeExpr | None:
    """``18日前``: the month of the last month named in the same sentence, else (only when that is unambiguous:
    no other month named in the text before, or the same one, and the day not before the reference day) the
    reference month; otherwise a deadline without a date."""
    day = cn_int(m.group("od"))
    y = mo = None
    mc = ctx.month
    if mc is not None and _same_clause(t, mc[0], s):
        y, mo = mc[1], mc[2]
    elif ctx.ref is not None and day >= ctx.ref.day and (mc is None or mc[2] == ctx.ref.month):
        y, mo = ctx.ref.year, ctx.ref.month
    end, clamped = None, False
    if y is not None and mo is not None and day:
        end = _mkdate(y, mo, day, clamp=True)
        clamped = end is not None and end.day != day
    return _expr(text, s, e, "deadline", "day_alone", end=end, time_of_day=_tod_value(m, "to"),
                 year_explicit=False, clamped=clamped)


def _recurring(text, t, s, e, m, ctx: _Ctx, lex) -> TimeExpr | None:
    unit = m.group("ku")
    rec = lex["recurring_by"].get(unit) or lex["recurring_by"].get(unit.rstrip("度"))
    if m.group("kw") == "逐" and unit not in ("年", "月", "季度", "季"):
        return None
    start = None
    explicit = True
    sa = _read_atom(m, "s", ctx.ref_year)
    if sa is not None:
        y, explicit = ctx.resolve(sa)
        if y is not None:
            start = _period(sa, y)[0]
            if sa.year is not None:
                ctx.year, ctx.anchor = sa.year, None
    ctx.month = (e, None, None)
    return _expr(text, s, e, "recurring", "recurring", start=start, recurrence=rec,
                 time_of_day=_tod_value(m, "tk"), grain="time" if rec == "daily" else "day",
                 year_explicit=explicit)


def _duration(text, s, e, m, lex, rel_start: int | None = None) -> TimeExpr | None:
    unit_word = m.group("du")
    unit = lex["duration_units"][unit_word]
    within = _g(m, "dsuf")
    anchor = _g(m, "anc")
    if unit_word == "月" and not (_g(m, "dge") or _g(m, "dhalf")):
        return None  # 6月 is a month, 6个月 a duration
    if not (within or anchor or unit in ("workday", "week", "month", "hour", "minute")
            or (unit == "day" and unit_word == "天")):
        return None  # a bare "30日" / "5年" is a day of month / a count, not a limit
    dn = m.group("dn")
    n = cn_int(dn.replace("半", "")) if dn.strip("半") else 0
    try:
        n = float(dn) if dn[:1].isdigit() else float(n if n is not None else 0)
    except ValueError:
        return None
    if dn.endswith("半") or dn == "半":
        n += 0.5
    if _g(m, "dn2"):
        n2 = m.group("dn2")
        v2 = float(n2) if n2[:1].isdigit() else cn_int(n2)
        if v2:
            n = float(v2)
    if _g(m, "dhalf") or _g(m, "dhalf2"):
        n += 0.5
    if n <= 0:
        return None
    # the relative text: from the anchor (past the clause subject: _anchor_start) or the number to the end,
    # without the preposition
    rs = rel_start if rel_start is not None else m.start("dn")
    return _expr(text, s, e, "relative", "duration", relative=text[rs:e].strip(), duration=(n, unit),
                 grain="time", year_explicit=False)


def ledger_window(te: TimeExpr | None) -> tuple[date | None, date | None]:
    """(start, due) of a task ledger (shared/gold/GUIDELINES.md) for a time expression.

    deadline → (None, end); range → (start, end); recurring → (first start or None, None); relative and fuzzy
    (年初) → (None, None); a point: a month or a year is a window (start, end), a day / xun / quarter / half
    is a due date (None, end) – a day with a time of day (a meeting) is (day, day).

    >>> ledger_window(parse_time("2013年5月")), ledger_window(parse_time("于2019年4月底前"))
    ((datetime.date(2013, 5, 1), datetime.date(2013, 5, 31)), (None, datetime.date(2019, 4, 30)))
    """
    if te is None or te.kind == "relative" or te.approx:
        return None, None
    if te.kind == "deadline":
        return None, te.end
    if te.kind == "recurring":
        return te.start, None
    if te.kind == "range":
        return te.start, te.end
    if te.grain in ("month", "year"):
        return te.start, te.end
    if te.grain == "day" and te.time_of_day:
        return te.end, te.end
    return None, te.end


def parse_time(phrase: str, ref: date | None = None, roll_days: int | None = ROLL_DAYS,
               fallback_year: int | None = None) -> TimeExpr | None:
    """One time phrase → :class:`TimeExpr` (the first expression carrying dates, else the first one), or None.

    >>> t = parse_time("2013年6月~10月"); (t.kind, str(t.start), str(t.end))
    ('range', '2013-06-01', '2013-10-31')
    >>> t = parse_time("每年12月20日前"); (t.kind, t.recurrence, t.start, t.end)
    ('recurring', 'yearly', None, None)
    >>> t = parse_time("年底前", ref=date(2021, 11, 2)); (t.kind, str(t.end), t.year_explicit)
    ('deadline', '2021-12-31', False)
    >>> parse_time("2021年9月31日").end, parse_time("要高度重视") is None
    (datetime.date(2021, 9, 30), True)
    """
    if not isinstance(phrase, str) or not phrase.strip():
        return None
    ts = find_times(phrase, ref=ref, roll_days=roll_days, _phrase=True, fallback_year=fallback_year)
    if not ts:
        return None
    for x in ts:
        if x.start or x.end or x.kind == "recurring":
            return x
    return ts[0]
