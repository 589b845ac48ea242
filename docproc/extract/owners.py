"""Owner phrases → lead / owners / partners.

Three places name who must do a task:

* a tag after the item: ``（省工业和信息化厅牵头，省发展改革委等部门配合）``, ``（市场监管总局负责）``,
  ``(责任单位:省水利厅牵头，…等部门分工负责)``, ``（工业和信息化部、发展改革委等负责。列第一位者为牵头单位，下同）``;
* a field line under an activity: ``实施部门：局公用处、城建处。``, ``责任单位：服务商、国网陕西信通公司``;
* the subject of the sentence: ``各地要…``, ``国家卫生健康委推行…``, ``由县级党委组织部门、民政部门会同纪委监委机关…``.

Units are split at 、/，/和/及 *between* units (``各县（市、区）`` and ``各市党委、政府`` stay whole) and returned without the
role words 牵头/负责/配合/参与/等部门/等单位.  Word lists live in ``models/patterns/`` (owner_roles.txt,
unit_suffixes.txt, owner_generic.txt, predicate_starts.txt, nonunit_words.txt) and are loaded once.

>>> p = parse_owner_phrase("省工业和信息化厅牵头，省发展改革委等部门配合")
>>> p.lead, p.owners, p.partners
('省工业和信息化厅', ['省工业和信息化厅', '省发展改革委'], ['省发展改革委'])
>>> parse_owner_phrase("责任单位:省应急厅牵头，省公安厅、省财政厅等部门分工负责").owners
['省应急厅', '省公安厅', '省财政厅']
>>> p = parse_owner_phrase("省发展改革委、省能源局按职责分工负责，各市党委、政府负责落实。以下各项任务均需各市党委、政府落实，不再一一列出")
>>> p.owners, p.sticky
(['省发展改革委', '省能源局', '各市党委、政府'], ['各市党委、政府'])
>>> p = parse_owner_phrase("工业和信息化部、发展改革委等负责。列第一位者为牵头单位，下同")
>>> p.owners, p.first_is_lead, p.lead
(['工业和信息化部', '发展改革委'], True, '工业和信息化部')
>>> parse_owner_phrase("国家发展改革委、财政部会同有关部门负责").owners
['国家发展改革委', '财政部', '有关部门']
>>> parse_owner_phrase("不含济南市莱芜区、钢城区") is None
True
>>> [u for u, _ in subject_owners("国家卫生健康委推行全国统一的疾病分类编码")]
['国家卫生健康委']
>>> [u for u, _ in subject_owners("由县级党委组织部门、民政部门会同纪委监委机关、政法、公安等部门（单位）进行联合审查")]
['县级党委组织部门', '民政部门', '纪委监委机关', '政法', '公安']
>>> subject_owners("全部关闭全省3万吨/年及以下8处煤矿")
[]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .headings import load_patterns


@lru_cache(maxsize=1)
def _data():
    roles = []
    for line in load_patterns("owner_roles.txt"):
        w, _, r = line.partition("\t")
        roles.append((w.strip(), (r or "owner").strip()))
    roles.sort(key=lambda x: -len(x[0]))
    suffixes = sorted(load_patterns("unit_suffixes.txt"), key=len, reverse=True)
    generic = set(load_patterns("owner_generic.txt"))
    preds = sorted(load_patterns("predicate_starts.txt"), key=len, reverse=True)
    nonunit = set(load_patterns("nonunit_words.txt"))
    starts = sorted(load_patterns("nonunit_starts.txt"), key=len, reverse=True)
    role_re = re.compile("(?:" + "|".join(re.escape(w) for w, _ in roles) + ")$")
    pred_re = re.compile("|".join(re.escape(w) for w in preds))
    return {
        "roles": roles, "role_map": dict(roles), "role_re": role_re, "suffixes": tuple(suffixes),
        "generic": generic, "pred_re": pred_re, "nonunit": nonunit,
        "start_re": re.compile("(?:" + "|".join(re.escape(w) for w in starts) + ")"),
    }


_ALIAS = re.compile(r"^(.+?)[（(](?:以下)?(?:简称|下称)[“\"]?([^”\"（）()]{2,20})[”\"]?[）)]$")
_ALIAS_END = re.compile(r"[（(](?:以下)?(?:简称|下称)[“\"]?([^”\"（）()]{2,20})[”\"]?[）)]$")
_TRAIL_PAREN = re.compile(r"[（(][^（）()]{1,12}[）)]$")

_QUOTED_NAME = re.compile(r"^[^“”]{1,12}“[^“”]{2,12}”[^“”]{2,16}$")
LEVELS = {"省", "市", "县", "区", "乡", "镇", "州", "市县", "县乡"}
# 各区县 / 各县区 / 各乡镇 / 各村（社区） / 县区: "各" + levels, or two levels; a bracket may qualify the last one
_LEVEL_NAME = re.compile(r"^(?:各(?:省|市|州|盟|县|区|旗|乡|镇|村|街道|社区){1,3}|(?!市区)(?:省|市|州|县|区|乡|镇){2,3})"
                         r"(?:[（(][^（）()]{1,8}[）)])?$")
BARE = {"政府", "人民政府", "部门", "单位", "党委", "机构"}
_TRAIL = re.compile(r"(?:等(?:有关|相关|[^、，。；等]{2,6}?)?(?:部门|单位|机构)?(?:（单位）|\(单位\))?"
                    r"|等\d{1,3}(?:家|个|所|类)[^、，。；]{0,12}?(?:机构|单位|部门|医院|企业|学校|高校))+$")
# 省、自治区、直辖市 / 省、市、自治区: one addressee scope, never split at its 、
_SCOPE_LIST = re.compile(r"(?:省|市)、(?:自治区|市)、(?:直辖市|自治区)(?:、计划单列市)?(?:、新疆生产建设兵团)?")
_SPLIT = re.compile(r"[、，,和及与或]")
_OPEN, _CLOSE = "（(", "）)"


@lru_cache(maxsize=4096)
def looks_like_unit(s: str) -> bool:
    """A phrase that can name a responsible unit: ends with a unit word and is not a common non-unit word.

    >>> looks_like_unit("省发展改革委"), looks_like_unit("各县（市、区）"), looks_like_unit("全部"), looks_like_unit("2021年")
    (True, True, False, False)
    >>> looks_like_unit("引导农业企业"), looks_like_unit("组织部门"), looks_like_unit("市委文明办（创城办）")
    (False, True, True)
    >>> looks_like_unit("各区县"), looks_like_unit("各村（社区）"), looks_like_unit("各乡镇"), looks_like_unit("你区")
    (True, True, True, True)
    >>> looks_like_unit("省“四减四增”工作办公室"), looks_like_unit("“四减四增”工作")
    (True, False)
    >>> looks_like_unit("全市"), looks_like_unit("各种"), looks_like_unit("农村"), looks_like_unit("乡村")
    (False, False, False, False)
    """
    d = _data()
    if not s or len(s) > 32:
        return False
    am = _ALIAS.match(s)
    if am:
        s = am.group(2)
    if re.search(r"[，。；：:;！？\d《》]", s) or (("“" in s or "”" in s) and not _QUOTED_NAME.match(s)):
        return False  # a closed quote inside a name is fine: 省“四减四增”工作办公室
    if s in d["generic"]:
        return True
    sm = d["start_re"].match(s)
    if sm and "的" not in s and len(s) - sm.end() >= 2 and s[sm.end():] not in BARE:
        return False  # a predicate, not a name: 引导农业企业, 召开党员大会 (but 组织部门, 监督组)
    if _LEVEL_NAME.match(s):
        return True  # 各区县, 各乡镇, 各村（社区）, 县区: administrative levels named as a whole
    pm = _TRAIL_PAREN.search(s)
    if pm and pm.start() >= 2:
        s = s[:pm.start()]  # 市委文明办（创城办）, 市通信发展管理办公室（市通管办）
        if s in d["generic"]:
            return True
    nonunit = d["nonunit"]
    if s in nonunit or (len(s) >= 3 and s[1:] in nonunit):
        return False
    if not s.endswith(d["suffixes"]):
        return False
    for suf in d["suffixes"]:  # longest first
        if s.endswith(suf):
            return len(s) > len(suf) or len(suf) >= 2
    return False


def split_units(s: str, base: int = 0) -> list[tuple[str, tuple[int, int]]]:
    """Split a list of units at 、，和及 at top level (not inside brackets), keeping ``X、政府`` style heads.

    >>> [u for u, _ in split_units("省发展改革委、省工业和信息化厅和各市党委、政府")]
    ['省发展改革委', '省工业和信息化厅', '各市党委、政府']
    >>> [u for u, _ in split_units("各县（市、区）供电公司及各通信运营商")]
    ['各县（市、区）供电公司', '各通信运营商']
    >>> [u for u, _ in split_units("各有关部门和单位")]
    ['各有关部门和单位']
    >>> [u for u, _ in split_units("移动公司、电信公司等龙岩分公司（简称“各通信运营商”）")]
    ['各通信运营商']
    >>> [u for u, _ in split_units("各级农业农村、财政部门")], [u for u, _ in split_units("有关省、自治区、直辖市")]
    (['各级农业农村、财政部门'], ['有关省、自治区、直辖市'])
    >>> [u for u, _ in split_units("财政、教育、卫生健康等部门（单位）")], [u for u, _ in split_units("各部门（单位）")]
    (['财政', '教育', '卫生健康'], ['各部门（单位）'])
    >>> [u for u, _ in split_units("山东省立医院、济南市妇幼保健院等8家省直定点医疗机构")]
    ['山东省立医院', '济南市妇幼保健院']
    """
    am = _ALIAS_END.search(s)
    if am:  # 移动公司、电信公司等龙岩分公司（简称“各通信运营商”） → the name the text uses from here on
        return [(am.group(1), (base + am.start(1), base + am.end(1)))]
    pieces: list[tuple[str, int, int, str]] = []  # text, start, end, separator before it
    depth, start, sep = 0, 0, ""
    keep = set()
    if "、" in s:
        for sm in _SCOPE_LIST.finditer(s):
            keep.update(range(sm.start(), sm.end()))
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and _SPLIT.match(ch) and i not in keep:
            pieces.append((s[start:i], start, i, sep))
            start, sep = i + 1, ch
    pieces.append((s[start:], start, len(s), sep))
    merged: list[list] = []
    for text, a, b, sp in pieces:
        if merged and (sp in "和及与或" and not looks_like_unit(merged[-1][0])):
            merged[-1] = [s[merged[-1][1]:b], merged[-1][1], b]
            continue
        if merged and text in BARE:
            merged[-1] = [s[merged[-1][1]:b], merged[-1][1], b]
            continue
        merged.append([text, a, b])
    # 市、县人民政府 / 省、市、县财政部门: a bare level shares the head of the next unit;
    # 各级农业农村、财政部门 / 国网陕西检修、建设公司: a piece that names no unit shares the head of the next one
    # (not in a collective list 财政、教育、卫生健康等部门, whose pieces are the units)
    collective = "等" in s[-12:]
    k = 0
    while k < len(merged) - 1:
        cur, nxt = merged[k][0], merged[k + 1][0]
        shared = cur in LEVELS and len(nxt) > 2 and looks_like_unit(nxt)
        if not shared and not collective and s[merged[k][2]: merged[k][2] + 1] == "、" and len(cur) >= 2 \
                and not looks_like_unit(cur) and looks_like_unit(nxt):
            shared = True
        if shared:
            merged[k] = [s[merged[k][1]:merged[k + 1][2]], merged[k][1], merged[k + 1][2]]
            del merged[k + 1]
            continue
        k += 1
    out = []
    for text, a, b in merged:
        t = _TRAIL.sub("", text)
        lead = len(text) - len(text.lstrip())
        t = t.strip()
        if t:
            out.append((t, (base + a + lead, base + a + lead + len(t))))
    return out


@dataclass
class OwnerPhrase:
    owners: list[str] = field(default_factory=list)
    lead: str | None = None
    partners: list[str] = field(default_factory=list)
    sticky: list[str] = field(default_factory=list)    # 以下均需X落实，不再列出 → appended to later tasks
    first_is_lead: bool = False                         # 列第一位者为牵头单位，下同
    spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, unit: str, span, role: str) -> None:
        if unit not in self.owners:
            self.owners.append(unit)
            self.spans.append(span)
        if role == "lead" and self.lead is None:
            self.lead = unit
        if role == "partner" and unit not in self.partners:
            self.partners.append(unit)


_FIELD_PREFIX = re.compile(r"^(?:责任单位|责任部门|牵头单位|牵头部门|实施部门|实施单位|承办单位|主办单位)[：:]")
_STICKY = re.compile(r"以下(?:各项)?(?:任务)?均需(.+?)(?:负责)?落实")
_CLAUSE = re.compile(r"[，,；;。]")


def parse_owner_phrase(s: str, base: int = 0) -> OwnerPhrase | None:
    """Parse the inside of an owner tag (or a 责任单位 field); ``None`` when it names no unit."""
    d = _data()
    p = OwnerPhrase()
    m = _FIELD_PREFIX.match(s)
    off = m.end() if m else 0
    pos = off
    found_role = bool(m)
    for cm in list(_CLAUSE.finditer(s, off)) + [None]:
        end = cm.start() if cm else len(s)
        clause = s[pos:end]
        cbase = base + pos
        pos = end + 1
        if not clause.strip():
            continue
        if "列第一位者为牵头" in clause or "排在第一位" in clause or clause.strip() in ("下同", "不再列出", "不再一一列出"):
            if "牵头" in clause:
                p.first_is_lead = True
            continue
        sm = _STICKY.search(clause)
        if sm:
            for u, _ in split_units(sm.group(1)):
                if looks_like_unit(u) and u not in p.sticky:
                    p.sticky.append(u)
            continue
        rm = d["role_re"].search(clause)
        role = d["role_map"][rm.group(0)] if rm else None
        body = clause[: rm.start()] if rm else clause
        if rm:
            found_role = True
        elif not m:
            # a clause without a role word: only acceptable inside a 责任单位 field
            continue
        # X会同Y负责 / X会同Y
        parts = re.split(r"会同|牵头[，,]?|协同", body)
        cur = 0
        for k, part in enumerate(parts):
            idx = body.find(part, cur)
            cur = idx + len(part)
            r = role if k == len(parts) - 1 else ("lead" if "牵头" in body[idx + len(part): idx + len(part) + 2] else "owner")
            units = split_units(part, cbase + idx)
            for u, sp in units:
                if not looks_like_unit(u):
                    return None if not p.owners else p
                p.add(u, sp, r or "owner")
    if not found_role or not p.owners:
        return None
    if p.first_is_lead and p.lead is None:
        p.lead = p.owners[0]
    return p


# an owner tag in brackets after an item
_TAG = re.compile(r"[（(]([^（）()]{2,160}(?:[（(][^（）()]{1,12}[）)][^（）()]{0,120})*)[）)]")
_TAG_HINT = re.compile(r"负责|牵头|配合|参与|指导|落实|责任单位|责任部门")
_FIELD = re.compile(r"(?:责任单位|责任部门|牵头单位|牵头部门|实施部门|实施单位)[：:][^。\n；]{1,150}?(?=完成时限|完成时间|时间[：:]|[。\n；]|$)")


@dataclass
class OwnerTag:
    span: tuple[int, int]
    phrase: OwnerPhrase
    kind: str      # tag | field


def find_owner_tags(text: str) -> list[OwnerTag]:
    """Bracketed owner tags and 责任单位/实施部门 fields, in document order.

    >>> [t.phrase.owners for t in find_owner_tags("推广绿色包装。（商务部指导，供销合作总社参与）实施部门：局公用处、城建处。")]
    [['商务部', '供销合作总社'], ['局公用处', '城建处']]
    """
    out = []
    for m in _TAG.finditer(text):
        inner = m.group(1)
        if not _TAG_HINT.search(inner):
            continue
        p = parse_owner_phrase(inner, m.start(1))
        if p:
            out.append(OwnerTag((m.start(), m.end()), p, "tag"))
    for m in _FIELD.finditer(text):
        if any(t.span[0] <= m.start() < t.span[1] for t in out):
            continue
        p = parse_owner_phrase(m.group(0), m.start())
        if p:
            out.append(OwnerTag((m.start(), m.end()), p, "field"))
    out.sort(key=lambda t: t.span[0])
    return out


_LEAD_IN = re.compile(r"^(?:请|希望|望|经|今年，|同时，|此外，|另外，)")
_BY = re.compile(r"由(?=[^，。；]{2,40})")
_NAME_CONT = re.compile(r"部门|部[、，）)]|机构|机关|单位")
_WITH = re.compile(r"(?:会同|联合|与|和)(?=[^，。；]{2,60})")
_WITH_MODAL = re.compile(r"(?:要|应|须|将|负责)?(?:会同|联合|与)(?=[^，。；]{2,60})")


def subject_owners(sentence: str, base: int = 0, strong: bool = False,
                   at_start: bool = False) -> list[tuple[str, tuple[int, int]]]:
    """Units named as the subject of a sentence (``X要…``, ``X负责…``, ``由X会同Y…``); ``[]`` if none.

    ``strong``: only a subject followed by a modal of duty (要/应/须/负责/牵头), as used for the clause after
    a comma (``按照…要求，市、县人民政府要…``); ``at_start``: only a subject that opens the sentence.

    >>> [u for u, _ in subject_owners("按照方案要求，市、县人民政府要组织召开工作协调会议")]
    ['市、县人民政府']
    >>> [u for u, _ in subject_owners("所需资金由电力公司和国有林场共同承担")]
    ['电力公司', '国有林场']
    """
    s = sentence
    lead = 0
    m = _LEAD_IN.match(s)
    if m:
        lead = m.end()
    if not strong:
        for bym in _BY.finditer(s):
            got = _first_chain(s, bym.end(), base)
            if got:
                return got
    got = _first_chain(s, lead, base, strong)
    if got or strong or at_start:
        return got or []
    for cm in _COMMA.finditer(s, 0, 60):
        got = _first_chain(s, cm.end(), base, True)
        if got:
            return got
    return []


_COMMA = re.compile(r"[，,]")
_STRONG = re.compile(r"要|应|须|必须|负责|牵头|承担")


def _first_chain(s: str, lead: int, base: int, strong: bool = False):
    d = _data()
    # a long list of units (省政府办公厅、住房城乡建设厅、…等省级主管部门牵头) runs past the usual reach
    reach = 160 if s.count("、", lead, lead + 45) >= 2 else 45
    for pm in d["pred_re"].finditer(s, lead, min(len(s), lead + reach)):
        if pm.start() <= lead or _NAME_CONT.match(s, pm.end()) or _false_pred(s, pm):
            continue
        if strong and not _STRONG.match(s, pm.start()):
            continue
        units = _unit_chain(s[lead: pm.start()], base + lead)
        if not units:
            continue
        if len(units) == 1 and len(units[0][0]) <= 3 and units[0][0] in d["generic"] and not _STRONG.match(s, pm.start()):
            # 国家组织药品集中采购和使用试点工作小组办公室要…: a name that opens with a generic word and a verb
            for pm2 in d["pred_re"].finditer(s, pm.end() + 2, min(len(s), lead + 40)):
                if _STRONG.match(s, pm2.start()) and not _false_pred(s, pm2):
                    longer = _unit_chain(s[lead: pm2.start()], base + lead)
                    if longer and len(longer) == 1:
                        units, pm = longer, pm2
                    break
        wm = _WITH_MODAL.match(s, pm.start())
        if wm:
            more = _first_chain(s, wm.end(), base) or (
                leading_units(s, wm.end(), base) if s[wm.end() - 2: wm.end()] in ("会同", "联合") else None)
            if more:
                units += more
        return units
    return None


_LIST_SEP = "、和及与"
_NAME_PAREN = re.compile(r"[（(][^（）()，。；]{1,12}[）)]")
_NOT_NAME_START = set("报从含向对在于把将被给由的所")


def _extend_head(s: str, i: int, end: int, suffixes: tuple) -> int:
    """``有关部`` → ``有关部门``, ``各区`` → ``各区政府``: a suffix word running across ``end`` or a bare head after it."""
    for w in suffixes:
        if len(w) < 2:
            continue
        for j in range(1, len(w)):
            if s.startswith(w, end - j) and end - j + len(w) > end and looks_like_unit(s[i:end - j + len(w)]):
                return end - j + len(w)
    for bare in sorted(BARE, key=len, reverse=True):
        if s.startswith(bare, end) and looks_like_unit(s[i:end + len(bare)]):
            return end + len(bare)
    return end


def leading_units(s: str, pos: int, base: int = 0) -> list[tuple[str, tuple[int, int]]]:
    """The units that open ``s[pos:]`` when no predicate word marks where they end (``会同各区政府摸清底数``,
    ``会同有关部门组成督导组``): the shortest name ending like a unit, extended by a bare head (政府, 部门)
    and across list separators.

    >>> [u for u, _ in leading_units("会同各区政府摸清改造底数", 2)]
    ['各区政府']
    >>> [u for u, _ in leading_units("会同有关部门组成督导组", 2)]
    ['有关部门']
    >>> [u for u, _ in leading_units("会同市财政局、市税务局研究出台办法", 2)]
    ['市财政局', '市税务局']
    >>> leading_units("会同推进", 2)
    []
    >>> [u for u, _ in leading_units("各省（自治区、直辖市）治理工作方案等情况", 0)]
    ['各省（自治区、直辖市）']
    """
    d = _data()
    out = []
    i = pos
    stop = min(len(s), pos + 60)
    m = re.compile(r"[，。；,;：:]").search(s, pos, stop)
    if m:
        stop = m.start()
    while i < stop:
        end = None
        for j in range(i + 2, min(stop, i + 24) + 1):
            cand = s[i:j]
            if cand.endswith(d["suffixes"]) and looks_like_unit(cand):
                end = j
                break
        if end is None:
            break
        if s[i] in _NOT_NAME_START:
            break
        end = _extend_head(s, i, end, d["suffixes"])
        bm = _NAME_PAREN.match(s, end, stop)
        if bm:
            end = bm.end()  # 市委文明办（市创城办）, 各省（自治区、直辖市）
        out.append((s[i:end], (base + i, base + end)))
        if end < stop and s[end] in _LIST_SEP:
            i = end + 1
            continue
        break
    return out


# a predicate word that is really part of a longer word: 主要/重要/需要, 相应/供应, 所在/存在/正在, 由于/关于…
_FALSE_BEFORE = {"要": "主重需只紧必想", "应": "相供对响适反效呼回", "在": "所存现正实", "于": "属由基至",
                 "对": "针相面核应绝", "与": "参给", "需": "所必急", "将": "即", "按": "", "可": "许认",
                 "请": "申邀提敬聘宴报"}
_FALSE_AFTER = {"要": "求点素件害", "应": "用急", "对": "象接照", "于": "是"}


def _false_pred(s: str, pm: re.Match) -> bool:
    """``主要负责人`` is not ``主`` + ``要``; ``项目所在区域`` is not ``项目所`` + ``在``.

    >>> import re as _re
    >>> _false_pred("经企业主要负责人签字", _re.search("要", "经企业主要负责人签字"))
    True
    """
    w = pm.group(0)
    before = s[pm.start() - 1] if pm.start() else ""
    after = s[pm.end(): pm.end() + 1]
    return bool((before and before in _FALSE_BEFORE.get(w, "")) or (after and len(w) == 1 and after in _FALSE_AFTER.get(w, "")))


_INNER_PRED = re.compile(r"会同|牵头|负责|配合|参与|要|应当|进行|按照|[对将在于是]")


def _unit_chain(s: str, base: int) -> list[tuple[str, tuple[int, int]]] | None:
    s2 = s.rstrip()
    if not s2 or (len(s2) > 60 and s2.count("、") < 3) or len(s2) > 160 or _INNER_PRED.search(s2.replace("对外", "").replace("所在", "")):
        return None
    d = _data()
    tail = _TRAIL.sub("", s2)
    if not (tail.endswith(d["suffixes"]) or tail in d["generic"] or tail[-1:] in "）)" or tail != s2
            or _LEVEL_NAME.match(tail)):
        return None  # cheap pre-check: the last name must end like a unit
    rel = _REL_LEAD.match(s2)
    if rel:  # 所涉及的省政府办公厅、…: the relative clause qualifies the list, the names follow it
        s2, base = s2[rel.end():], base + rel.end()
    units = split_units(s2, base)
    if not units:
        return None
    if all(looks_like_unit(u) for u, _ in units):
        return units
    if _COLLECTIVE.search(s2) and len(units) > 1 and (looks_like_unit(units[0][0]) or len(units[0][0]) <= 8) \
            and not d["start_re"].match(units[0][0]):
        return units  # 财政、发展改革、教育等部门: the pieces of a collective list are units by themselves
    return None


_REL_LEAD = re.compile(r"^所[^、，。；的]{1,4}的(?=[^、，。；]{2})")
_COLLECTIVE = re.compile(r"等(?:有关|相关|[^、，。；等]{2,6}?)?(?:部门|单位|机构)(?:（单位）|\(单位\))?$")


_POSSESSIVE = re.compile(r"^([^，。；的]{2,40}?)(?:的|开展)")
_REPORTED = re.compile(r"^[^，。；]{4,60}?(?:情况|材料|总结|报告)[，,]")


def possessive_owners(sentence: str, base: int = 0) -> list[tuple[str, tuple[int, int]]]:
    """``X的实施方案于8月底前报…`` / ``各市换届工作开展情况，请于…报…``: the units that own the reported item.

    >>> [u for u, _ in possessive_owners("机关各有关处室和各单位的实施方案于8月底前报局办公室")]
    ['机关各有关处室', '各单位']
    >>> possessive_owners("服务品牌的内涵和要求")
    []
    >>> [u for u, _ in possessive_owners("各省（自治区、直辖市）治理工作方案、摸底排查等情况，要及时报送联合办公室")]
    ['各省（自治区、直辖市）']
    """
    m = _POSSESSIVE.match(sentence)
    if not m or not re.search(r"报|送|交", sentence[m.end():]):
        rm = _REPORTED.match(sentence)
        if rm and re.search(r"报|送|交", sentence[rm.end():]):
            return leading_units(sentence, 0, base)  # 各省（自治区、直辖市）治理工作方案…等情况，要及时报送…
        return []
    return _unit_chain(m.group(1), base) or []
