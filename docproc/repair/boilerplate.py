"""Site chrome, page metadata, paywall/truncation notes and table residue (CORRUPTION.md §D).

All patterns live in data files (``docproc/data/boilerplate_*``); they are written in simplified characters
and matched against a character-folded copy of the text, so ``發表時間`` and ``瀏覽次數`` match too.

* **Edge zones.** Page chrome sits above the first and below the last *body line* (≥ 40 characters, ≥ 20
  ideographs, Chinese sentence punctuation).  Chrome rules (breadcrumbs, nav bars, login/accessibility
  bars, counters, footers, share/print tools) only fire there, so the body of a notice is never touched.
* **Nav bars**: a line of short tokens (≤ 10 characters each) without sentence punctuation in which at
  least two tokens, and at least 40% of them, are nav items (``boilerplate_nav.txt``) — or every token is.
* **Page metadata**: a line of ``key: value`` pairs (``boilerplate_meta_keys.tsv``: 索引号, 文件编号,
  发布机构, 发布日期, …, and ``发表时间:2009/7/15 15:12:27``) is removed and its values are stored in
  ``ctx.facts["page_meta"]`` (key → value; a date/time under a time key is also stored as ``发布日期``).
  A line repeating the 信息名称/内容概述 value next to the metadata block goes too when the text says
  it elsewhere (the title cell of a 政府信息公开 table).
* **Truncation**: ``……(新文秘网…省略448字,正式会员可完整阅读)……`` → a zero-width ``truncated`` anchor
  ("the site omitted 448 characters here"); ``(未完,全文共1978字,当前仅显示1257字…`` → it and everything
  after it (文章搜索, 相关文章) is cut, leaving a ``truncated`` anchor.
* **Table residue**: lines of ``|`` only, one trailing/leading ``|``, and a layout-table header row whose
  cells are lines found elsewhere (``title docno |``).
* **Duplicated title**: the same short line twice at the top keeps one; a title line whose text starts
  the following flattened body line is dropped and the body line is split after the title.

>>> from docproc.markers import RepairContext, resolve
>>> ctx = RepairContext()
>>> page = ("您的位置:新文秘网>>创建活动/>>正文\\n开展 “建设满意单位”工作意见\\n发表时间:2009/7/15 15:12:27\\n"
...         "开展“建设满意单位”工作意见市直机关各单位:创建机关服务品牌是建设满意单位的一项具体工作抓手,近年来取得了很好的成效,服务群\\n"
...         "……(新文秘网http://120pk.cn省略448字,正式会员可完整阅读)……\\n的发展变化,服务工作要不断更新发展,不断追求更高的目标,"
...         "使服务工作不断达到新的水平。要精心组织服务品牌的实 ……(未完,全文共1978字,当前仅显示1257字,请阅读下面提示信息。\\n文章搜索\\n相关文章")
>>> out, changes = fix(page, ctx)
>>> text, issues = resolve(out, ctx)
>>> print(text)
开展“建设满意单位”工作意见
市直机关各单位:创建机关服务品牌是建设满意单位的一项具体工作抓手,近年来取得了很好的成效,服务群
的发展变化,服务工作要不断更新发展,不断追求更高的目标,使服务工作不断达到新的水平。要精心组织服务品牌的实
>>> [(i.code, i.message) for i in issues]
[('truncated', 'the site omitted 448 characters here'), ('truncated', 'the site truncated the text: 1257 of 1978 characters shown')]
>>> ctx.facts["page_meta"]
{'发表时间': '2009/7/15 15:12:27', '发布日期': '2009/7/15 15:12:27'}
>>> fix("各单位：\\n一、总体要求\\n联系我们要及时报告。", RepairContext())[1]
[]
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from ..markers import RepairContext
from ..model import Change
from ._chars import ANCHORS, HAN, load_data_lines

NAME = "boilerplate"

_ANCHOR_RE = re.compile(f"[{ANCHORS}]")
_ONLY_ANCHORS = re.compile(f"^[ \t]*[{ANCHORS}]+[ \t]*$")
_HAN_RE = re.compile(f"[{HAN}]")
_SENTENCE = re.compile(r"[，。；！？]|[,;]\S")
_PIPES_ONLY = re.compile(r"^[\s|｜]+$")
_EDGE_PIPE = re.compile(r"^\s*[|｜]\s*|\s*[|｜]\s*$")
_WS = re.compile(r"\s+")
_DATETIME = re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_TOKEN_SPLIT = re.compile(r"[\s|｜]+")


def _data(name: str) -> str:
    return resources.files("docproc").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Traditional/variant → simplified, for the characters the pattern files use."""
    import opencc

    chars = set()
    for name in ("boilerplate_patterns.tsv", "boilerplate_nav.txt", "boilerplate_meta_keys.tsv"):
        chars.update(c for c in _data(name) if _HAN_RE.match(c))
    table: dict[int, str] = {}
    for cfg in ("s2t", "s2tw", "s2hk"):
        conv = opencc.OpenCC(f"{cfg}.json")
        for c in chars:
            t = conv.convert(c)
            if len(t) == 1 and t != c:
                table[ord(t)] = c
    for line in load_data_lines("boilerplate_fold.tsv"):
        trad, simp = line.split("\t")[:2]
        table[ord(trad)] = simp
    return table


def fold(text: str) -> str:
    """Same length as ``text``: pattern characters in traditional form replaced by simplified ones.

    >>> fold("發表時間:2009 瀏覽次數")
    '发表时间:2009 浏览次数'
    """
    return text.translate(_fold_table())


@lru_cache(maxsize=1)
def _rules():
    rules = []
    for line in load_data_lines("boilerplate_patterns.tsv"):
        kind, zone, rx, msg = line.split("\t")
        rules.append((kind, zone, re.compile(rx), msg))
    return rules


@lru_cache(maxsize=1)
def _nav() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in load_data_lines("boilerplate_nav.txt")))


@lru_cache(maxsize=1)
def _meta():
    keys: dict[str, tuple[str, str]] = {}
    for line in load_data_lines("boilerplate_meta_keys.tsv"):
        key, strength, canon = line.split("\t")
        keys[key] = (strength, canon)
    alts = []
    for key in sorted(keys, key=len, reverse=True):
        # a key character may be an anchor (a character lost before this fixer), keys may be letter-spaced
        alts.append("[ \t\u2002\u3000]*".join(f"(?:{re.escape(c)}|[{ANCHORS}])" for c in key))
    rx = re.compile(f"({'|'.join(alts)})[ \t]*[:：]")
    return keys, rx


def _key_of(matched: str, keys) -> str | None:
    k = _WS.sub("", matched)
    if k in keys:
        return k
    # anchors stood in for characters: find the key of the same length that agrees elsewhere
    for key in keys:
        if len(key) == len(k) and all(a == b or _ANCHOR_RE.match(a) for a, b in zip(k, key)):
            return key
    return None


def _parse_meta(line: str, folded: str) -> dict[str, str] | None:
    """``{canonical key: value}`` when the whole line is metadata pairs, else None."""
    keys, rx = _meta()
    ms = list(rx.finditer(folded))
    if not ms or folded[:ms[0].start()].strip():
        return None
    pairs: list[tuple[str, str, str]] = []
    for n, m in enumerate(ms):
        key = _key_of(m.group(1), keys)
        if key is None:
            return None
        end = ms[n + 1].start() if n + 1 < len(ms) else len(line)
        value = line[m.end():end].strip().strip("|｜").strip()
        pairs.append((key, keys[key][0], value))
    strong = any(s == "strong" for _, s, _ in pairs)
    timed = any(s == "time" and _DATETIME.match(v) for _, s, v in pairs)
    if not (strong or timed):
        return None
    out: dict[str, str] = {}
    for key, strength, value in pairs:
        value = _ANCHOR_RE.sub("□", value)
        canon = keys[key][1]
        if value:
            out.setdefault(canon, value)
            if strength == "time" and _DATETIME.match(value):
                out.setdefault("发布日期", value)
    return out


def _is_nav(folded: str) -> bool:
    if _SENTENCE.search(folded):
        return False
    tokens = [t for t in _TOKEN_SPLIT.split(folded.strip()) if t]
    if not tokens or any(len(t) > 10 for t in tokens):
        return False
    nav = _nav()
    hits = sum(1 for t in tokens if nav.fullmatch(t))
    return hits == len(tokens) or (hits >= 2 and hits >= 0.4 * len(tokens))


def _is_body(line: str) -> bool:
    return len(line) >= 40 and len(_HAN_RE.findall(line)) >= 20 and bool(_SENTENCE.search(line))


def _nospace(s: str) -> str:
    return _WS.sub("", s).strip("|｜")


def _truncations(text: str, ctx, changes: list[Change]) -> str:
    folded = fold(text)
    for kind, _zone, rx, msg in _rules():
        if kind not in ("omit", "cut"):
            continue
        m = rx.search(folded)
        while m:
            message = msg.format(**{k: v for k, v in m.groupdict().items() if v is not None})
            anchor = ctx.anchor("truncated", message, width=0, fixer=NAME)
            end = len(text) if kind == "cut" else m.end()
            changes.append(Change(text[m.start():end], "", m.start()))
            text = text[:m.start()] + anchor + text[end:]
            folded = folded[:m.start()] + anchor + folded[end:]
            m = rx.search(folded, m.start() + 1) if kind == "omit" else None
    return text


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if ctx is None:
        ctx = RepairContext()
    lines = text.split("\n")
    body = [i for i, ln in enumerate(lines) if _is_body(ln)]
    has_edges = not body or body[0] > 0 or body[-1] < len(lines) - 1
    if not has_edges and "|" not in text and "省略" not in text and "未完" not in text:
        return text, []
    changes: list[Change] = []
    if "省略" in text or "未完" in text:
        text = _truncations(text, ctx, changes)
        lines = text.split("\n")
        body = [i for i, ln in enumerate(lines) if _is_body(ln)]
    first, last = (body[0], body[-1]) if body else (len(lines), -1)
    facts = ctx.facts.setdefault("page_meta", {})
    line_rules = [(zone, rx) for kind, zone, rx, _ in _rules() if kind == "line"]
    offsets = []
    pos = 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    keep: list[str | None] = []
    meta_at: set[int] = set()
    nospace_lines = {_nospace(ln) for ln in lines}
    for i, line in enumerate(lines):
        edge = i < first or i > last
        stripped = line.strip()
        folded = fold(stripped)
        drop = False
        if stripped and _PIPES_ONLY.match(stripped):
            drop = True
        elif edge and stripped:
            if any(rx.fullmatch(folded) for _z, rx in line_rules):
                drop = True
            elif _is_nav(folded):
                drop = True
            else:
                meta = _parse_meta(stripped, folded)
                if meta is not None:
                    for k, v in meta.items():
                        facts.setdefault(k, v)
                    meta_at.add(i)
                    drop = True
        elif not edge and any(z == "any" and rx.fullmatch(folded) for z, rx in line_rules):
            drop = True
        if not drop and "|" in stripped:
            cells = [c for c in _TOKEN_SPLIT.split(stripped) if c]
            if len(cells) >= 2 and all(c in nospace_lines and c != _nospace(stripped) for c in cells):
                drop = True  # layout-table header row repeating lines found elsewhere
            elif stripped.count("|") + stripped.count("｜") == 1:
                new = _EDGE_PIPE.sub("", line)
                if new != line:
                    changes.append(Change(line, new, offsets[i]))
                    line = new
        if drop:
            changes.append(Change(line, "", offsets[i]))
            keep.append(None)
        else:
            keep.append(line)
    _dedupe_top(keep, first, meta_at, facts, changes, offsets)
    out: list[str] = []
    pending = ""
    for line in keep:
        if line is None:
            continue
        if _ONLY_ANCHORS.match(line):
            if out:
                out[-1] += line.strip()  # an anchor on a line of its own joins the line before the cut
            else:
                pending += line.strip()  # ... or the first line after it
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    new_text = "\n".join(out)
    if not facts:
        ctx.facts.pop("page_meta", None)
    if new_text == text and not changes:
        return text, []
    return new_text, changes


def _dedupe_top(keep: list[str | None], first: int, meta_at: set[int], facts: dict, changes, offsets) -> None:
    """Duplicated title lines and title cells at the top of the page."""
    top = [i for i in range(min(first, len(keep))) if keep[i] is not None and keep[i].strip()]
    nxt = next((i for i in range(first, len(keep)) if keep[i] is not None), None) if first < len(keep) else None
    everything = [_nospace(ln) for ln in keep if ln is not None]
    meta_values = {_nospace(facts[k]) for k in ("信息名称", "内容概述", "标题") if k in facts}
    seen: dict[str, int] = {}
    for i in top:
        t = _nospace(keep[i])
        if not (4 <= len(t) <= 80) or _SENTENCE.search(t[:-1]):
            continue
        if t in seen:
            changes.append(Change(keep[i], "", offsets[i]))
            keep[i] = None
            continue
        seen[t] = i
        if t in meta_values and (i - 1) in meta_at:
            if any(t in other and other != t for other in everything) or everything.count(t) > 1:
                changes.append(Change(keep[i], "", offsets[i]))
                keep[i] = None
                continue
        later = [j for j in top if j > i and keep[j] is not None]
        follower = later[0] if later else nxt
        if follower is not None and keep[follower] is not None:
            body = keep[follower]
            nb = _nospace(body)
            if nb.startswith(t) and len(nb) > len(t):
                # the title is repeated at the head of the flattened body: keep it once, as its own line
                cut, seen_chars = 0, 0
                stripped = body.lstrip()
                lead = len(body) - len(stripped)
                for cut, ch in enumerate(stripped):
                    if seen_chars == len(t):
                        break
                    if not ch.isspace():
                        seen_chars += 1
                else:
                    cut = len(stripped)
                changes.append(Change(keep[i], "", offsets[i]))
                keep[i] = None
                keep[follower] = body[:lead + cut] + "\n" + body[lead + cut:]
