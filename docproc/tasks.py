"""Tasks: section structure + owner phrases + time expressions → the 督办 task ledger.

``extract_tasks(text, notice, times)`` splits the text into sentences (also text flattened to one line, where
headings and owner tags run inline), places each sentence in its section (``extract/headings.py``), finds who
is named for it (``extract/owners.py``: bracketed tags after an item, 责任单位/实施部门 fields, the sentence
subject) and which time expressions (``extract/dates.py`` :class:`TimeExpr`) fall inside it, and keeps the
sentences that ``shared/gold/GUIDELINES.md`` calls tasks:

``tag``      the sentences closed by an owner tag ``（X牵头，Y配合）`` / field ``责任单位：X`` — one task per dated
             sentence, consecutive undated sentences form one task;
``step``     the numbered items of a steps/schedule/procedure section (实施步骤, 时间安排, 推荐程序…) — the step's
             own window ``1、宣传发动（2013年5月）`` applies to its tasks unless a task has its own deadline;
``dated``    a sentence with a deadline or a time window (``于8月底前报局办公室``);
``subject``  a sentence whose subject is a unit followed by its duty (``各地要…``, ``国家卫生健康委负责…``);
``table``    a row of a task table flattened to text (``序号 重点任务 责任单位 完成时限`` and one row per line, or
             one cell per line; ``extract/headings.py`` :func:`find_tables`): its task, owner and time cells;
``meeting``  the meeting of a 会议通知, on its day, owned by the 参会人员 as listed.

Conditions, goals and background (因…, 如…, 目前…, 申报单位应为…) are not tasks unless dated; a sentence dated only
in the past with no word of duty (``2018年11月，…印发…``, ``截至6月30日，…``) is background; exhortations without
time and unit are never tasks because no rule fires for them.

>>> from docproc.model import Notice
>>> text = "三、实施步骤\\n1、宣传发动（2013年5月）。各单位要进行深入宣传，广泛发动。\\n" \\
...        "2、制定方案（2013年5月）。于5月31日前，将实施方案发送至局软建办。\\n四、相关要求\\n要高度重视。"
>>> [(t.id, t.stage, t.rule) for t in extract_tasks(text, Notice(), [])]
[('T01', '宣传发动', 'step'), ('T02', '制定方案', 'step')]
>>> extract_tasks(text, Notice(), [])[0].owners
['各单位']
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .extract.headings import (Heading, Section, Table, build_sections, find_headings, find_tables, is_stage_section,
                               load_patterns, section_at)
from .extract.owners import OwnerTag, find_owner_tags, looks_like_unit, possessive_owners, split_units, subject_owners
from .model import Notice, Task

MAX_CONTENT = 60


@lru_cache(maxsize=1)
def _nontask_re() -> re.Pattern:
    words = load_patterns("nontask_starts.txt")
    return re.compile("^(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")")  # lines are regexes: 因(?!此)


_END = re.compile(r"[。！？；;!?\n]")
_SKIP_LINE = re.compile(r"^(?:附件[:：\d]|抄送|抄报|主题词|联系人|联系电话|电话|传真|邮箱|地址|邮编|（此件|\(此件|信息公开)")
_PRINT_LINE = re.compile(r"印发$|印发\s*$|^共印|^\d{4}年\d{1,2}月\d{1,2}日$")
_LEAD_PUNCT = re.compile(r"^[\s，,、：:；;。）)]+")
_TRAIL_PUNCT = re.compile(r"[\s，,、：:；;。（(]+$")
_TO_BEFORE = re.compile(r"[到至]$")


@dataclass
class _Sent:
    start: int
    end: int
    text: str
    heading: Heading | None = None      # a heading title sentence
    section: Section | None = None
    times: list = field(default_factory=list)


_CLAUSE_SEP = re.compile(r"[，,]")
_MODAL_AHEAD = re.compile(r"要|应|须|负责|牵头")
_EXAMPLE = re.compile(r"如|例如|比如|特别是|尤其是|包括|其中|即")


def _clause_cuts(text: str, a: int, b: int, times: list) -> list[int]:
    """Inner cuts of the sentence ``text[a:b]`` into one clause per actor and per deadline.

    ``X要…，Y要…`` → two clauses (a second unit subject with a modal of duty); ``于12月底前完成规划，2020年12月底前
    完成验收`` / ``每年7月30日前完成半年度总结、11月30日前完成年度总结`` → one clause per deadline.

    >>> t = "各市供电公司要定期开展检查，发现异常及时报告，相关企业要立即整改"
    >>> [t[i:] for i in _clause_cuts(t, 0, len(t), [])]
    ['相关企业要立即整改']
    """
    out = []
    seen_deadline = False
    for tm in times:
        if tm.span[0] >= b:
            break
        if tm.span[0] < a:
            continue
        if _is_deadline(tm) and getattr(tm, "kind", "") != "range":
            if seen_deadline:
                k = tm.span[0]
                while k > a and text[k - 1] in "于在应须要并和及原则上":
                    k -= 1
                if k > a and text[k - 1] in "，,、":
                    out.append(k)
            seen_deadline = True
    for m in _CLAUSE_SEP.finditer(text, a, b):
        k = m.end()
        if k - a < 6 or b - k < 6 or not _MODAL_AHEAD.search(text, k, min(b, k + 40)) or _EXAMPLE.match(text, k):
            continue
        left = text[a:m.start()]
        for tm in times:
            if a <= tm.span[0] < m.start():
                left = left.replace(tm.text, "")
        if len(left.strip()) < 4 or (_ADVERBIAL.match(left) and "，" not in left):
            continue  # 2021年6月底前，县（市、区）要… / 根据…的委托，由X牵头… : one clause
        if subject_owners(text[k:b], k, strong=True, at_start=True):
            out.append(k)
    return sorted(set(out))


def _sentences(text: str, headings: list[Heading], tags: list[OwnerTag], times: list = ()) -> list[_Sent]:
    cuts = set()
    for h in headings:
        cuts.add(h.span[0])
        cuts.add(h.body_start)
    for t in tags:
        cuts.add(t.span[0])
        cuts.add(t.span[1])
    for m in _END.finditer(text):
        cuts.add(m.end())
    cuts.add(0)
    cuts.add(len(text))
    pts = sorted(cuts)
    ts = sorted(times, key=lambda t: t.span[0])
    for a, b in zip(pts, pts[1:]):
        if b - a >= 14:
            cuts.update(_clause_cuts(text, a, b, ts))
    pts = sorted(cuts)
    tag_spans = [t.span for t in tags]
    hstart = {h.span[0]: h for h in headings}
    out = []
    for a, b in zip(pts, pts[1:]):
        if b <= a:
            continue
        if any(s <= a and b <= e for s, e in tag_spans):
            continue
        seg = text[a:b]
        lead = len(seg) - len(_LEAD_PUNCT.sub("", seg))
        body = _TRAIL_PUNCT.sub("", seg[lead:])
        if not body:
            continue
        h = hstart.get(a)
        out.append(_Sent(a + lead, a + lead + len(body), body, h))
    return out


def _window(t, text: str) -> tuple[str | None, str | None]:
    kind = getattr(t, "kind", "")
    start, end = getattr(t, "start", None), getattr(t, "end", None)
    if kind in ("recurring", "relative") or end is None:
        return (start.isoformat() if (kind == "recurring" and start) else None), None
    iso_end = end.isoformat()
    if kind == "deadline":
        return None, iso_end
    if kind == "range":
        return (start.isoformat() if start else None), iso_end
    grain = getattr(t, "grain", "day")
    if grain == "day" and kind == "point" and getattr(t, "time_of_day", None) and start:
        return start.isoformat(), iso_end  # a meeting at 3月9日上午9:00
    before = text[max(0, t.span[0] - 1): t.span[0]]
    if grain in ("month", "year") and start and not _TO_BEFORE.search(before) and not t.text.startswith(("到", "至")):
        return start.isoformat(), iso_end
    return None, iso_end


def _subject(s: _Sent):
    """The sentence subject, also after a leading time phrase (``2019年3月底前，国家卫生健康委推行…``)."""
    subj = subject_owners(s.text, s.start)
    if subj:
        return subj
    for t in s.times:
        off = t.span[1] - s.start
        if 0 < off <= 20:
            rest = s.text[off:].lstrip("，, ")
            subj = subject_owners(rest, s.start + len(s.text) - len(rest))
            if subj:
                return subj
    return possessive_owners(s.text, s.start)


def _is_deadline(t) -> bool:
    """A time limit by itself (``于8月底前``, ``每年2月底前``, ``2013年6月~10月``), not a bare year or date."""
    kind = getattr(t, "kind", "")
    if kind in ("deadline", "recurring"):
        return True
    return kind == "range" and getattr(t, "grain", "") in ("day", "month") and "放假" not in t.text


_DUTY_WORD = re.compile(r"要|应|须|请|务必|负责|牵头")


def _is_narrative(s: _Sent, ref: date | None) -> bool:
    """A sentence dated only in the past, with no word of duty: background (an event, a status), not a task.

    >>> from types import SimpleNamespace as N
    >>> past = N(kind="point", grain="month", end=date(2018, 11, 30), text="2018年11月", span=(0, 8))
    >>> _is_narrative(_Sent(0, 9, "2018年11月，党中央、国务院印发《意见》", times=[past]), date(2019, 1, 22))
    True
    >>> _is_narrative(_Sent(0, 9, "2018年11月，各地要完成摸排", times=[past]), date(2019, 1, 22))
    False
    """
    if ref is None or not s.times or _DUTY_WORD.search(s.text) or s.times[0].span[0] - s.start > 12:
        return False  # the past time must open the sentence (2018年11月，… / 但经梳理，截至…), not qualify a noun (上年资金)
    return all(getattr(t, "end", None) is not None and t.end <= ref and getattr(t, "kind", "") != "recurring"
               for t in s.times)


def _is_task_time(t, ref: date | None, in_step: bool = False) -> bool:
    kind = getattr(t, "kind", "")
    if kind == "point" and getattr(t, "grain", "") == "year" and not re.search(r"\d", t.text):
        return False  # 今年/当年 as background, not a window
    if kind == "recurring":
        return True
    if kind == "relative" or getattr(t, "end", None) is None:
        return False
    if ref is not None and t.end < ref and (ref - t.end).days > 60 and kind != "range":
        return False
    if ref is not None and t.end < ref and not in_step and (
            kind == "range" or (kind == "point" and getattr(t, "grain", "day") != "day")):
        return False  # a past event (8月11日至18日，山西省连续发生… / 2018年11月，党中央、国务院印发…), not a time limit
    if ref is not None and kind == "point" and t.end == ref:
        return False  # the signing date under the signature
    if ref is not None and t.end <= ref and t.text.startswith(("截至", "截止到")):
        return False  # 截至2024年6月30日，全省仍有…: a status date
    return True


_SIGN_DATE = re.compile(r"(?:19|20)\d\d年\d{1,2}月\d{1,2}日|[〇○零一二三四五六七八九Ｏ０O]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日")


def _guess_signed(text: str) -> date | None:
    """The signing date when the notice fields do not give one: the last full date standing on its own
    (followed by a line end, 印发 or the end of the text, not by 前/起/至…).

    >>> _guess_signed("请于6月20日前报送。\\n省政府办公厅\\n2014年6月5日\\n")
    datetime.date(2014, 6, 5)
    >>> _guess_signed("于2021年9月30日前完成") is None
    True
    """
    from .extract.dates import parse_date

    best = None
    for m in _SIGN_DATE.finditer(text):
        after = text[m.end(): m.end() + 2]
        if after[:1] and after[:1] not in "\n\r 　）)" and not after.startswith("印发") and after[:1] != "<":
            continue
        d = parse_date(m.group(0))
        if d is not None:
            best = d
    return best


@lru_cache(maxsize=1)
def _nontask_phrase_re() -> re.Pattern:
    """Sentences that are never tasks wherever they stand (nontask_phrases.txt: 特制定本方案, 放假调休…)."""
    return re.compile("|".join(load_patterns("nontask_phrases.txt")))


@lru_cache(maxsize=1)
def _exhortation_re() -> re.Pattern:
    """General exhortations (exhortations.txt: 要高度重视…, 要充分认识…的重要意义, 要把…作为…的重要抓手)."""
    return re.compile("|".join(load_patterns("exhortations.txt")))


@lru_cache(maxsize=1)
def _urge_clause_re() -> re.Pattern:
    return re.compile("(?:" + "|".join(load_patterns("exhortation_clauses.txt")) + ")")


@lru_cache(maxsize=1)
def _goal_re() -> re.Pattern:
    return re.compile("|".join(load_patterns("goal_markers.txt")))


_URGE_LEAD = re.compile(r"^(?:要|应|须|必须|应当|务必|要|切实|认真|进一步|积极|主动|全力|扎实|务必|并)+")
_URGE_SPLIT = re.compile(r"[，,、；;]")


def _only_urges(text: str, subj) -> bool:
    """Every clause after the subject is a stock urging phrase (exhortation_clauses.txt).

    >>> _only_urges("各单位要高度重视这项活动，切实加强领导，精心组织", [("各单位", (0, 3))])
    True
    >>> _only_urges("各单位要高度重视，于5月底前报送方案", [("各单位", (0, 3))])
    False
    """
    if not subj or subj[-1][1] is None:
        return False
    rest = text[max(0, subj[-1][1][1] - subj[0][1][0]) if subj[0][1] else 0:]
    rest = re.sub(r"^[等）)]*(?:部门|单位)?", "", rest)
    clauses = [c for c in (_URGE_LEAD.sub("", c.strip()) for c in _URGE_SPLIT.split(rest)) if c]
    rx = _urge_clause_re()
    return bool(clauses) and all(rx.fullmatch(c) for c in clauses)


def _is_goal(text: str, t) -> bool:
    """``到2024年底，全市…覆盖率达到100%``: a target (到/至 + a year-grain time) stated as a result, not an action.

    >>> from types import SimpleNamespace as N
    >>> _is_goal("到2024年底，全市课后服务覆盖率达到100%", N(text="到2024年底"))
    True
    >>> _is_goal("2023年10月20日前报所在区县教育局备案", N(text="2023年10月20日前"))
    False
    """
    tt = getattr(t, "text", "") or ""
    if not tt.startswith(("到", "至")) or re.search(r"月\d|日", tt):
        return False
    return bool(_goal_re().search(text))


_TIME_FIELD = re.compile(r"^(?:完成时间|完成时限|时间安排|时间|时限|截止时间|办理时限)[：:]")
_ANAPHOR = re.compile(r"^(?:原则上)?(?:该项工作|此项工作|这项工作|该工作|以上工作|上述工作)")
_WITH_START = re.compile(r"^(?:会同|与|配合|协同|联合)")


def _lead_times(text: str, sections: list[Section], sents: list[_Sent], ref) -> dict[int, object]:
    """Sections whose lead text (before the first sub-heading) sets a deadline for everything beneath:
    ``三、严密规范组织选举 2021年6月底前，县（市、区）要…。（一）…（1）…`` → {section start: the deadline}."""
    out = {}
    children: dict[int, int] = {}
    for sec in sections:
        if sec.parent is not None:
            children.setdefault(sec.parent.start, sec.start)
    for sec in sections:
        first_child = children.get(sec.start)
        if first_child is None:
            continue
        stop = text.find("。", sec.heading.body_start, first_child)
        stop = first_child if stop < 0 else stop
        for s in sents:
            if s.start < sec.heading.body_start or s.start >= first_child:
                continue
            if s.start > stop:
                break  # only the opening sentence of the section sets a deadline for what follows
            for t in s.times:
                if getattr(t, "kind", "") == "deadline" and getattr(t, "grain", "") in ("day", "xun", "month") \
                        and _is_task_time(t, ref) and _MODAL_AHEAD.search(text, s.start, min(first_child, s.end + 40)):
                    out[sec.start] = t
                    break
            if sec.start in out:
                break
    return out


def _time_fields(sents: list[_Sent], step_of, ref) -> dict[int, object]:
    """``时间：2015年6月25日前`` lines inside a step: the step's own time (as if written in its heading)."""
    out = {}
    for s in sents:
        if s.times and _TIME_FIELD.match(s.text):
            step = step_of(s.section)
            if step is not None and step.start not in out and _is_task_time(s.times[0], ref, in_step=True):
                out[step.start] = s.times[0]
    return out


_CAMPAIGN = re.compile(r"开展.{0,30}活动|活动月|服务月")


def _campaign_window(sents: list[_Sent], headings: list[Heading], ref):
    """``今年9月，局将开展第三个“满意服务月”活动`` in the preamble: the month of the campaign, which the activity
    items (``实施部门：…``) without a time of their own take as their window."""
    first = headings[0].span[0] if headings else None
    for s in sents[:40]:
        if first is not None and s.start >= first:
            break
        if not _CAMPAIGN.search(s.text):
            continue
        for t in s.times:
            if getattr(t, "kind", "") == "point" and getattr(t, "grain", "") == "month" and t.start is not None:
                return t
    return None


_MEETING_TITLE = re.compile(r"召开[^。；，]{0,40}?会议?|[^。；，]{0,30}会议")
_MEETING_TIME = re.compile(r"^(?:会议|会议时间|时间)$")
_MEETING_WHO = re.compile(r"^(?:参加人员|参会人员|参会对象|出席人员|参加对象|与会人员)$")


def _meeting_task(text: str, sents: list[_Sent], headings: list[Heading], ref):
    """A meeting notice (``关于召开…会议的通知`` with a ``会议时间`` item): the meeting itself is the task, on its day;
    its owners are the ``参加人员``."""
    th = next((h for h in headings if _MEETING_TIME.match(h.title or "")), None)
    if th is None:
        return None
    when = None
    for s in sents:
        if s.start >= th.body_start and s.times:
            when = next((t for t in s.times if getattr(t, "end", None) is not None), None)
            break
    if when is None:
        return None
    what = None
    for s in sents:
        if s.start >= headings[0].span[0]:
            break
        m = re.search(r"召开[^。；]{2,80}", s.text)
        if m and "会议" in m.group(0):
            what = _Sent(s.start + m.start(), s.end, m.group(0))
    if what is None:
        return None
    owners = []
    wh = next((h for h in headings if _MEETING_WHO.match(h.title or "")), None)
    if wh is not None:
        seg = text[wh.body_start: next((h.span[0] for h in headings if h.span[0] > wh.span[0]), len(text))]
        lead = len(seg) - len(seg.lstrip())
        seg = re.split(r"[。；\n]", seg[lead:], 1)[0]
        owners = [(u, sp) for u, sp in split_units(seg, wh.body_start + lead) if 2 <= len(u) <= 30]  # as listed
    return _Draft([what], owners, None, [], when, "meeting", None, 0.7)


def _stage_name(step: Section | None, sec: Section | None) -> str | None:
    cur = step if step is not None else sec
    while cur is not None and not cur.heading.title:
        cur = cur.parent
    if cur is None or len(cur.heading.title) > 20:
        return None
    return cur.heading.title


_ADVERBIAL = re.compile(r"^(?:对|按照|根据|依据|为了|为|围绕|结合|通过|针对|依托|在)")


# an adverbial clause inside a long item (…，围绕…目标，在…的基础上，在…大力发展…): dropped so the action fits
_INNER_ADVERBIAL = re.compile(r"，(?:围绕|按照|根据|依据|依照|本着|坚持)[^，。；]{2,30}(?:原则|目标|要求|部署|规定|精神)，"
                              r"|，在[^，。；]{2,30}(?:的基础上|的前提下|过程中)，")


def _content(s: str, prefix: str = "") -> str:
    """A trimmed clause of the text, at most 60 characters; long leading 对…/按照… clauses give way to the action.

    >>> _content("对防范化解金融风险、营造诚实守信金融生态环境、维护良好金融秩序成效较好的省（区、市），"
    ...          "支持该省（区、市）开展金融改革创新先行先试")
    '支持该省（区、市）开展金融改革创新先行先试'
    """
    s = (prefix + s) if prefix else s
    s = re.sub(r"\s+", "", s)
    if len(s) > MAX_CONTENT:
        s = _INNER_ADVERBIAL.sub("，", s)
    while len(s) > MAX_CONTENT and _ADVERBIAL.match(s):
        cut = s.find("，")
        if cut < 0 or cut > len(s) - 8:
            break
        s = s[cut + 1:]
    if len(s) <= MAX_CONTENT:
        return s
    cut = max(s.rfind(p, 0, MAX_CONTENT) for p in "，；、")
    if cut >= 30:
        return s[:cut]
    return s[:MAX_CONTENT]


@dataclass
class _Draft:
    sents: list[_Sent]
    owners: list[tuple[str, tuple[int, int]]]
    lead: str | None
    partners: list[str]
    time: object | None
    rule: str
    stage: str | None
    confidence: float
    step_time: object | None = None


def extract_tasks(text: str, notice: Notice | None, times: list) -> list[Task]:
    """The task list of a notice, in document order (see the module docstring for the rules)."""
    if not text:
        return []
    ref = None
    if notice is not None and notice.signed_date:
        try:
            ref = date.fromisoformat(notice.signed_date)
        except ValueError:
            ref = None
    if ref is None:
        ref = _guess_signed(text)
        if ref is not None and any(getattr(t, "end", None) is None and not getattr(t, "year_explicit", True)
                                   and getattr(t, "kind", "") in ("deadline", "point", "range") for t in times):
            from .extract.dates import find_times
            times = find_times(text, ref=ref)  # years of 6月20日前 resolve against the signing date
    headings = find_headings(text)
    sections = build_sections(text, headings)
    tags = find_owner_tags(text)
    sents = _sentences(text, headings, tags, times)
    tables = find_tables(text)
    if tables:
        sents = [x for x in sents if not any(tb.span[0] <= x.start < tb.span[1] for tb in tables)]
    _place(sents, sections, times)

    # owner segments: each tag/field owns the sentences since the previous tag or heading
    seg_of: dict[int, OwnerTag] = {}
    sticky: list[str] = []
    sticky_from: int | None = None
    first_is_lead = False
    bounds = sorted([h.span[0] for h in headings] + [t.span[1] for t in tags])
    starts = [x.start for x in sents]
    for tag_pos, tag in enumerate(tags):
        bi = bisect_right(bounds, tag.span[0])
        prev = bounds[bi - 1] if bi else 0
        if tag.kind == "field":
            # a field line (实施部门：…) under an activity covers the whole activity paragraph above it
            prev = max([t.span[1] for t in tags if t.span[1] <= tag.span[0]] + [0]) if len(tags) < 50 else \
                max([t.span[1] for t in tags[:tag_pos] if t.span[1] <= tag.span[0]] + [0])
            sec = section_at(sections, tag.span[0])
            if sec is not None:
                prev = max(prev, sec.start)
        i = bisect_left(starts, prev)
        while i < len(sents) and sents[i].end <= tag.span[0]:
            if i not in seg_of:
                seg_of[i] = tag
            i += 1
        # the tag's own sentence may carry the time (责任单位：X完成时限：2021年9月31日)
    tag_index = {id(t): k for k, t in enumerate(tags)}

    drafts: list[_Draft] = []
    lead_times = _lead_times(text, sections, sents, ref)
    step_override = _time_fields(sents, lambda sec: _stage_of(sec, lead_times)[1], ref)
    campaign = _campaign_window(sents, headings, ref)
    who = next((sec for sec in sections if _MEETING_WHO.match(sec.heading.title or "")), None) \
        if any(_MEETING_TIME.match(h.title or "") for h in headings) else None
    last_key = None
    cont = None  # (owners, section, stage) of the last subject sentence: carried by the ；-chained items after it
    for i, s in enumerate(sents):
        if s.heading is not None or _SKIP_LINE.search(s.text) or _PRINT_LINE.search(s.text):
            continue
        if who is not None and who.start <= s.start < who.end:
            continue  # the 参会人员 of a meeting notice are listed, not assigned
        if _nontask_phrase_re().search(s.text):
            cont = None
            continue
        sec = s.section
        stage_sec, step = _stage_of(sec, lead_times)
        tag = seg_of.get(i)
        ttimes = [t for t in s.times if _is_task_time(t, ref, in_step=step is not None)]
        own_time = ttimes[0] if ttimes else None
        if own_time is None and step is None and _is_narrative(s, ref):
            cont = None
            continue  # 2018年11月，党中央、国务院印发… / 截至6月30日，全省仍有…: what happened, not what is assigned
        anytime = s.times[0] if s.times else None
        if _TIME_FIELD.match(s.text):
            # 时间：2015年6月25日前 — the time of the item above (of the step when in a step section)
            if own_time is not None and drafts and drafts[-1].time is None and step is None:
                drafts[-1].time = own_time
            continue
        subj = _subject(s)
        stage = _stage_name(step, sec)
        conditional = bool(_nontask_re().match(s.text))
        chained = cont is not None and cont[1] is sec and "；" in text[max(0, s.start - 2): s.start]
        key = None
        if own_time is not None and not subj and _ANAPHOR.match(s.text) and drafts and \
                (drafts[-1].time is None or drafts[-1].time is drafts[-1].step_time):
            drafts[-1].time = own_time  # 该项工作于2019年4月底前完成 — the deadline of the item above
            continue
        if tag is not None:
            if tag.phrase.first_is_lead:
                first_is_lead = True
            key = ("tag", tag_index[id(tag)])
            owners = subj if (subj and not tag.phrase.owners) else [(u, sp) for u, sp in zip(tag.phrase.owners, tag.phrase.spans)]
            lead = tag.phrase.lead or (tag.phrase.owners[0] if first_is_lead and tag.phrase.owners else None)
            if tag.phrase.sticky:
                sticky = [u for u in tag.phrase.sticky]
                sticky_from = tag.span[0]
            if own_time is None and drafts and last_key == key:
                # undated sentences of an item go with the task before them (its dated sentence or the item's start)
                drafts[-1].sents.append(s)
                continue
            if own_time is None and conditional:
                continue
            extra = [(u, None) for u in sticky if sticky_from is not None and sticky_from <= tag.span[1]
                     and u not in [o for o, _ in owners]]
            t_use = own_time if own_time is not None else (campaign if tag.kind == "field" else None)
            drafts.append(_Draft([s], owners + extra, lead, list(tag.phrase.partners), t_use, "tag", stage, 0.85))
            last_key = key
            continue
        duty = _duty_owner(sec, text)
        if duty:
            if conditional and own_time is None:
                continue
            more = [u for u in subj if u[0] not in [d[0] for d in duty]]
            if subj and subj[0][0] not in [d[0] for d in duty] and not _WITH_START.match(s.text):
                owners = subj
            else:
                owners = duty + more
            drafts.append(_Draft([s], owners, None, [], own_time, "duty", stage, 0.75))
            last_key = None
            continue
        if step is not None:
            if s.text.endswith("的") and own_time is None:
                continue  # a list of conditions (…被责令辞职或被免职的), not steps
            key = ("step", step.start)
            step_time = step_override.get(step.start) or _step_time(step, times, lead_times)
            if last_key != key:
                drafts.append(_Draft([s], subj, None, [], own_time or step_time, "step", stage, 0.8, step_time))
                last_key = key
                continue
            if own_time is None and subj and "；" in text[max(0, s.start - 2): s.start] and drafts[-1].time is step_time:
                # 市文明办将名单公示；所在单位将介绍公示: a ；-joined clause of the same step shares its task
                drafts[-1].sents.append(s)
                drafts[-1].owners = drafts[-1].owners + [u for u in subj if u[0] not in [o for o, _ in drafts[-1].owners]]
                continue
            if own_time is not None or (subj and not conditional):
                if own_time is None and drafts[-1].owners == [] and not subj:
                    drafts[-1].sents.append(s)
                    continue
                drafts.append(_Draft([s], subj or drafts[-1].owners, None, [], own_time or step_time, "step", stage, 0.75, step_time))
                continue
            continue
        last_key = None
        if own_time is not None and not subj and _is_goal(s.text, own_time):
            cont = None
            continue  # 到2024年底，…覆盖率达到100%: a target of the plan, not an assignment
        if own_time is not None and (subj or _is_deadline(own_time)):
            carried = not subj and cont is not None and cont[1] is sec and cont[0] and not cont[3] and sec is not None
            owners = subj or (list(cont[0]) if carried else [])  # the item's subject carries to its dated sentence
            drafts.append(_Draft([s], owners, None, [], own_time, "dated", stage, 0.8 if owners else 0.65))
            cont = (owners, sec, stage, False) if owners else None
            continue
        if subj and not conditional:
            if _exhortation_re().search(s.text) or _only_urges(s.text, subj):
                cont = (subj, sec, stage, True)  # 各地、各有关部门要把…作为重要抓手。按规定落实…；落实…
                continue
            drafts.append(_Draft([s], subj, None, [], anytime if anytime is not None and getattr(anytime, "kind", "") == "relative" else None,
                                 "subject", stage, 0.6))
            cont = (subj, sec, stage, False)
            continue
        if not subj and not conditional and cont is not None and cont[1] is sec and (chained or cont[3]) \
                and len(s.text) >= 8 and not _exhortation_re().search(s.text) and not looks_like_unit(s.text):
            drafts.append(_Draft([s], list(cont[0]), None, [], None, "chain", stage, 0.5))
            cont = (cont[0], cont[1], cont[2], False)
            continue
        cont = None
    if tables:
        drafts = sorted(drafts + _table_drafts(tables, times), key=lambda d: d.sents[0].start)
    _closing_deadline(drafts)
    meeting = _meeting_task(text, sents, headings, ref)
    if meeting is not None:
        a, b = meeting.sents[0].start, meeting.sents[0].end
        drafts = [d for d in drafts if not any(x.start < b and a < x.end for x in d.sents)]  # 决定召开…会议: the meeting
        drafts.insert(sum(1 for d in drafts if d.sents[0].start < meeting.sents[0].start), meeting)
    return [_task(k, d, text) for k, d in enumerate(drafts)]


def _table_drafts(tables: list[Table], times: list) -> list[_Draft]:
    """One task per row of a task table: the task cell, the units of the owner/lead/partner cells, the time
    expression of the time cell (its text alone when it names no date: ``长期坚持``)."""
    from types import SimpleNamespace

    out = []
    for tb in tables:
        for row in tb.rows:
            c = row.cells
            text, (a, b) = c["task"]
            owners, lead, partners = [], None, []
            for kind in ("lead", "owner", "partner"):
                if kind in c:
                    units = [(u, sp) for u, sp in split_units(*_cell_base(c[kind])) if len(u) >= 2]
                    owners += units
                    if kind == "lead" and units:
                        lead = units[0][0]
                    if kind == "partner":
                        partners += [u for u, _ in units]
            when = None
            if "time" in c:
                ctext, (ta, tb_) = c["time"]
                when = next((t for t in times if ta <= t.span[0] < tb_), None)
                if when is None:
                    when = SimpleNamespace(text=ctext, span=(ta, tb_), kind="relative", start=None, end=None,
                                           recurrence=None)
            out.append(_Draft([_Sent(a, b, text)], owners, lead, partners, when, "table", row.group, 0.85))
    return out


def _cell_base(cell):
    text, (a, _) = cell
    return text, a


_SUBMIT = re.compile(r"报(?:送|至|到)?(?:省|市|县|区|国|局|我|各|所在|本)|提交|填报|填写[^，。；]{0,12}[表书]|出具[^，。；]{0,8}[函书]")
_MATERIALS = re.compile(r"材料|申报书|申请书|报名表|回执|推荐表")


def _closing_deadline(drafts: list[_Draft]) -> None:
    """A 申报 notice that lists what each applicant submits, then closes with one deadline for the materials
    (``于2021年3月15日前，将申报材料纸质版报…``): the listed undated submissions take that deadline."""
    closing = [d for d in drafts if d.time is not None and d.rule == "dated" and getattr(d.time, "kind", "") == "deadline"
               and _MATERIALS.search("".join(x.text for x in d.sents))]
    if len({getattr(d.time, "end", None) for d in closing}) != 1:
        return
    last = closing[-1]
    for d in drafts:
        if d is last or d.sents[0].start > last.sents[0].start:
            break
        if d.time is None and d.rule in ("subject", "chain", "duty") and _SUBMIT.search("".join(x.text for x in d.sents)):
            d.time = last.time


def _task(k: int, d: _Draft, text: str) -> Task:
    start, due, time_text, rec, tspan = None, None, None, None, None
    if d.time is not None:
        start, due = _window(d.time, text)
        time_text = d.time.text
        rec = getattr(d.time, "recurrence", None)
        tspan = list(d.time.span)
    joined = "".join(s.text + "，" for s in d.sents).rstrip("，")
    owners, ospans = [], []
    for u, sp in d.owners:
        if u not in owners:
            owners.append(u)
            ospans.append(list(sp) if sp else None)
    spans = {"owners": ospans}
    if tspan:
        spans["time_text"] = tspan
    return Task(
        id=f"T{k + 1:02d}", content=_content(joined), stage=d.stage, lead=d.lead, owners=owners,
        partners=[p for p in d.partners if p in owners] or list(d.partners), start=start, due=due,
        time_text=time_text, recurrence=rec, span=(d.sents[0].start, d.sents[-1].end),
        confidence=d.confidence, rule=d.rule, spans=spans,
    )


def _place(sents: list[_Sent], sections: list[Section], times: list) -> None:
    """Give each sentence its innermost section and the time expressions that start inside it."""
    ts = sorted(times, key=lambda t: t.span[0])
    j = 0
    k = 0
    stack: list[Section] = []
    for s in sents:
        while k < len(sections) and sections[k].start <= s.start:
            sec = sections[k]
            while stack and not (stack[-1].start <= sec.start < stack[-1].end):
                stack.pop()
            stack.append(sec)
            k += 1
        while stack and not (stack[-1].start <= s.start < stack[-1].end):
            stack.pop()
        s.section = stack[-1] if stack else None
        while j < len(ts) and ts[j].span[0] < s.start:
            j += 1
        jj = j
        while jj < len(ts) and ts[jj].span[0] < s.end:
            s.times.append(ts[jj])
            jj += 1


def _stage_of(sec: Section | None, lead_times: dict | None = None) -> tuple[Section | None, Section | None]:
    """(the steps section, the step) enclosing ``sec``; the step is the innermost item below the steps section.

    A section whose lead text sets a deadline (``lead_times``) counts as a steps section too."""
    chain = []
    cur = sec
    while cur is not None:
        chain.append(cur)
        cur = cur.parent
    for k, c in enumerate(chain):
        if k and (is_stage_section(c.heading.title) or (lead_times and c.start in lead_times)):
            return c, chain[0]  # 二、时间安排 > （一）动员部署阶段: the step is named like a stage, its parent is the steps section
    if chain and is_stage_section(chain[0].heading.title):
        return chain[0], None
    return None, None


def _step_time(step: Section, times: list, lead_times: dict | None = None):
    """The time window written in a step heading (``1、宣传发动（2013年5月）``), else in its parent step, else the
    deadline set by the lead text of the steps section."""
    cur = step
    while cur is not None:
        a, b = cur.heading.span
        for t in times:
            if a <= t.span[0] < b:
                return t
        cur = cur.parent
        if cur is not None and (is_stage_section(cur.heading.title) or (lead_times and cur.start in lead_times)):
            return (lead_times or {}).get(cur.start)
    return None


_DUTY_START = re.compile(r"(?:主要|具体)?(?:负责|承担)")


def _duty_owner(sec: Section | None, text: str):
    """``（一）市工信局：…；…`` / ``1.监督组。负责…`` — a section whose heading is a unit followed by a colon, or by
    a text that opens with 负责/承担, lists that unit's duties."""
    cur = sec
    while cur is not None:
        h = cur.heading
        if h.title and (text[h.span[1]: h.span[1] + 1] in "：:" or
                        (len(h.title) <= 12 and _DUTY_START.match(text, h.body_start))):
            name = h.title + (f"（{h.paren}）" if h.paren else "")
            units = split_units(name, h.span[0] + len(h.marker))
            if units and all(looks_like_unit(u) for u, _ in units):
                return units
        cur = cur.parent if cur.parent is not None and cur.parent.heading.level < h.level else None
        break
    return None
