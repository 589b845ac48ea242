"""Section structure of a notice: numbered headings 一、/（一）/1./（1）/一是/第一, on their own line or inline.

Text flattened by PDF/OCR extraction carries its headings inline (``…制定本方案。一、总体要求(一)指导思想。…``),
so a marker is accepted inside a line when it follows a sentence end, a closing bracket or a line start, or
when it is the next number of its level (``二、`` after ``一、``).  Each heading gets its level, its number,
a short ``title`` (the words up to the first 。：；( or line end) and the span of the marker + title.
:func:`find_tables` reads task tables (任务分工表) flattened to text, with the column words of
``models/patterns/table_columns.txt``; :func:`load_patterns` is the one loader of the pattern files.

>>> hs = find_headings("三、实施步骤\\n1、宣传发动（2013年5月）。各单位要广泛发动。\\n2、确定部门（2013年5月）。")
>>> [(h.level, h.number, h.title) for h in hs]
[(1, 3, '实施步骤'), (3, 1, '宣传发动'), (3, 2, '确定部门')]
>>> hs[1].paren
'2013年5月'
>>> [(h.level, h.title) for h in find_headings("制定本方案。一、总体要求(一)指导思想。以习近平…二、深入调整产业结构(三)淘汰低效落后产能。")]
[(1, '总体要求'), (2, '指导思想'), (1, '深入调整产业结构'), (2, '淘汰低效落后产能')]
>>> [(h.level, h.title) for h in find_headings("坚持做好三个注重。一是注重特色。正确处理…二是注重创新。")]
[(5, '注重特色'), (5, '注重创新')]
>>> find_headings("完成1.5万户改造，十九届二中、三中全会")
[]
>>> [(h.title, h.body_start) for h in find_headings("（一）各区（县）住房城乡建设局要明确联络员。（二）请各分（子）公司于7月10日前报送。")]
[('', 3), ('', 25)]
>>> is_stage_section("三、实施步骤") , is_stage_section("四、保障措施")
(True, False)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CN = "一二三四五六七八九十"
_CN_VAL = {c: i + 1 for i, c in enumerate(CN)}


def cn_number(s: str) -> int:
    """``"十二"`` → 12 for the small numbers headings use.

    >>> cn_number("三"), cn_number("十"), cn_number("十四"), cn_number("二十"), cn_number("二十三")
    (3, 10, 14, 20, 23)
    """
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return _CN_VAL.get(s, 0)
    a, _, b = s.partition("十")
    return (_CN_VAL.get(a, 1) if a else 1) * 10 + (_CN_VAL.get(b, 0) if b else 0)


# level 1: 一、  level 2: （一）  level 3: 1. 1、 1．  level 4: （1）  level 5: 一是 / 第一，
_MARK = re.compile(
    r"(?P<l1>(?<![第\d])(?P<n1>[一二三四五六七八九十]{1,3})、)"
    r"|(?P<l2>[（(](?P<n2>[一二三四五六七八九十]{1,3})[）)])"
    r"|(?P<l4>[（(](?P<n4>\d{1,2})[）)])"
    r"|(?P<l3>(?<![\d.．A-Za-z%])(?P<n3>\d{1,2})(?:[、．]|\.(?!\d)))"
    r"|(?P<l5>(?<![第\d])(?P<n5>[一二三四五六七八九十]{1,2})是(?=[^，,、。；]{2,30}[。；，：]))"
)
_BOUNDARY = set("。；！？：:;!?）)”】\n　 ")
_TITLE_END = re.compile(r"[。：:；;！？\n（(，,]|(?<=[\u4e00-\u9fff])[（(][一二三四五六七八九十\d]{1,2}[）)]|(?<=[\u4e00-\u9fff])\d{1,2}[.、．](?=[\u4e00-\u9fff])")
_PAREN = re.compile(r"[（(]([^（）()]{2,30})[）)]")
_PAREN1 = re.compile(r"[（(][^（）()\s\d一二三四五六七八九十]?[）)](?![。：:；;，,\n])")
_AFTER_PAREN = set("。：:；;，,\n　 ！？!?（(一二三四五六七八九十0123456789") | {"\r"}


@lru_cache(maxsize=1)
def _run_in_re() -> re.Pattern:
    words = "|".join(sorted(map(re.escape, load_patterns("heading_ends.txt")), key=len, reverse=True))
    return re.compile(rf"(?:{words})(?=[^，。；：]{{4,}})|(?<=[\u4e00-\u9fff]{{2}})(?=请|[0-9０-９]|[一二三四五六七八九十]{{1,2}}月|各[\u4e00-\u9fff]{{1,8}}(?:要|应|于|须))")


def _run_in(title: str) -> int:
    """Where a title without punctuation runs into its body: after a heading word (会议时间|3月9日…) or
    before 请 / a date / a ``各X要`` subject; 0 when it does not.

    >>> t = "其他要求请各单位于3月5日前将回执报我办"; t[:_run_in(t)]
    '其他要求'
    >>> t = "会议时间3月9日上午9:00"; t[:_run_in(t)]
    '会议时间'
    >>> _run_in("宣传发动"), _run_in("切实加强组织领导"), _run_in("作交流发言的单位请准备发言材料")
    (0, 0, 0)
    """
    if len(title) < 6:
        return 0
    m = _run_in_re().search(title)
    if not m:
        return 0
    cut = m.end() if m.end() > m.start() else m.start()
    if m.end() == m.start() and title.startswith("请", cut):
        from .owners import looks_like_unit

        if looks_like_unit(title[:cut]):
            return 0  # 作交流发言的单位请准备…: a unit addressed by 请 is the item's subject, not its title
    return cut if 2 <= cut <= len(title) - 3 else 0


@lru_cache(maxsize=4096)
def _is_sentence(title: str) -> bool:
    """A heading "title" that is really a sentence: it opens with a unit subject followed by its predicate.

    >>> _is_sentence("各市财政局应于每月"), _is_sentence("省财政厅每年对统计工作情况进行通报"), _is_sentence("市工信局")
    (True, True, False)
    >>> _is_sentence("加强组织领导"), _is_sentence("宣传发动")
    (False, False)
    """
    if len(title) < 6:
        return False
    from .owners import subject_owners

    return bool(subject_owners(title, at_start=True))


@dataclass(frozen=True)
class Heading:
    level: int            # 1..5 (一、 / （一） / 1. / （1） / 一是)
    number: int           # its number within the level
    marker: str           # "三、", "（一）", "1、"
    title: str            # the short title after the marker ("" when the item has none)
    span: tuple[int, int]   # marker start .. end of title (and of its parenthesis)
    body_start: int       # where the item's text starts (after the title and its 。)
    paren: str | None = None  # text of a parenthesis right after the title: "2013年5月"

    @property
    def start(self) -> int:
        return self.span[0]


@lru_cache(maxsize=1)
def stage_words() -> tuple[str, ...]:
    return load_patterns("stage_headings.txt")


def load_patterns(name: str) -> tuple[str, ...]:
    """The lines of ``models/patterns/NAME`` (stripped), without blank lines and ``#`` comments — the one loader
    of the pattern files of headings, owners and tasks."""
    out = []
    from .units import models_dir  # the one place that finds models/ (DOCPROC_MODELS overrides)

    for line in (models_dir() / "patterns" / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)


@lru_cache(maxsize=1024)
def is_stage_section(title: str) -> bool:
    """Is this heading a steps/schedule/procedure section (实施步骤, 时间安排, 推荐程序, …)?"""
    t = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[、.．）)]?", "", title or "")
    return any(w in t for w in stage_words()) and len(t) <= 16


def _level_of(m: re.Match) -> tuple[int, int]:
    for lv, key in ((1, "n1"), (2, "n2"), (3, "n3"), (4, "n4"), (5, "n5")):
        v = m.group(key)
        if v:
            return lv, cn_number(v)
    return 0, 0


def find_headings(text: str) -> list[Heading]:
    """All numbered headings of ``text`` in order (see the module doctest)."""
    out: list[Heading] = []
    last: dict[int, int] = {}
    for m in _MARK.finditer(text):
        lv, num = _level_of(m)
        s = m.start()
        prev = text[s - 1] if s else "\n"
        at_boundary = prev in _BOUNDARY or s == 0
        expected = num == last.get(lv, 0) + 1
        if lv == 1 and not (at_boundary or (expected and num > 1)):
            continue
        if lv == 3 and not (at_boundary or (expected and '\u4e00' <= prev <= '\u9fff')):
            continue
        if lv == 4 and not (at_boundary or expected):
            continue
        if lv == 5 and not (at_boundary or expected):
            continue
        if lv in (1, 3, 5) and not expected and num != 1 and not at_boundary:
            continue
        if lv == 3 and not expected and num != 1 and last.get(3) is not None and num <= last[3]:
            # "1.5" style re-use is excluded by the regex; a lower number restarts a list only at a boundary
            if not at_boundary:
                continue
        after = text[m.end(): m.end() + 1]
        if not after or after in "，,。.、%％）)" or after.isdigit():
            continue
        # a Chinese numeral followed by 、 and another numeral (一、二、三级) is a list of numbers, not a heading
        if lv == 1 and after in CN and text[m.end() + 1: m.end() + 2] in "、级类批等":
            continue
        tend_m = _TITLE_END.search(text, m.end(), min(len(text), m.end() + 40))
        tend = tend_m.start() if tend_m else min(len(text), m.end() + 40)
        title = text[m.end():tend].strip()
        if len(title) > 30 or (not tend_m and tend < len(text)) or (tend_m and tend_m.group(0) in "，,"):
            # no title: the item's text starts right after the marker — unless a short title runs into it
            # (三、严密规范组织选举2021年6月底前，县（市、区）要…)
            cut = _run_in(title) if lv <= 2 else 0
            title = title[:cut] if cut else ""
            tend = m.end() + cut
        paren = None
        end = tend
        pm = _PAREN.match(text, tend) if tend < len(text) else None
        if pm and title and pm.end() < len(text) and text[pm.end()] not in _AFTER_PAREN:
            # the bracket is inside the title (（二）依法依规开展村（社区）党组织换届。) or, in a numbered item, inside
            # a sentence (（1）乡镇（街道）党（工）委组织…): the item then has no title
            t2 = _TITLE_END.search(text, pm.end(), min(len(text), pm.end() + 30))
            if lv <= 2 and t2 and t2.group(0) not in "，,（(" and t2.start() - m.end() <= 30:
                title, tend, end, pm = text[m.end():t2.start()].strip(), t2.start(), t2.start(), None
            else:
                title, tend, end, pm = "", m.end(), m.end(), None
        if pm:
            paren = pm.group(1)
            end = pm.end()
        elif title:
            cut = _run_in(title)
            if cut:
                # 四、其他要求请各单位于3月5日前…: a title run into its text (flattened or unpunctuated)
                title, tend = title[:cut], m.end() + cut
                end = tend
        if title and text[tend: tend + 1] in "（(" and _PAREN1.match(text, tend):
            # 各区（县）住房城乡建设局要… / 请各分（子）公司于…: a one-character bracket inside a name, not a title end
            title, tend, end, paren = "", m.end(), m.end(), None
        if title.startswith("请"):
            title, tend, end, paren = "", m.end(), m.end(), None  # 请各单位于…: a request, never a title
        if title and _is_sentence(text[m.end(): max(tend, m.end() + len(title))]):
            # 一、各市财政局应于每月10日前报送…: a unit subject with its predicate is the item's text, not a title
            title, tend, end, paren = "", m.end(), m.end(), None
        body = end
        if body < len(text) and text[body] in "。：:；;，,":
            body += 1
        out.append(Heading(lv, num, m.group(0), title, (s, end), body, paren))
        last[lv] = num
        for deeper in range(lv + 1, 6):
            last.pop(deeper, None)
    return out


@dataclass
class Section:
    heading: Heading
    end: int              # end of the section (start of the next heading of the same or a higher level)
    parent: "Section | None" = None

    @property
    def start(self) -> int:
        return self.heading.span[0]


def build_sections(text: str, headings: list[Heading] | None = None) -> list[Section]:
    """Nest the headings: each section ends where a heading of the same or a higher level starts.

    >>> secs = build_sections("一、甲\\n（一）乙\\n1.丙\\n（二）丁\\n二、戊")
    >>> [(s.heading.title, s.parent.heading.title if s.parent else None) for s in secs]
    [('甲', None), ('乙', '甲'), ('丙', '乙'), ('丁', '甲'), ('戊', None)]
    """
    hs = find_headings(text) if headings is None else headings
    secs: list[Section] = []
    stack: list[Section] = []
    for h in hs:
        while stack and stack[-1].heading.level >= h.level:
            stack.pop().end = h.start
        sec = Section(h, len(text), stack[-1] if stack else None)
        secs.append(sec)
        stack.append(sec)
    return secs


def section_at(sections: list[Section], pos: int) -> Section | None:
    """The innermost section containing ``pos`` (sections are in document order)."""
    best = None
    for s in sections:
        if s.start > pos:
            break
        if s.start <= pos < s.end:
            best = s
    return best


# ---------------------------------------------------------------------------------------------------------------
# Task tables (任务分工表) flattened to text: a header line ``序号 重点任务 责任单位 完成时限`` and one row per line
# (cells separated by spaces or tabs), or the same table with every cell on its own line.

@dataclass(frozen=True)
class TableRow:
    span: tuple[int, int]
    cells: dict            # column kind (no/task/owner/lead/partner/time) -> (text, (start, end))
    group: str | None = None   # a category line between the rows (（一）强化源头治理)


@dataclass(frozen=True)
class Table:
    span: tuple[int, int]  # header start .. end of the last row
    rows: tuple


@lru_cache(maxsize=1)
def _table_columns() -> dict[str, str]:
    out = {}
    for line in load_patterns("table_columns.txt"):
        kind, _, word = line.partition("\t")
        if word.strip():
            out[word.strip()] = kind.strip()
    return out


@lru_cache(maxsize=1)
def _table_hint() -> re.Pattern:
    words = [w for w, k in _table_columns().items() if k in ("owner", "lead", "partner", "time")]
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


_CELL = re.compile(r"[^ \t\u3000]+")
_ROW_NO = re.compile(r"^(?:\d{1,3}|[一二三四五六七八九十]{1,3})[.、．]?$")
_TIMEISH = re.compile(r"\d{4}年|\d{1,2}月|年底|年内|季度|上半年|下半年|前$|长期|持续|每[年季月周日]|日内|工作日|及时|立即|适时")
_STOP_LINE = re.compile(r"^(?:附件|附表|抄送|联系人|联系电话|注[:：])")


def _header_kinds(cells: list[str]) -> list[str] | None:
    cols = _table_columns()
    kinds = [cols.get(c) for c in cells]
    if len(cells) < 2 or None in kinds or "task" not in kinds or kinds.count("task") > 1:
        return None
    if not ({"owner", "lead", "time"} & set(kinds)):
        return None
    return kinds


def _assign(kinds: list[str], pieces: list[tuple[str, int, int]]) -> dict | None:
    """Map the pieces of one row to the header's columns: the columns left of the task column take one piece
    each from the left, those right of it one piece each from the right, and the task cell keeps what is left
    (a task text may contain spaces); with too few pieces, a time-like piece goes to the time column."""
    ti = kinds.index("task")
    left, right = kinds[:ti], kinds[ti + 1:]
    pieces = list(pieces)
    cells = {}
    if left and left[0] == "no":
        if not pieces or not _ROW_NO.match(pieces[0][0]):
            return None
        cells["no"] = (pieces[0][0], (pieces[0][1], pieces[0][2]))
        pieces = pieces[1:]
        left = left[1:]
    if len(pieces) >= len(left) + 1 + len(right):
        for k in left:
            p = pieces.pop(0)
            cells[k] = (p[0], (p[1], p[2]))
        tail = pieces[len(pieces) - len(right):] if right else []
        mid = pieces[: len(pieces) - len(right)] if right else pieces
        for k, p in zip(right, tail):
            cells[k] = (p[0], (p[1], p[2]))
    else:
        if not pieces:
            return None
        mid = [pieces.pop(0)]
        free = list(right)
        for p in pieces:
            k = "time" if ("time" in free and _TIMEISH.search(p[0])) else next((c for c in free if c != "time"), None)
            if k is None:
                return None
            free.remove(k)
            cells[k] = (p[0], (p[1], p[2]))
    if not mid:
        return None
    task = "".join(p[0] for p in mid)
    if len(task) < 4:
        return None
    cells["task"] = (task, (mid[0][1], mid[-1][2]))
    return cells


def find_tables(text: str) -> list[Table]:
    """Task tables flattened to lines, with their rows mapped to columns.

    >>> t = find_tables("分工如下\\n序号 重点任务 责任单位 完成时限\\n1 制定实施方案 协调处 2024年3月底前\\n"
    ...                 "2 组织“治违禁 控药残”行动 监管处、各区局 2024年10月底前\\n附件2")
    >>> [(r.cells["no"][0], r.cells["task"][0], r.cells["owner"][0], r.cells["time"][0]) for r in t[0].rows]
    [('1', '制定实施方案', '协调处', '2024年3月底前'), ('2', '组织“治违禁控药残”行动', '监管处、各区局', '2024年10月底前')]
    >>> t = find_tables("序号\\n工作任务\\n牵头单位\\n完成时限\\n1\\n建立工作台账\\n市商务局\\n6月底前\\n2\\n开展专项检查\\n市场监管局\\n长期坚持\\n")
    >>> [(r.cells["task"][0], r.cells["lead"][0], r.cells["time"][0]) for r in t[0].rows]
    [('建立工作台账', '市商务局', '6月底前'), ('开展专项检查', '市场监管局', '长期坚持')]
    >>> find_tables("责任单位：市商务局。完成时限：6月底前。")
    []
    """
    if not _table_hint().search(text):
        return []
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((raw, pos))
        pos += len(raw) + 1
    out: list[Table] = []
    i = 0
    while i < len(lines):
        raw, off = lines[i]
        cells = [(m.group(0), off + m.start(), off + m.end()) for m in _CELL.finditer(raw)]
        kinds = _header_kinds([c[0] for c in cells]) if 2 <= len(cells) <= 8 else None
        if kinds:
            rows, i = _rows_inline(lines, i + 1, kinds)
        else:
            kinds, j = _header_block(lines, i)
            if not kinds:
                i += 1
                continue
            rows, i = _rows_block(lines, j, kinds)
        if rows:
            out.append(Table((off, rows[-1].span[1]), tuple(rows)))
    return out


def _rows_inline(lines, i: int, kinds: list[str]):
    rows, group = [], None
    while i < len(lines):
        raw, off = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        if _STOP_LINE.match(s):
            break
        pieces = [(m.group(0), off + m.start(), off + m.end()) for m in _CELL.finditer(raw)]
        if len(pieces) == 1:
            if len(s) > 24 or not rows and group is not None:
                break
            group = s  # a category line inside the table
            i += 1
            continue
        cells = _assign(kinds, pieces)
        if cells is None:
            break
        rows.append(TableRow((pieces[0][1], pieces[-1][2]), cells, group))
        i += 1
    return rows, i


def _header_block(lines, i: int):
    cols = _table_columns()
    j = i
    while j < len(lines) and lines[j][0].strip() in cols:
        j += 1
    if j - i < 3:
        return None, i
    kinds = _header_kinds([lines[k][0].strip() for k in range(i, j)])
    return (kinds, j) if kinds and kinds[0] == "no" else (None, i)


def _rows_block(lines, j: int, kinds: list[str]):
    """Rows of a table with one cell per line, each row opened by its number (1, 2, 3…)."""
    rows = []
    expect = 1
    n = len(kinds)
    while j < len(lines) and lines[j][0].strip() == str(expect):
        k = j + 1
        while k < len(lines) and k - j < 2 * n and lines[k][0].strip() != str(expect + 1) \
                and not _STOP_LINE.match(lines[k][0].strip()):
            k += 1
        if k >= len(lines) or lines[k][0].strip() != str(expect + 1):
            k = min(k, j + n)  # the last row: as many lines as there are columns
        pieces = [(lines[x][0].strip(), lines[x][1] + len(lines[x][0]) - len(lines[x][0].lstrip()),
                   lines[x][1] + len(lines[x][0].rstrip())) for x in range(j, k) if lines[x][0].strip()]
        cells = _assign(kinds, pieces)
        if cells is None:
            break
        rows.append(TableRow((pieces[0][1], pieces[-1][2]), cells))
        j = k
        expect += 1
    return rows, j
