"""Notice fields (GB/T 9704-2012 elements) from clean text — well formatted or flattened to one line.

The header, title and addressees are read on a *compact* view of the text (all whitespace removed, with a map
back to the original offsets), so ``国务院办公厅关于…建设\\n试点工作方案的通知`` and the PDF/OCR flattening
``…中心文件鲁医保中心发〔2020〕11号关于做好…的通知各省直…单位:根据…`` are the same problem:

* **header**: 份号 (leading digits), 发文机关标志 (``…文件``/``…会议纪要`` or an organ name fused before the number),
  紧急程度, 密级, 签发人, telegram form fields (models/patterns/header_noise.txt) — all before the title;
* **发文字号**: the first number that is not cited (not in brackets, not after 根据/按照…) and stands before the
  first full stop / the 主送 colon; else the page metadata (发文字号/文件编号);
* **标题**: from the organ names before the first 关于/印发/转发/批转 (outside 《》) to the first 文种 word
  (models/patterns/doc_types.txt) that ends it; else the first 文种 word of the opening clause; else a short
  first line; else the page metadata 标题;
* **主送机关**: the list between the title (or number) and the first colon, split between addressees only;
* **署名/成文日期**: the first date after the body start that is preceded by organ names (or stands on its own
  line) and not followed by 印发 — else the 印发 date when it is the only own date, else page metadata;
* **附件/抄送/联系人…**: label spans (the ``docproc_labels`` SpanRuler, models/patterns/notice_spans.jsonl).

>>> n = extract_notice("山东省医疗保险事业中心文件鲁医保中心发〔2020〕11号关于做好省直生育保险待遇联网结算工作的通知"
...                    "各省直医疗保险参保单位，各有关定点医疗机构:根据要求，现将有关事项通知如下。"
...                    "山东省医疗保险事业中心2020年9月14日")
>>> n.doc_number, n.title, n.doc_type
('鲁医保中心发〔2020〕11号', '关于做好省直生育保险待遇联网结算工作的通知', '通知')
>>> n.issuer_mark, n.recipients, n.issuers, n.signed_date
('山东省医疗保险事业中心文件', ['各省直医疗保险参保单位', '各有关定点医疗机构'], ['山东省医疗保险事业中心'], '2020-09-14')
>>> n.rules["title"], n.spans["doc_number"]
('title.keyword', [13, 28])
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from ..model import Contact, Notice
from .docno import DocNumber, canonical, find_doc_numbers, trim_agency
from .units import CJK, Lexicon, lexicon, models_dir

HEAD_LIMIT = 1200          # compact chars in which the header, title and addressees must lie
TITLE_MAX = 160
RECIPIENTS_MAX = 500
_COLONS = "：:"
_HARD_STOPS = "。！？!?"
_FOLLOW_CONT = set("的之和及与、》”\"）)")
_SIG_CONT = set("，,、前后起至到以开召在的止之内—-～~上下时即当")
_SIG_AFTER = ("（此件", "(此件", "（本文", "(本文", "（此页", "(此页", "附件", "抄送", "抄报", "分送", "主题词",
              "信息公开", "政府信息公开", "《", "“", "联系人", "（联系人", "(联系人")
_SIG_STRONG = ("（此件", "(此件", "主题词", "抄送", "抄报", "分送")  # end matter that follows the 成文日期
_PRINT_AFTER = ("印发", "翻印", "制发")
_DATE_RE = None
_COPY_NO = re.compile(r"^(?:份号[:：]?)?([0-9]{1,6})(?=[^\d年月日.．号〔\[(（])")
_SECRECY = re.compile(r"(绝密|机密|秘密)(★(?:\d{1,2}年|[一二三四五六七八九十]{1,2}年|\d{1,2}个月|长期)?)?")
_HEAD_MARKS = re.compile(r"(?:绝密|机密|秘密)(?:★(?:\d{1,2}年|[一二三四五六七八九十]{1,2}年|\d{1,2}个月|长期)?)?|特急|加急|平急|特提")
_URGENCY = re.compile(r"特急|加急|特提|平急")
_SIGNER = re.compile(rf"签发人[:：][ \t\u3000]*((?:[{CJK}]{{2,4}}(?:[、，, \t\u3000]+(?=[{CJK}])|(?=\n)|$))+)", re.M)
_SIGNER_FLAT = re.compile(rf"签发人[:：]([{CJK}]{{2,3}})")
_TEL_SIGNER = re.compile(rf"签(?:发|批)(?:盖章)?(?!盖章)([{CJK}]{{2,3}})(?=等级)")
_NOTE = re.compile(r"[（(](?:此件|此页|本件)[^（()）]{1,24}[）)]")
_EMAIL = re.compile(r"[A-Za-z0-9X._%+\-]+@[A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)+")
_PHONE = re.compile(r"1[3-9]\d[\dX]{8}(?![\dX])|(?:0\d{2,3}[-—一－]?)?\d[\dX]{6,9}(?:[-—一－转]\d{1,5})?")
_NUMBERING = r"[.．、，,：:]?"
_SECTION = re.compile(r"[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]")
_SPACE = re.compile(r"\S+")
_SEAL = re.compile(r"[（(](?:盖章|印章|公章|签章|章)[）)]$")  # 安康市水利局（盖章） signs as 安康市水利局


# --------------------------------------------------------------------------------------------------------
# compact view

class Compact:
    """The text without whitespace, with ``pos[i]`` = original offset of ``c[i]``.

    >>> cp = Compact("国务院办公厅关于印发\\n试点方案的通知\\n国办发〔2018〕128号")
    >>> cp.c[:20], cp.span(0, 6), cp.nl_before(10)
    ('国务院办公厅关于印发试点方案的通知国办发', (0, 6), True)
    """

    def __init__(self, text: str):
        self.text = text
        parts, pos = [], []
        self._nl = set()
        self.breaks = set()    # compact positions preceded by whitespace in the original
        prev_end = 0
        for m in _SPACE.finditer(text):
            s, e = m.start(), m.end()
            if s > prev_end:
                self.breaks.add(len(pos))
                if "\n" in text[prev_end:s]:
                    self._nl.add(len(pos))
            parts.append(m.group(0))
            pos.extend(range(s, e))
            prev_end = e
        self.c = "".join(parts)
        self.pos = pos
        self._trail_nl = "\n" in text[prev_end:]

    def span(self, a: int, b: int) -> tuple[int, int]:
        if b <= a:
            o = self.pos[a] if a < len(self.pos) else len(self.text)
            return (o, o)
        return (self.pos[a], self.pos[b - 1] + 1)

    def cidx(self, orig: int) -> int:
        """Compact index of the first non-space character at or after original offset ``orig``."""
        return bisect_left(self.pos, orig)

    def nl_before(self, i: int) -> bool:
        """A line break stands right before compact position ``i`` (or ``i`` is the end of a line-broken text)."""
        if i >= len(self.c):
            return True
        return i in self._nl


# --------------------------------------------------------------------------------------------------------
# labels (附件：, 抄送：…) — the SpanRuler gives them; a regex built from the same pattern file otherwise

@lru_cache(maxsize=1)
def _label_regex() -> list[tuple[str, re.Pattern]]:
    # one regex per pattern: each has a literal first character that the regex engine searches fast (a single
    # alternation of all of them measured 15x slower)
    seen, out = set(), []
    path = models_dir() / "patterns" / "notice_spans.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        chars = [ch for ch in d["pattern"] if not ch.isspace()]
        rx = r"\s*".join(re.escape(ch) for ch in chars)
        if (d["label"], rx) not in seen:
            seen.add((d["label"], rx))
            out.append((d["label"], re.compile(rx, re.I)))
    return out


def find_labels(text: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of the field labels in ``text`` (the SpanRuler's job inside the pipeline).

    >>> find_labels("附件：1.名单  抄 送：市作风办  联系人：王五 联系人李四")
    [('ATTACH', 0, 3), ('CC', 9, 13), ('CONTACT', 19, 23), ('CONTACT', 26, 29)]
    """
    found = []
    for label, rx in _label_regex():
        for m in rx.finditer(text):
            found.append((label, m.start(), m.end()))
    return longest_labels(found)


def longest_labels(found) -> list[tuple[str, int, int]]:
    """Keep the longest of overlapping label matches (联系人： over 联系人), in text order."""
    found = sorted(found, key=lambda x: (x[1], -(x[2] - x[1])))
    out, last = [], -1
    for lab, s, e in found:
        if s >= last:
            out.append((lab, s, e))
            last = e
    return out


# --------------------------------------------------------------------------------------------------------

@dataclass
class _Sig:
    start: int          # compact start of the signature block (organ names, or the date)
    date_start: int
    date_end: int
    date: str
    orgs: list
    org_start: int
    rule: str


_TYPES_CACHE: dict = {}


def _types_by_length(lex: Lexicon) -> tuple[list, frozenset]:
    """The 文种 words longest first, and the characters that matter to the title-end scan (their first
    characters and the quote/book-title marks), per lexicon."""
    got = _TYPES_CACHE.get(id(lex))
    if got is None or got[0] is not lex:
        types = sorted(lex.doc_types, key=len, reverse=True)
        got = (lex, types, frozenset(w[0] for w in types) | frozenset("《》“”"))
        _TYPES_CACHE[id(lex)] = got
    return got[1], got[2]


def _iso(d) -> str | None:
    return d.isoformat() if d else None


def _parse_date(s: str | None) -> str | None:
    from .dates import parse_date

    if not s:
        return None
    try:
        d = parse_date(str(s).strip())
    except Exception:  # the dates module is another component; never let it break the notice
        d = None
    return _iso(d)


def _find_dates(c: str) -> list[tuple[tuple[int, int], object]]:
    from .dates import find_dates

    try:
        return find_dates(c)
    except Exception:
        return []


class _Reader:
    def __init__(self, text: str, meta: dict, doc_numbers, labels, lex: Lexicon):
        self.text = text
        self.cp = Compact(text)
        self.c = self.cp.c
        self.meta = meta or {}
        self.page = dict(self.meta.get("page_meta") or {})
        self.lex = lex
        self.n = Notice()
        self.nums = doc_numbers if doc_numbers is not None else find_doc_numbers(text)
        self.labels = longest_labels(labels) if labels is not None else find_labels(text)

    # -- helpers ------------------------------------------------------------------------------------
    def put(self, field: str, value, a: int | None, b: int | None, rule: str) -> None:
        setattr(self.n, field, value)
        if a is not None and b is not None:
            self.n.spans[field] = list(self.cp.span(a, b))
        self.n.rules[field] = rule

    def put_list(self, field: str, items: list[tuple[str, int, int]], rule: str) -> None:
        if not items:
            return
        setattr(self.n, field, [x for x, _, _ in items])
        self.n.spans[field] = list(self.cp.span(items[0][1], items[-1][2]))
        self.n.spans[field + "_items"] = [list(self.cp.span(a, b)) for _, a, b in items]
        self.n.rules[field] = rule

    def page_value(self, *keys: str) -> str | None:
        for k in keys:
            for pk, v in self.page.items():
                if re.sub(r"\s", "", str(pk)).rstrip(":：") == k and v not in (None, ""):
                    return str(v).strip()
        return None

    def _next_stop(self, i: int, stops: str, limit: int) -> int:
        c = self.c
        end = min(len(c), i + limit)
        for j in range(i, end):
            if c[j] in stops:
                return j
        return end

    # -- steps --------------------------------------------------------------------------------------
    def run(self) -> Notice:
        c, lex = self.c, self.lex
        head = c[:HEAD_LIMIT]
        first_stop = self._next_stop(0, _HARD_STOPS, HEAD_LIMIT)
        b0 = 0
        m = _COPY_NO.match(head)
        if m and (len(m.group(1)) >= 4 or head.startswith("份号")):
            self.put("copy_no", m.group(1), m.start(1), m.end(1), "header.copy_no")
            b0 = m.end()
        while True:  # 密级 and 紧急程度 stand before the issuer mark
            m = _HEAD_MARKS.match(head, b0)
            if not m:
                break
            b0 = m.end()
        # candidate own numbers: in the header zone, not cited
        cands = []
        for d in self.nums:
            a = self.cp.cidx(d.span[0])
            if a < first_stop and a < HEAD_LIMIT and not d.cited:
                cands.append((a, self.cp.cidx(d.span[1] - 1) + 1, d))
        num = cands[0] if cands else None
        # issuer mark: organ names + 文件/会议纪要… at the start, or organ names fused before the number
        mark_end = b0
        mark_orgs: list[str] = []
        mm = re.match(rf"([{CJK}（）()]{{3,120}}?)(文件|会议纪要|纪要)", head[b0:b0 + 160])
        if mm and lex.segment_orgs(mm.group(1)):
            mark_orgs = lex.segment_orgs(mm.group(1))
            self.put("issuer_mark", mm.group(0), b0, b0 + mm.end(), "header.mark")
            mark_end = b0 + mm.end()
        elif num is not None:
            pre = c[b0:num[0]]
            seg = lex.segment_orgs(pre) if 3 <= len(pre) <= 120 else None
            if seg:
                mark_orgs = seg
                self.put("issuer_mark", pre, b0, num[0], "header.mark_fused")
                mark_end = num[0]
            else:
                # the number's agency run may have swallowed the mark (…管理局鲁市监标函〔…〕)
                d = num[2]
                run_start = num[0] - (len(d.run) - len(d.agency))
                lead = d.run[: len(d.run) - len(d.agency)]
                seg = lex.segment_orgs(lead) if lead else None
                if seg and run_start >= b0:
                    mark_orgs = seg
                    self.put("issuer_mark", lead, run_start, num[0], "header.mark_run")
        self._header_fields(head, mark_end, num)
        # title
        title = self._title(mark_end, num, first_stop)
        # number: re-trim the agency with the organ names now known; it must precede the 主送 colon
        known = list(self._title_orgs or []) + sorted(mark_orgs, key=len, reverse=True)
        body_start = self._recipients(title, num)
        if num is not None and num[0] < body_start + 1:
            d: DocNumber = num[2]
            agency = trim_agency(d.run, known)
            start = num[0] + len(d.agency) - len(agency)
            if self.n.rules.get("issuer_mark", "").startswith("header.mark_") and agency != d.agency:
                # the organ name fused before the number is now known exactly (…办公厅|办公厅便函〔…〕)
                a_mark = self.cp.cidx(self.n.spans["issuer_mark"][0])
                lead = c[a_mark:start]
                if lead:
                    self.put("issuer_mark", lead, a_mark, start, self.n.rules["issuer_mark"])
                    mark_orgs = lex.segment_orgs(lead) or [lead]
            value = f"{agency}〔{d.year}〕{d.serial}号"
            self.put("doc_number", value, max(0, start), num[1], "docno.header")
            self.n.doc_number_parts = {"agency": agency, "year": d.year, "serial": d.serial}
        else:
            v = canonical(self.page_value("发文字号", "文件编号", "文号"))
            if v:
                self.put("doc_number", v, None, None, "docno.page_meta")
                d2 = find_doc_numbers(v)[0]
                self.n.doc_number_parts = d2.parts
        if not self.n.title:
            v = self.page_value("标题", "名称", "信息名称")
            if v:
                self.put("title", re.sub(r"\s+", "", v), None, None, "title.page_meta")
        self.n.doc_type = lex.doc_type(self.n.title)
        if self.n.doc_type:
            self.n.rules["doc_type"] = "doc_type.title_end"
            if "title" in self.n.spans:
                s, e = self.n.spans["title"]
                self.n.spans["doc_type"] = [e - len(self.n.doc_type), e]
        # end matter
        self._end_matter(body_start, mark_orgs)
        self._web_meta()
        self._contacts(body_start)
        return self.n

    def _header_fields(self, head: str, mark_end: int, num) -> None:
        zone_end = num[0] if num is not None else min(len(head), 200)
        zone = head[:max(zone_end, mark_end) + 40]
        m = _URGENCY.search(zone)
        if m:
            self.put("urgency", m.group(0), m.start(), m.end(), "header.urgency")
        m = _SECRECY.search(zone[:zone_end + 1])
        if m:
            self.put("secrecy", m.group(0), m.start(), m.end(), "header.secrecy")
        lim = self.cp.span(0, min(len(self.c), 600))[1]
        m = _SIGNER.search(self.text, 0, lim)
        if m:  # on the original text: the line (or the spaces) ends the names
            names = [x for x in re.split(r"[、，,\s]+", m.group(1)) if x]
            self.n.signers = names
            self.n.spans["signers"] = [m.start(1), m.start(1) + len(m.group(1).rstrip())]
            self.n.rules["signers"] = "header.signer"
            return
        m = _SIGNER_FLAT.search(head[:600]) or _TEL_SIGNER.search(zone)
        if m:
            a, e = m.start(1), m.end(1)
            if e - a == 3 and self.lex.starts_as_org(head[a + 2:]) and not self.lex.starts_as_org(head[a + 3:]):
                e = a + 2  # flattened: 签发人：张三泰安市… — the organ name starts after two characters
            self.n.signers = [head[a:e]]
            self.n.spans["signers"] = list(self.cp.span(a, e))
            self.n.rules["signers"] = "header.signer"
            return

    # title ---------------------------------------------------------------------------------------------
    _title_orgs: list | None = None
    _title_end: int | None = None

    def _skip_noise(self, i: int) -> int:
        rx = self.lex.header_noise
        if rx is None:
            return i
        while True:
            m = rx.match(self.c, i)
            if not m or m.end() == i:
                return i
            i = m.end()

    def _kw(self, start: int, limit: int) -> int | None:
        c, depth, quote = self.c, 0, False
        kws = self.lex.title_keywords
        for j in range(start, limit):
            ch = c[j]
            if ch == "《":
                depth += 1
            elif ch == "》":
                depth = max(0, depth - 1)
            elif ch == "“":
                quote = not quote
            elif ch == "”":
                quote = False
            elif depth == 0 and not quote:
                for w in kws:
                    if c.startswith(w, j):
                        return j
        return None

    def _title_end_at(self, start: int, limit: int, allow_other: bool = True) -> int | None:
        c, depth, quote = self.c, 0, False
        types, firsts = _types_by_length(self.lex)
        other = None
        for j in range(start, min(limit, len(c))):
            ch = c[j]
            if ch not in firsts:
                continue
            if ch == "《":
                depth += 1
                continue
            if ch == "》":
                depth = max(0, depth - 1)
                continue
            if ch == "“":
                quote = not quote
                continue
            if ch == "”":
                quote = False
                continue
            if depth or quote:
                continue
            for w in types:
                if not c.startswith(w, j):
                    continue
                e = j + len(w)
                nxt = c[e] if e < len(c) else ""
                if nxt in _FOLLOW_CONT:
                    continue
                if w == "函" and (j == 0 or c[j - 1] not in "的复便公"):
                    continue
                if self.lex.doc_types[w] == "type":
                    return e
                if other is None:
                    other = e
        return other if allow_other else None

    def _title(self, mark_end: int, num, first_stop: int) -> str | None:
        c, lex = self.c, self.lex
        b = self._skip_noise(mark_end)
        limit = min(len(c), HEAD_LIMIT, first_stop)
        colon = self._next_stop(b, _COLONS, limit - b)
        # a colon inside the header noise (抄报:) does not end the search
        kw = None
        search_from = b
        for _ in range(3):
            kw = self._kw(search_from, min(colon, limit))
            if kw is not None or colon >= limit or not c[max(0, colon - 3):colon].endswith(("抄报", "抄送", "签发人")):
                break
            # a header form field (抄报:, 签发人：) is no 主送 colon
            search_from = colon + 1
            colon = self._next_stop(search_from, _COLONS, limit - search_from)
        rule = None
        if kw is not None:
            start_b = b
            if num is not None and num[0] < kw:
                start_b = self._skip_noise(max(b, num[1]))
            region = c[start_b:kw]
            ts = kw
            if region:
                seg = lex.segment_orgs(region) if len(region) <= 120 else None
                if seg:
                    ts, self._title_orgs = start_b, self._refine_orgs(start_b, kw, seg)
                else:
                    tail = lex.org_tail(region[-120:])
                    if tail:
                        off = len(region) - len(region[-120:]) + tail[0]
                        ts, self._title_orgs = start_b + off, tail[1]
            te = self._title_end_at(kw, min(ts + TITLE_MAX, len(c)))
            if te is not None:
                stop = self._next_stop(ts, _HARD_STOPS + _COLONS, te - ts + 1)
                if stop >= te:
                    rule = "title.keyword"
            if rule:
                return self._set_title(ts, te, rule)
        # no keyword: a 文种 word in the opening clause (…工作方案为贯彻…, 开展…工作意见市直机关…：)
        ts = self._skip_noise(b if num is None or num[0] > b + 2 else max(b, num[1]))
        clause_end = self._next_stop(ts, "。，,；;：:！？", 80)
        te = self._title_end_at(ts, clause_end)
        if te is not None and te - ts >= 4 and not self._looks_like_recipients(c[ts:te]):
            return self._set_title(ts, te, "title.clause")
        # a short first line
        first = self.text.lstrip().split("\n", 1)
        line = first[0].strip().lstrip("#").strip()
        if len(first) > 1 and 2 <= len(line) <= 40 and not re.search(r"[。，；：:！？,;★]", line) \
                and len(re.findall(rf"[{CJK}]", line)) >= 4 and not _HEAD_MARKS.fullmatch(line) \
                and not find_doc_numbers(line) and not _find_dates(line):
            a = self.cp.cidx(self.text.index(line))
            e = a + len(re.sub(r"\s", "", line))
            return self._set_title(a, e, "title.first_line")
        return None

    def _looks_like_recipients(self, s: str) -> bool:
        items = self.lex.split_list(s)
        return bool(items) and all(self.lex.ends_as_org(x) for x in items) and len(items) > 1

    def _set_title(self, ts: int, te: int, rule: str) -> str:
        t = self.c[ts:te]
        self._title_end = te
        self._title_start = ts
        self.put("title", t, ts, te, rule)
        return t

    # recipients ----------------------------------------------------------------------------------------
    def _recipients(self, title, num) -> int:
        """Find the 主送 list; return the compact index where the body starts."""
        c, lex = self.c, self.lex
        if title is not None:
            r0 = self._title_end
            if num is not None and r0 <= num[0] <= r0 + 6:
                r0 = num[1]
        else:
            r0 = self._skip_noise(num[1]) if num is not None else 0
        while r0 < len(c) and not re.match(rf"[{CJK}（(]", c[r0]):
            # markup residue between the number and the list (<!--INFO END-->, #)
            m = re.match(r"<[^>]{0,40}>|[#*\-—=|]+", c[r0:])
            if not m:
                break
            r0 += m.end()
        k = self._next_stop(r0, _COLONS + _HARD_STOPS, RECIPIENTS_MAX)
        if k < len(c) and c[k] in _COLONS and k > r0:
            seg = c[r0:k]
            if not re.search(r"[。；;！？!?]", seg) and "根据" not in seg[:4]:
                items = self._split_items(seg, r0)
                good = [x for x in items if lex.ends_as_org(x[0])]
                if items and lex.ends_as_org(items[-1][0]) and len(good) * 2 >= len(items):
                    self.put_list("recipients", items, "recipients.before_colon")
                    return k + 1
        return self._title_end if title is not None else r0

    # end matter: signature, dates, attachments, cc, print line, note ------------------------------------
    def _org_run_before(self, i: int, max_len: int = 90) -> tuple[int, str]:
        c = self.c
        k = i
        while k > 0 and i - k < max_len and re.match(rf"[{CJK}（）()]", c[k - 1]):
            k -= 1
        return k, c[k:i]

    def _end_matter(self, body_start: int, mark_orgs: list) -> None:
        c, lex = self.c, self.lex
        sig = None
        prints = []
        dates = [d for d in _find_dates(c) if d[0][0] >= body_start]
        for n, ((s, e), d) in enumerate(dates):
            follow = c[e:e + 12]
            k, run = self._org_run_before(s)
            tail = lex.org_tail(run, [j - k for j in self.cp.breaks if k < j < s]) if run else None
            if follow.startswith(_PRINT_AFTER):
                if tail:
                    prints.append((k + tail[0], s, e, d, "".join(tail[1])))
                else:
                    prints.append((s, s, e, d, None))
                continue
            if sig is not None:
                continue
            nxt = follow[:1]
            after_ok = (e >= len(c) or self.cp.nl_before(e) or follow.startswith(_SIG_AFTER))
            if not after_ok and tail and nxt and nxt not in _SIG_CONT:
                # flattened text: the next element follows at once (附件…, another organ's line)
                after_ok = True
            if not after_ok:
                continue
            if tail:
                sig = _Sig(k + tail[0], s, e, d.isoformat(), tail[1], k + tail[0], "signature.orgs_date")
            elif self.cp.nl_before(s) or (len(run) <= 12 and k > 0 and c[k - 1] in "。；;") \
                    or follow.startswith(_SIG_STRONG):
                sig = _Sig(s, s, e, d.isoformat(), [], s, "signature.date")
        if sig is not None:
            self.put("signed_date", sig.date, sig.date_start, sig.date_end, sig.rule)
        pr = None
        for p in prints:
            if sig is None or p[1] > sig.date_start:
                pr = p
                break
        if pr is not None:
            if pr[4]:
                self.put("print_office", pr[4], pr[0], pr[1], "print.line")
            self.put("print_date", pr[3].isoformat(), pr[1], pr[2], "print.line")
        if sig is None:
            own = [p for p in prints]
            if len({p[3] for p in own}) == 1:
                self.put("signed_date", own[0][3].isoformat(), own[0][1], own[0][2], "signed_date.print_only")
            else:
                v = _parse_date(self.page_value("成文日期", "发文日期"))
                if v:
                    self.put("signed_date", v, None, None, "signed_date.page_meta")
        # issuers
        if sig is not None and sig.orgs:
            sig.orgs = self._refine_orgs(sig.org_start, sig.date_start, sig.orgs)
            items = self._locate(sig.orgs, sig.org_start)
            items = [(_SEAL.sub("", nm), a, a + len(_SEAL.sub("", nm))) for nm, a, b in items]
            self.put_list("issuers", items, "issuers.signature")
        elif mark_orgs:
            self.n.issuers = list(mark_orgs)
            if "issuer_mark" in self.n.spans:
                self.n.spans["issuers"] = self.n.spans["issuer_mark"]
            self.n.rules["issuers"] = "issuers.mark"
        else:
            v = self.page_value("发文机关", "发布机构", "发布机关", "发文单位")
            if v:
                seg = lex.segment_orgs(v) or [v]
                self.n.issuers = seg
                self.n.rules["issuers"] = "issuers.page_meta"
            elif self._title_orgs:
                self.n.issuers = list(self._title_orgs)
                self.n.rules["issuers"] = "issuers.title"
            elif self.n.print_office:
                m = re.match(r"(.+?)(办公室|办公厅|秘书局|秘书处|综合组|综合处|综合科)$", self.n.print_office)
                if m and lex.is_org(m.group(1)):
                    self.n.issuers = [m.group(1)]
                    self.n.rules["issuers"] = "issuers.print_office"
        # labelled lists
        stops = [sig.start] if sig is not None else []
        if pr is not None:
            stops.append(pr[0])
        self._attachments(body_start, stops)
        self._cc(body_start, stops)
        m = _NOTE.search(c, body_start)
        if m:
            self.put("note", m.group(0), m.start(), m.end(), "note.bracket")

    def _refine_orgs(self, a: int, b: int, orgs: list) -> list:
        """Split names further where the original text broke the line or spaced them (国家发展改革委\n财政部)."""
        if len(orgs) > 1 or b - a < 5:
            return orgs
        region = self.c[a:b]
        cuts, last = [], 0
        for j in sorted(x - a for x in self.cp.breaks if a < x < b):
            left, rest = region[last:j], region[j:]
            if len(left) >= 2 and self.lex.ends_as_org(left) and self.lex.ends_as_org(rest) \
                    and rest not in self.lex.org_suffixes and left not in self.lex.org_suffixes:
                cuts.append(j)
                last = j
        if not cuts:
            return orgs
        bounds = [0, *cuts, len(region)]
        return [region[x:y] for x, y in zip(bounds, bounds[1:])]

    def _locate(self, names: list, start: int) -> list[tuple[str, int, int]]:
        out, i = [], start
        for nm in names:
            j = self.c.find(nm, i)
            if j < 0:
                j = i
            out.append((nm, j, j + len(nm)))
            i = j + len(nm)
        return out

    def _labels(self, label: str, after: int) -> list[tuple[int, int]]:
        out = []
        for lab, s, e in self.labels:
            if lab == label:
                a, b = self.cp.cidx(s), self.cp.cidx(e - 1) + 1
                if a >= after:
                    out.append((a, b))
        return out

    def _stop_after(self, a: int, stops: list, extra: tuple = ()) -> int:
        c = self.c
        cands = [s for s in stops if s > a]
        for w in ("（此件", "(此件", "附件", "抄送", "抄报", "分送", "主题词", "信息公开", "政府信息公开",
                  "联系人", "印发机关") + extra:
            j = c.find(w, a)
            if j >= 0:
                cands.append(j)
        for lab, s, e in self.labels:
            j = self.cp.cidx(s)
            if j > a:
                cands.append(j)
                break
        return min(cands) if cands else len(c)

    def _attachments(self, body_start: int, stops: list) -> None:
        c = self.c
        labs = self._labels("ATTACH", body_start)
        items: list[tuple[str, int, int]] = []
        rule = "attachments.label"
        if labs:
            a = labs[0][1]
            end = self._stop_after(a, stops, ("。",))
            items = self._numbered(a, end)
        else:
            # no 附件： list: annex headings 附件1 <name> (not references such as （附件1）/见附件2)
            for m in re.finditer(r"附件(\d{1,2})", c[body_start:]):
                s = body_start + m.start()
                if s > 0 and c[s - 1] in "（(见《、和及":
                    continue
                a = body_start + m.end()
                if a < len(c) and c[a] in "）)":
                    continue
                end = min(self._stop_after(a, stops, ("。",)), a + 60)
                sm = _SECTION.search(c, a, end)
                if sm:
                    end = sm.start()
                name = c[a:end].strip("：:、.． ")
                if 2 <= len(name) <= 50:
                    items.append((name, a, end))
            rule = "attachments.headings"
        if items:
            self.put_list("attachments", items, rule)

    def _numbered(self, a: int, end: int) -> list[tuple[str, int, int]]:
        """Split ``1.名称2.名称`` (sequential numbers) between a and end; strip numbering and 《》."""
        c = self.c
        seg = c[a:end]
        m = re.match(r"1" + _NUMBERING + rf"(?=[{CJK}《“A-Za-z0-9])", seg)
        bounds = []
        if m:
            k, pos = 2, m.end()
            bounds.append((m.end(), None))
            while True:
                rx = re.compile(rf"(?<![\d\-—.．]){k}{_NUMBERING}(?=[{CJK}《“A-Za-z])")
                mm = rx.search(seg, pos)
                if not mm:
                    break
                bounds[-1] = (bounds[-1][0], mm.start())
                bounds.append((mm.end(), None))
                pos, k = mm.end(), k + 1
            bounds[-1] = (bounds[-1][0], len(seg))
        else:
            bounds = [(0, len(seg))]
        out = []
        for s, e in bounds:
            name = seg[s:e]
            name2 = name.strip("；;。，,、 ")
            if name2.startswith("《") and name2.endswith("》"):
                name2 = name2[1:-1]
            if name2:
                off = seg.find(name2, s)
                out.append((name2, a + off, a + off + len(name2)))
        return out

    def _cc(self, body_start: int, stops: list) -> None:
        """抄送：, 抄报：, 分送： lists (a 版记 may carry 抄报 to upper organs and 抄送 to others): all of them, in order."""
        c = self.c
        items: list[tuple[str, int, int]] = []
        last = -1
        for _, a in self._labels("CC", body_start):
            if a < last:
                continue
            end = self._stop_after(a, stops, ("。",))
            for it in self._split_items(c[a:end], a):
                if it[0] not in {x for x, _, _ in items}:
                    items.append(it)
            last = end
        if items:
            self.put_list("cc", items, "cc.label")

    def _split_items(self, seg: str, off: int) -> list[tuple[str, int, int]]:
        """Addressees of a list; an item fused from two organ names (PDF lost the 、) is split as well."""
        out = []
        for x, y in self.lex.split_list_spans(seg):
            item = seg[x:y]
            parts = self.lex.segment_orgs(item) if "、" not in item else None
            if parts and len(parts) > 1 and all(self.lex._kind(p) == "distinct" for p in parts):
                for nm, a, b in self._locate(parts, off + x):
                    out.append((nm, a, b))
            elif item:
                out.append((item, off + x, off + y))
        return out

    # web metadata and contacts ------------------------------------------------------------------------
    def _web_meta(self) -> None:
        v = self.page_value("索引号")
        if v:
            self.put("index_number", v, None, None, "page_meta")
        else:
            for a, b in self._labels("INDEX", 0)[:1]:
                m = re.match(r"[0-9A-Za-z/\-]{6,40}", self.c[b:])
                if m:
                    self.put("index_number", m.group(0), b, b + m.end(), "label.index")
        for field, keys in (("publish_date", ("发布日期", "发布时间", "公开日期")),
                            ("expiry_date", ("废止日期", "失效日期"))):
            v = _parse_date(self.page_value(*keys))
            if v:
                self.put(field, v, None, None, "page_meta")

    def _contact_name(self, b: int) -> tuple[str | None, int]:
        """(name, compact end) of the person after a 联系人 label at ``b``; an office before the name is skipped:
        ``联系人：特种设备安全监察处 钱伟，电话…`` → 钱伟 (the space, or the office's organ suffix, ends it)."""
        c = self.c
        m = _NAME_RUN.match(c, b, min(len(c), b + 24))
        if not m:
            m = re.match(rf"([{CJK}X]{{2,4}}?)(?=[，,、；;：:（(电联手0-9]|$)", c[b:b + 8])
            return (m.group(1), b + m.end()) if m else (None, b)
        run, e = m.group(0), m.end()
        # the original text's breaks split an office from the person (处室 姓名); the name is the last piece
        cuts = [j - b for j in self.cp.breaks if b < j < e]
        if len(run) <= 4 and not cuts:
            return run, e
        if cuts and 2 <= e - (b + cuts[-1]) <= 4:
            return run[cuts[-1]:], e
        for k in (len(run) - 3, len(run) - 2):  # 综合处王五: an organ-suffixed office, then a 2–3 character name
            if k >= 2 and self.lex.ends_as_org(run[:k]) and _PERSON.fullmatch(run[k:]):
                return run[k:], e
        if len(run) <= 4:
            return run, e
        return None, b

    def _contacts(self, body_start: int) -> None:
        """联系人 lines: name, phone and e-mail of each (labels from notice_spans.jsonl)."""
        c = self.c
        out: list[Contact] = []
        spans = []

        def add(ct: Contact, a: int, b: int) -> None:
            if not (ct.name or ct.phone or ct.email):
                return
            if any((x.name, x.phone, x.email) == (ct.name, ct.phone, ct.email) for x in out):
                return
            out.append(ct)
            spans.append(list(self.cp.span(a, b)))

        for a, b in self._labels("CONTACT", body_start):
            if b < len(c) and c[b] in "、，,和及与":
                continue  # 联系人、联系方式 in running text names a field, not a contact
            name, name_end = self._contact_name(b)
            window = c[b:b + 60]
            nxt = re.search("联系人", window[2:])
            if nxt:
                window = window[:nxt.start() + 2]
            pm = _PHONE.search(window)
            em = _EMAIL.search(window)
            end = max(b + max(pm.end() if pm else 0, em.end() if em else 0), name_end)
            add(Contact(name=name, phone=pm.group(0) if pm else None,
                        email=em.group(0) if em else None), a, end)
        if not out:
            for a, b in self._labels("PHONE", body_start)[:3]:
                pm = _PHONE.match(c, b) or _PHONE.search(c[b:b + 20])
                if pm:
                    ph = pm.group(0)
                    add(Contact(phone=ph), a, b + len(ph))
        for m in _EMAIL.finditer(c, body_start):
            if any(x.email == m.group(0) for x in out):
                continue
            if out and out[-1].email is None and m.start() - self.cp.cidx(spans[-1][1]) < 40:
                out[-1].email = m.group(0)
            else:
                add(Contact(email=m.group(0)), m.start(), m.end())
        if out:
            self.n.contacts = out
            self.n.spans["contacts"] = spans
            self.n.rules["contacts"] = "contacts.label"


_NAME_RUN = re.compile(rf"[{CJK}X]{{2,24}}(?=[，,、；;：:（(电联手0-9]|$)")
_PERSON = re.compile(rf"[{CJK}X]{{2,4}}")


def extract_notice(text: str, meta: dict | None = None, doc_numbers=None, labels=None,
                   lex: Lexicon | None = None) -> Notice:
    """All notice fields of ``text``; ``meta["page_meta"]`` (web metadata) fills what the text lacks.

    ``doc_numbers`` (from :func:`find_doc_numbers`) and ``labels`` ((label, start, end) of 附件：/抄送：…)
    are what the pipeline's earlier components found; when omitted they are computed here.
    """
    if not text or not text.strip():
        n = Notice()
        return n
    return _Reader(text, meta or {}, doc_numbers, labels, lex or lexicon()).run()
