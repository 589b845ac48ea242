"""Undo the PHP-mbstring CP936 "tag-eating" shift (CORRUPTION.md §A; seeds 003 and 004).

A UTF-8 page read by libmbfl's buggy CP936 decoder loses the ``<`` of a tag whenever the preceding
character's last byte lands on a lead position: that character comes out **one code point too low** (its
last UTF-8 byte − 1; full-width forms were then folded to ASCII), or as ``?`` when the borrowed table cell is
empty (last byte 0x81 or 0xA5–0xB0), and the rest of the tag stays in the text.  This fixer inverts the
mechanism: for each tag remnant it restores the character before it (verified with the byte model in
:mod:`._cp936`) and removes the remnant; ``?`` + entity name (``?ensp;``) is a lost character plus the entity;
lost characters are filled from duplicated fields, fixed phrases, dates and a word-frequency window (with
document evidence, collocations and the attachment-title position) when the evidence is strong, and otherwise
marked ``lost_chars``.  A dropped opening quote (an intact ``&ldquo;``
vanishes) is restored after the clause verb.

>>> from docproc.markers import RepairContext, resolve
>>> fix_text = lambda s: resolve(fix(s, RepairContext())[0], RepairContext())[0]
>>> fix_text('常建〓span lang="EN-US">2006〔span lang="EN-US">166叶/td>')
'常建〔2006〕166号'
>>> fix_text('局属各单位,机关各处室9span lang="EN-US">')  # ９ folded to 9 → ：
'局属各单位,机关各处室：'
>>> fix_text('具有推广价值的服务品牌\\'/span>包括')  # （ → ＇ → ' ; the full-width form comes back
'具有推广价值的服务品牌（包括'
>>> fix_text('二、活动重炸/span>')
'二、活动重点'
>>> fix_text('2015平/span>6朇/span>9?/span>')  # 日 = E6 97 A5 became ?: filled by the date rule
'2015年6月9日'
>>> fix_text('普通的文本，没有标签。')  # clean text is untouched
'普通的文本，没有标签。'
>>> fix_text('<b>粗体</b>照常')  # real tags are not remnants
'<b>粗体</b>照常'
"""
from __future__ import annotations

import html.entities
import math
import operator
import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache

from ..model import Change
from . import lexicon
from ._cp936 import lost_before_tag, shift_target

NAME = "tagshift"

LOST = "\ufdd0"  # internal placeholder for a lost character (a Unicode noncharacter)
_HANZI = re.compile(r"[\u3400-\u9fff]")


# HTML attributes: ASCII names, optional values (quoted or bare)
_ATTRS = r"""(?:\s+[a-z_:][-\w:.]*(?:\s*=\s*(?:"[^"\n<>]*"|'[^'\n<>]*'|[^\s"'<>]+))?)*"""


@lru_cache(maxsize=1)
def _patterns():
    tags = sorted(lexicon.read_list("repair_html_tags.txt"), key=len, reverse=True)
    remnant = (
        r"(?:/?(?:%s)|/?[a-z][a-z0-9]*:[a-z][a-z0-9]*)(?=[\s/>])%s\s*/?>" % ("|".join(tags), _ATTRS)
        + r"|\?xml:?[a-z]*%s\s*/?>|!--[^\n]*?-->" % _ATTRS
    )
    # '?name;': any name here, checked against the HTML5 entity names by _scan (an alternation of the 2,125
    # names costs ≈ 15 ms to compile)
    scan = re.compile(r"(?P<prev>[^\s<])(?P<rem>%s)|\?(?P<ent>[a-z][a-z0-9]*;)" % remnant, re.I)
    return scan, re.compile(r"<[A-Za-z/!?][^<>]*>")


def _entity_names() -> list[str]:
    return sorted((k[:-1] for k in html.entities.html5 if k.endswith(";") and k[:-1].isalnum()), key=len,
                  reverse=True)


@lru_cache(maxsize=1)
def _entity_set() -> frozenset[str]:
    return frozenset(e.lower() for e in _entity_names())


@lru_cache(maxsize=1)
def _entity_regex() -> re.Pattern:
    return re.compile(r"\?(?:%s);" % "|".join(re.escape(e) for e in _entity_names()), re.I)


def _is_entity(ent: str) -> bool:
    """``name;`` is an HTML5 entity, compared as ``re.I`` compares (a non-ASCII name — ``re.I`` lets ``[a-z]``
    match ſ, K, İ, ı — goes through the full alternation).

    >>> _is_entity('ensp;'), _is_entity('RDQUO;'), _is_entity('spanx;'), _is_entity('en\u017fp;')
    (True, True, False, True)
    """
    name = ent[:-1]
    if name.isascii():
        return name.lower() in _entity_set()
    return _entity_regex().fullmatch("?" + ent) is not None


def _scan(text: str):
    """The remnant / ``?entity;`` matches of :func:`_patterns`, left to right, as one regex with the entity
    names spelled out would find them: a ``?name;`` that is no entity is skipped and the search resumes one
    character further."""
    scan, pos = _patterns()[0], 0
    while True:
        m = scan.search(text, pos)
        if m is None:
            return
        if m.group("ent") is not None and not _is_entity(m.group("ent")):
            pos = m.start() + 1
            continue
        yield m
        pos = m.end()


# cheap pre-check: a tag-name remnant glued to a preceding non-space char, or a '?entity;'
_PRECHECK = re.compile(r"[^\s<][/?]?[a-zA-Z][a-zA-Z0-9:]*(?:[\s/][^<>\n]*?)?>|\?[a-zA-Z]{2,8};")


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if (">" not in text and "?" not in text) or not _PRECHECK.search(text):
        return text, []
    real_tag = _patterns()[1]
    real = [m.span() for m in real_tag.finditer(text)] if "<" in text else []
    starts = [a for a, _ in real]
    hits = []
    for m in _scan(text):
        if real:  # inside a real tag (the spans do not overlap: the last one starting at or before m)
            k = bisect_right(starts, m.start()) - 1
            if k >= 0 and m.start() < real[k][1]:
                continue
        hits.append(m)
    # evidence: at least one remnant explained by the byte model (or a '?' / '?entity;')
    if not any(m.group("ent") or _explain(m.group("prev")) is not None or m.group("prev") == "?" for m in hits):
        return text, []
    return _Repair(text, hits, ctx).run()


def _explain(prev: str) -> str | None:
    """The character that, shifted by the bug, gives ``prev`` (None when the byte model cannot explain it)."""
    o = ord(prev)
    if 0x21 <= o <= 0x7E:  # folded full-width form: the shifted full-width char was U+FF01..FF5E
        cand = chr(o + 0xFEE1)
        return cand if o + 0xFEE1 <= 0xFF5E and shift_target(cand) == chr(o + 0xFEE0) else None
    if o >= 0x80:
        cand = chr(o + 1)
        return cand if shift_target(cand) == prev else None
    return None


class _Lost:
    __slots__ = ("kind", "swallowed", "at", "fill", "fill_byte", "how")

    def __init__(self, kind: str, swallowed: str | None, at: int):
        self.kind = kind  # 'tag': became ? before '<' (byte constraint) | 'through': ? + swallowed ASCII byte
        self.swallowed = swallowed  # the swallowed ASCII byte when known ('&'), None when unknown, '' none
        self.at = at
        self.fill: str | None = None
        self.fill_byte: str | None = None
        self.how = ""


class _Repair:
    def __init__(self, text: str, hits, ctx):
        self.src, self.hits, self.ctx = text, hits, ctx
        self.changes: list[Change] = []
        self.out: list[str] = []  # one element per output "slot"
        self.lost: dict[int, _Lost] = {}  # slot index → lost item
        self._base: dict[int, int] = {}  # slot index → offset in the source
        # the document as the guessing rules see it (lost slots as LOST or their fill), kept per slot in
        # ``_txt`` and per segment (see :meth:`_segments`); it changes only after a rule filled slots
        self._txt: list[str] = []
        self._grams: tuple[Counter, dict[str, float]] | None = None  # (word counts, bonus) of the document
        self._version = 0  # bumped whenever a fill may change the dates of the document
        self._dates_cache: tuple[int, list] | None = None
        self._budget = 0  # characters of document the guesses may still scan (see _WORK_PER_CHAR)
        self._changed: list[int] = []  # slots the last successful rule filled

    # ---- phase 1: exact inversions -------------------------------------------------------------------
    def run(self) -> tuple[str, list[Change]]:
        pos = 0
        for m in self.hits:
            self._plain(self.src[pos:m.start()], pos)
            if m.group("ent"):
                ent = m.group("ent")
                self._add_lost("through", "", m.start())
                self.out.append(html.unescape("&" + ent))
                self.changes.append(Change(ent, html.unescape("&" + ent), m.start() + 1))
            else:
                prev, rem = m.group("prev"), m.group("rem")
                if prev == "?":
                    self._add_lost("tag", "", m.start())
                else:
                    cand = _explain(prev)
                    self.out.append(cand or prev)
                    self.changes.append(Change(prev + rem, cand or prev, m.start()))
            pos = m.end()
        self._plain(self.src[pos:], pos)
        self._strays()
        self._guess_all()
        text = self._assemble()
        text = self._quotes(text)
        return text, self.changes

    def _plain(self, s: str, at: int) -> None:
        self.out.extend(s)
        start = len(self.out) - len(s)
        for k in range(len(s)):
            self._base[start + k] = at + k

    def _add_lost(self, kind: str, swallowed: str | None, at: int) -> None:
        self.lost[len(self.out)] = _Lost(kind, swallowed, at)
        self.out.append(LOST)

    def _strays(self) -> None:
        """A ``?`` elsewhere (THROUGH: char + swallowed ``!"#…/0-9``): before a digit, or alone between
        spaces/digits (``2006 ? ?3``).  A ``?`` after a hanzi before text or a line end is a question mark."""
        out = self.out
        for i, ch in enumerate(out):
            if ch != "?" or i in self.lost:
                continue
            nxt = out[i + 1] if i + 1 < len(out) else "\n"
            prv = out[i - 1] if i else "\n"
            if (nxt.isdigit() and nxt.isascii()) or (prv in " \t" and nxt in " \t\n"):
                self.lost[i] = _Lost("through", None, self._base.get(i, 0))
                out[i] = LOST

    # ---- phase 2: guesses ------------------------------------------------------------------------------
    def _slot(self, j: int) -> str:
        it = self.lost.get(j)
        if it is None:
            return self.out[j]
        if it.fill is None:
            return LOST
        return it.fill + (it.fill_byte or (it.swallowed or ""))

    def _ctx(self, i: int, n: int, right: bool = False) -> str:
        if right:
            return "".join(self._slot(j) for j in range(i + 1, min(len(self.out), i + 1 + n)))
        return "".join(self._slot(j) for j in range(max(0, i - n), i))

    def _guess_all(self) -> None:
        """Try the rules on each unfilled lost slot, left to right; a rule's fill is seen by the later slots.

        Cost: the rules read a few slots around the gap, except the duplicate-field search and the date list,
        which read the document: the search looks only at the segments (:meth:`_segments`) that hold every
        bigram of its literal piece, the dates are re-read only after a fill that can change them.  Every character of
        document scanned is charged to a budget of ``_WORK_PER_CHAR`` × the page length (at least
        ``_WORK_MIN``): once it is spent, the remaining slots are not guessed but reported as ``lost_chars``
        (the repair of a page is then bounded by a constant times its length)."""
        if not self.lost:
            return
        self._txt = list(self.out)
        for j in self.lost:
            self._txt[j] = self._slot(j)
        self._segments()
        self._budget = max(_WORK_MIN, _WORK_PER_CHAR * len(self.src))
        for i in sorted(self.lost):
            it = self.lost[i]
            if it.fill is not None:
                continue
            if self._budget < 0:
                it.how = "over-budget"
                continue
            for rule in (self._dup_fill, self._phrase, self._docno, self._date, self._heading, self._lm):
                self._changed = [i]
                if rule(i, it):  # a rule returns True exactly when it filled a slot
                    self._update(self._changed)
                    break

    # ---- the document the rules see, by segments ---------------------------------------------------------
    def _segments(self) -> None:
        """Cut the document into segments of ``_SEG`` consecutive slots.  Segment ``s`` is searched as its
        *window*: its text and the first ``_OVERLAP`` characters of the next one, so that every duplicate-field
        match and every occurrence of its literal piece (at most ``_OVERLAP`` characters) starting in the
        segment lies in the window.  ``_bigrams`` maps each 2-char string to the segments whose window holds
        it.  A fill rebuilds its segment's window and the one before."""
        n = len(self.out)
        self._seg_start = list(range(0, n, _SEG)) or [0]
        self._seg_text = ["".join(self._txt[a:a + _SEG]) for a in self._seg_start]
        self._seg_win: list[str] = [""] * len(self._seg_start)
        self._seg_grams: list[set[str]] = [set() for _ in self._seg_start]
        self._bigrams: dict[str, set[int]] = {}
        for k in range(len(self._seg_start)):
            self._window(k)

    def _window(self, k: int) -> None:
        t = self._seg_text
        w = t[k] + (t[k + 1][:_OVERLAP] if k + 1 < len(t) else "")
        self._budget -= len(w)
        g = set(map(operator.add, w, w[1:]))
        for x in self._seg_grams[k] - g:
            self._bigrams[x].discard(k)
        for x in g - self._seg_grams[k]:
            self._bigrams.setdefault(x, set()).add(k)
        self._seg_win[k], self._seg_grams[k] = w, g

    def _update(self, slots: list[int]) -> None:
        """The rule filled ``slots``: update the slot texts, their segments, the index and the word counts."""
        slots = sorted(set(slots))
        new = {j: self._slot(j) for j in slots}
        if all(self._txt[j] == t for j, t in new.items()):
            return
        lo, hi = max(0, slots[0] - _MARGIN_SLOTS), min(len(self._txt), slots[-1] + 1 + _MARGIN_SLOTS)
        old_ex = "".join(self._txt[lo:hi])
        if any(c.isdecimal() or c.isspace() or c in _DATE_CHARS for j, t in new.items() for c in self._txt[j] + t):
            self._version += 1  # the dates of the document may have changed (see _dates)
        for j, t in new.items():
            self._txt[j] = t
        if self._grams is not None:  # the words of the changed stretch (see _doc_bonus)
            new_ex = "".join(self._txt[lo:hi])
            count, bonus = self._grams
            a, b = _common_affixes(old_ex, new_ex)
            for w in _doc_words(old_ex, a, len(old_ex) - b):
                count[w] -= 1
                if not count[w]:
                    del count[w], bonus[w]
            for w in _doc_words(new_ex, a, len(new_ex) - b):
                count[w] += 1
                if count[w] == 1:
                    bonus[w] = _DOC_BONUS
        segs = sorted({j // _SEG for j in slots})
        for k in segs:
            self._seg_text[k] = "".join(self._txt[k * _SEG:(k + 1) * _SEG])
        for k in sorted(set(segs) | {k - 1 for k in segs if k}):
            self._window(k)

    def _holding(self, piece: str) -> tuple[list[int], int]:
        """The segments where an occurrence of ``piece`` (no longer than ``_OVERLAP``) may start, and the
        number of occurrences in the document, counted up to 2 (overlapping ones count, as
        ``find(piece, find(piece) + 1)`` sees them)."""
        if len(piece) >= 2:
            sets = sorted((self._bigrams.get(piece[k:k + 2], set()) for k in range(len(piece) - 1)), key=len)
            cand = set(sets[0]).intersection(*sets[1:])
        else:
            cand = range(len(self._seg_text))
        cand, n = sorted(cand), 0
        for k in cand:  # the candidates hold every bigram of the piece: count its occurrences up to 2
            w, end = self._seg_win[k], len(self._seg_text[k])
            self._budget -= len(w)
            at = w.find(piece)
            if at < 0 or at >= end:
                continue
            n += 1
            if n < 2 and 0 <= w.find(piece, at + 1) < end:
                n += 1
            if n >= 2:
                break
        return cand, min(n, 2)

    def _findall(self, rx: re.Pattern, segs: list[int], width: int):
        """``rx.findall`` over the document, given that ``rx`` matches exactly ``width`` ≤ ``_OVERLAP``
        characters and that every match starts in one of ``segs`` (sorted): every match start in those windows,
        then the leftmost-first non-overlapping choice that ``findall`` makes; generated lazily, in order."""
        last = None
        for k in segs:
            w, end = self._seg_win[k], len(self._seg_text[k])
            self._budget -= len(w)
            m = rx.search(w)
            while m is not None and m.start() < end:
                at, g = m.start(), m.groups()
                m = rx.search(w, at + 1)
                if last is not None:  # overlaps the previous match? (segments are ≥ _SEG ≥ width chars long)
                    lk, lat = last
                    if (k == lk and at < lat + width) or (
                            k == lk + 1 and len(self._seg_text[lk]) - lat + at < width):
                        continue
                yield g if len(g) != 1 else g[0]
                last = (k, at)

    def _doc_text(self) -> str:
        self._budget -= len(self._txt)
        return "".join(self._txt)

    def _dates(self) -> list[tuple[int, int, int]]:
        """:func:`_doc_dates` of the document, recomputed only after a fill that can change them: one that
        puts or removes a character a date is made of (a digit, a blank, 年月日 or a Chinese numeral); any other
        character, like the LOST it replaces, stops every date pattern at the same place."""
        if self._dates_cache is None or self._dates_cache[0] != self._version:
            self._dates_cache = (self._version, _doc_dates(self._doc_text()))
        return self._dates_cache[1]

    def _ok(self, it: _Lost, ch: str) -> bool:
        return it.kind != "tag" or lost_before_tag(ch)

    def _dup_fill(self, i: int, it: _Lost) -> bool:
        """The same field elsewhere in the document (metadata table ↔ body): ``常建?006?66号``."""
        line_l = self._ctx(i, 10).rsplit("\n", 1)[-1]
        line_r = self._ctx(i, 10, right=True).split("\n", 1)[0]
        for nl, nr in ((10, 10), (6, 6), (6, 0), (0, 6), (3, 3)):
            left, right = line_l[len(line_l) - nl:] if nl else "", line_r[:nr]
            left, right = re.split(r"\s", left)[-1], re.split(r"\s", right)[0]
            lits = len(left) + len(right) - left.count(LOST) - right.count(LOST)
            if lits < 4:
                continue
            pat, slots = [], []
            base = i - len(left)
            for k, ch in enumerate(left + LOST + right):
                j = base + k
                if ch == LOST:
                    lj = self.lost.get(j)
                    if lj is None:
                        break
                    pat.append(r"([^\s\x00-\x7f%s])" % LOST + (r"([!-9])" if lj.kind == "through" and lj.swallowed is None else ""))
                    slots.append(j)
                else:
                    pat.append(re.escape(ch))
            else:
                # a match elsewhere needs the longest literal piece at a second place: skip the regex if absent
                piece = max((left + LOST + right).split(LOST), key=len)
                rx = re.compile("".join(pat))
                width = len(pat) + sum(p.endswith("([!-9])") for p in pat)  # rx matches exactly this many chars
                if width <= _OVERLAP:
                    segs, seen = self._holding(piece)
                    if seen < 2:
                        continue
                    # a match starts in a piece's segment or the one before; every group takes part in it
                    segs = sorted(set(segs) | {k - 1 for k in segs if k})
                    found = set()
                    for g in self._findall(rx, segs, width):
                        found.add(g)
                        if len(found) > 1:  # not unique: the rest cannot make it so
                            break
                else:  # (not reached: a window is at most 10 + 1 + 10 slots) the whole document
                    doc = self._doc_text()
                    if doc.find(piece, doc.find(piece) + 1) < 0:
                        continue
                    found = set(rx.findall(doc))
                if rx.groups == 1:
                    found = {(g,) for g in found}
                if len(found) == 1:
                    groups = list(next(iter(found)))
                    fills = []
                    for j in slots:
                        lj = self.lost[j]
                        ch = groups.pop(0)
                        b = groups.pop(0) if lj.kind == "through" and lj.swallowed is None else None
                        if not self._ok(lj, ch):
                            break
                        fills.append((lj, ch, b))
                    else:
                        for lj, ch, b in fills:
                            lj.fill, lj.fill_byte, lj.how = ch, b, "duplicate"
                        self._changed = slots
                        return True
        return False

    def _phrase(self, i: int, it: _Lost) -> bool:
        """A fixed phrase of notices / gov pages around the gap (spaces ignored): ``?ensp;?ensp;号`` → 索引号."""
        left = re.sub(r"\s", "", self._ctx(i, 8))
        right = re.sub(r"\s", "", self._ctx(i, 8, right=True))
        found: dict[str, int] = {}
        for p in _phrases():
            for k, ch in enumerate(p):
                if _wild_suffix(left, p[:k]) and _wild_prefix(right, p[k + 1:]) and self._ok(it, ch):
                    lit = _literal(left, p[:k], True) + _literal(right, p[k + 1:], False)
                    if lit >= 1:
                        found[ch] = max(found.get(ch, 0), lit)
        if found:
            top = max(found.values())
            best = [ch for ch, n in found.items() if n == top]
            if len(best) == 1:
                it.fill, it.how = best[0], "phrase"
                return True
        return False

    def _date(self, i: int, it: _Lost) -> bool:
        left = self._ctx(i, 12).rsplit("\n", 1)[-1]
        right = self._ctx(i, 6, right=True)
        fill = None
        if re.search(r"月\s*\d{1,2}\s*$|月[〇○零一二三四五六七八九十]{1,3}$", left):
            fill = "日"
        elif re.search(r"(?:^|[^\d])(?:19|20)\d\d\s*$", left) and re.match(r"\s*[\d%s]" % LOST, right):
            fill = "年"
        elif re.search(r"年\s*\d{0,2}\s*$", left) and re.match(r"\s*\d{0,2}\s*[%s日]" % LOST, right) \
                or re.search(r"年[〇○零一二三四五六七八九十]{1,2}$", left) \
                or re.search(r"(?<![\d.])(?:1[0-2]|0?[1-9])\s*$", left) and re.match(r"\s*\d{1,2}\s*日", right):
            fill = "月"
        if fill is None or not self._ok(it, fill):
            return False
        it.fill, it.how = fill, "date"
        if it.kind == "through" and it.swallowed is None:
            it.fill_byte = self._date_digit(i, fill, left, right)
        return True

    def _heading(self, i: int, it: _Lost) -> bool:
        """``二?活动重点`` at a line start: the section mark 、 after a Chinese numeral (its last byte is 0x81)."""
        left = self._ctx(i, 6)
        if re.search(r"(?:^|[\n。：:；;])[一二三四五六七八九十]{1,3}$", left) and self._ok(it, "、") \
                and re.match(r"[\u3400-\u9fff]", self._ctx(i, 1, right=True)):
            it.fill, it.how = "、", "heading"
            return True
        return False

    def _docno(self, i: int, it: _Lost) -> bool:
        """``函?021?3号``: 〔 + the year's first digit, then 〕 + a lost digit (THROUGH after the bracket)."""
        if it.kind != "through" or it.swallowed is not None:
            return False
        left, right = self._ctx(i, 8), self._ctx(i, 8, right=True)
        if re.match(r"\d{3}%s\d{0,4}号" % LOST, right) and re.search(r"[\u3400-\u9fff]$", left):
            it.fill, it.fill_byte, it.how = "〔", "2" if right[0] in "012" else "1" if right[0] == "9" else None, "docno"
            return True
        if re.search(r"〔\d{4}$", left) and re.match(r"\d{0,4}号", right):
            it.fill, it.how = "〕", "docno"
            return True
        return False

    def _date_digit(self, i: int, unit: str, left: str, right: str) -> str | None:
        """The digit swallowed after 年/月 (``2006 年8 月23 日`` → ``2006 ? ?3 ?``), from a full date of the same
        year elsewhere in the document (the month) and the first day on or after it (the day, a guess)."""
        y = re.search(r"((?:19|20)\d\d)\s*$", left) or re.search(r"((?:19|20)\d\d)\s*年[^\n]{0,8}$", left)
        if not y:
            return None
        dates = [d for d in self._dates() if d[0] == int(y.group(1))]
        if not dates:
            return None
        vis = re.match(r"(\d*)", right).group(1)
        if unit == "年":
            ms = {d[1] for d in dates}
            ok = [m for m in ms if str(m).endswith(vis) and len(str(m)) == len(vis) + 1]
            return str(ok[0])[0] if len(ok) == 1 else None
        if unit == "月":
            day0 = min(d[2] for d in dates)
            for day in range(day0, 32):
                s = str(day)
                if len(s) == len(vis) + 1 and s.endswith(vis):
                    self._guessed(i, "day digit guessed: first day on or after the signing date")
                    return s[0]
        return None

    def _lm(self, i: int, it: _Lost) -> bool:
        """Word-frequency window (a unigram segmentation of ±4 hanzi) with document evidence: words the
        notice uses elsewhere and verb–noun collocations weigh more (凡积? 开展 → 极, 报?1-2个 → 送)."""
        left = re.split(r"[^\u3400-\u9fff]", self._ctx(i, 4))[-1]
        right = re.split(r"[^\u3400-\u9fff]", self._ctx(i, 4, right=True))[0]
        if not left and not right or it.kind == "through" and it.swallowed is None and not (left and right):
            return False
        words = lexicon.words()
        bonus = self._doc_bonus()
        coll = self._collocation(i) | self._position_prior(i, left)
        scored = []
        p = len(left)
        for x in _passing(left, right, it.kind):  # candidates some word of 2–4 chars covers
            s = left + x + right
            score, covered = _segment(s, p, words, bonus)
            if not covered:
                continue
            scored.append((score + (_DOC_BONUS if x in coll else 0.0), x))
        if it.kind == "tag" and left and right:  # 、 (E3 80 81) between two items of a list
            sc = _segment(left, -1, words, bonus)[0] + _segment(right, -1, words, bonus)[0] + _PUNCT_COST
            clause = re.split(r"[，。；：,;:\n]", self._ctx(i, 12))[-1] + "|" + re.split(
                r"[，。；：,;:\n]", self._ctx(i, 12, right=True))[0]
            if "、" in clause or LOST in clause:
                sc += _DOC_BONUS  # a list: other items are separated the same way
            scored.append((sc, "、"))
        if not scored:
            return False
        scored.sort(reverse=True)
        self._last_scores = scored[:5]
        best, x = scored[0]
        base = _segment(left + "\x00" + right, p, words, bonus)[0]  # x as an unknown single char
        second = scored[1][0] if len(scored) > 1 else base
        if best - max(second, base) >= _MARGIN:
            it.fill, it.how = x, "lexicon"
            return True
        return False

    def _position_prior(self, i: int, left: str) -> set[str]:
        """Characters the position favours (weighted like document evidence): see :func:`_attachment_prior`."""
        return _attachment_prior(self._ctx(i, 80).rsplit("\n", 1)[-1], self._ctx(i, 3, right=True), left)

    def _collocation(self, i: int) -> set[str]:
        clause = re.split(r"[。；;！!？\n]", self._ctx(i, 30))[-1]
        out = set()
        for verb, noun in _collocations():
            if verb in clause:
                out.add(noun)
        return out

    def _doc_bonus(self) -> dict[str, float]:
        """``word -> _DOC_BONUS`` for the lexicon words the document uses *as words* (not swallowed by a
        stronger overlapping word: 报表 inside 申报表 does not count, 报送 in ``，报送市…`` does; see
        :func:`_doc_words`).  Kept up to date incrementally by :meth:`_update`: after a fill only the windows near
        the changed stretch of the document are re-read."""
        if self._grams is None:
            count = Counter(_doc_words(self._doc_text()))
            self._grams = (count, dict.fromkeys(count, _DOC_BONUS))
        return self._grams[1]

    def _guessed(self, i: int, msg: str) -> None:
        it = self.lost[i]
        it.how += "+uncertain"
        self._notes = getattr(self, "_notes", {})
        self._notes[i] = msg

    # ---- assemble --------------------------------------------------------------------------------------
    def _assemble(self) -> str:
        parts = []
        notes = getattr(self, "_notes", {})
        for j, ch in enumerate(self.out):
            it = self.lost.get(j)
            if it is None:
                parts.append(ch)
                continue
            before = "?" + (it.swallowed or "")
            if it.fill is None:
                w = 2 if it.kind == "through" and it.swallowed is None else 1
                msg = ("character destroyed by the CP936 tag-eating shift" if w == 1 else
                       "character and the ASCII character after it destroyed by the CP936 decoder")
                if it.how == "over-budget":
                    msg += " (not guessed: the page used up its guessing budget)"
                a = self.ctx.anchor("lost_chars", msg, width=w, fixer=NAME)
                parts.append(a + (it.swallowed if it.swallowed and it.swallowed != "&" else ""))
                self.changes.append(Change(before, a, it.at))
                continue
            if j in notes:
                parts.append(self.ctx.anchor("guessed_chars", notes[j], width=0, fixer=NAME))
            parts.append(it.fill)
            if it.kind == "through" and it.swallowed is None:
                if it.fill_byte:
                    parts.append(it.fill_byte)
                else:
                    parts.append(self.ctx.anchor("lost_chars", "ASCII character swallowed by the CP936 decoder",
                                                 width=1, fixer=NAME))
            self.changes.append(Change(before, it.fill + (it.fill_byte or ""), it.at))
        return "".join(parts)

    def _quotes(self, text: str) -> str:
        """An intact ``&ldquo;`` vanishes in this pipeline: an unmatched ” gets its “ after the clause verb."""
        if "”" not in text:
            return text
        lines = text.split("\n")
        off = 0
        for li, line in enumerate(lines):
            depth, k = 0, 0
            new = line
            while k < len(new):
                ch = new[k]
                if ch == "“":
                    depth += 1
                elif ch == "”":
                    if depth:
                        depth -= 1
                    else:
                        ins = _quote_point(new, k)
                        new = new[:ins] + "“" + new[ins:]
                        self.changes.append(Change("", "“", off + ins))
                        k += 1
                k += 1
            lines[li] = new
            off += len(new) + 1
        return "\n".join(lines)


def _quote_point(line: str, close: int) -> int:
    start = max(line.rfind(p, 0, close) for p in "。；;，,：:、！？!?") + 1
    clause = line[start:close]
    best = None
    for v in _quote_verbs():
        k = clause.find(v)
        if k >= 0 and (best is None or k < best[0]):
            best = (k, k + len(v))
    return start + (best[1] if best else 0)


_WORD_BASE = 7.8  # ≈ log10 of the jieba corpus size: log10(freq) − 7.8 is a word's log-probability
_SINGLE = -6.5  # a character outside any word
_DOC_BONUS = 2.0  # a word the document uses elsewhere (or a collocation): ×100
_PUNCT_COST = -2.0  # log-probability of an enumeration comma between two words
_MARGIN = 0.9  # best must beat the runner-up (and "no word at all") by ×8

_DATE_CHARS = frozenset("年月日〇○零一二三四五六七八九十")  # with digits and blanks: what _doc_dates reads
_SEG = 128  # slots per document segment (≥ _OVERLAP characters: a slot holds at least one)
_OVERLAP = 64  # characters of the next segment a segment's search window includes (≥ any match width)
_MARGIN_SLOTS = 16  # slots read on each side of a fill to update the document's words (≥ 9 characters needed)
_WORK_PER_CHAR = 2000  # guessing budget: characters of document scanned per character of the page ...
_WORK_MIN = 4_000_000  # ... and at least this many


def _segment(s: str, p: int, words: dict[str, int], bonus: dict[str, float]) -> tuple[float, bool]:
    """Best unigram segmentation score of ``s``; and whether position ``p`` is inside a multi-char word."""
    n = len(s)
    best = [(-1e9, False)] * (n + 1)
    best[0] = (0.0, False)
    for k in range(n):
        sc, cov = best[k]
        if sc <= -1e9:
            continue
        cand = (sc + _SINGLE, cov)
        if cand[0] > best[k + 1][0]:
            best[k + 1] = cand
        for m in (2, 3, 4):
            if k + m > n:
                break
            w = s[k:k + m]
            f = words.get(w)
            if f:
                v = sc + math.log10(f) - _WORD_BASE + bonus.get(w, 0.0)
                if v > best[k + m][0]:
                    best[k + m] = (v, cov or k <= p < k + m)
    return best[n]


def _literal(s: str, p: str, suffix: bool) -> int:
    part = s[len(s) - len(p):] if suffix else s[:len(p)]
    return sum(1 for a in (part if p else "") if a != LOST)


def _wild_suffix(s: str, p: str) -> bool:
    if len(p) > len(s):
        return False
    return all(a == b or a == LOST for a, b in zip(s[len(s) - len(p):], p)) if p else True


def _wild_prefix(s: str, p: str) -> bool:
    if len(p) > len(s):
        return False
    return all(a == b or a == LOST for a, b in zip(s, p))


_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "O": 0}


def _cn_num(s: str) -> int | None:
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s)) if s else None
    if "十" in s:
        a, _, b = s.partition("十")
        if (a and a not in _CN_DIGIT) or (b and b not in _CN_DIGIT):
            return None
        return (_CN_DIGIT[a] if a else 1) * 10 + (_CN_DIGIT[b] if b else 0)
    return None


def _doc_dates(doc: str) -> list[tuple[int, int, int]]:
    out = []
    for m in re.finditer(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", doc):
        out.append((int(m[1]), int(m[2]), int(m[3])))
    for m in re.finditer(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日", doc):
        y, mo, d = _cn_num(m[1]), _cn_num(m[2]), _cn_num(m[3])
        if y and mo and d:
            out.append((y, mo, d))
    return out


@lru_cache(maxsize=1)
def _phrases() -> tuple[str, ...]:
    return tuple(lexicon.read_list("repair_phrases.txt"))


@lru_cache(maxsize=1)
def _quote_verbs() -> tuple[str, ...]:
    return tuple(lexicon.read_list("repair_quote_verbs.txt"))


# an attachment line: 附件, an optional number, an optional colon, an optional item number, then the title
_ATTACH_LINE = re.compile(r"\s*附\s*件\s*\d{0,2}\s*[：:]?\s*(?:\d{1,2}\s*[.、．]\s*)?[^\s\d.、．：:]")
_LINE_END = re.compile(r"[ \t\u3000]*(?:\n|$)")  # nothing but blanks before the end of the line


def _attachment_prior(line: str, after: str, left: str) -> set[str]:
    """At the very end of an attachment title (``line`` is the text of the line before the lost character,
    ``after`` what follows it), the characters that complete a document-type noun of
    ``repair_attachment_endings.txt`` with the hanzi ``left`` of the gap: 附件：…推荐? → 表 (推荐表), not 性.

    >>> sorted(_attachment_prior('附件：常州市第三批优质服务品牌推荐', '\\n常州', '品牌推荐'))
    ['书', '册', '函', '单', '图', '表']
    >>> '见' in _attachment_prior('附件2.实施意', '', '实施意'), '见' in _attachment_prior('附件2.实施', '', '实施')
    (True, False)
    >>> _attachment_prior('表格见附件', '\\n', '件'), _attachment_prior('附件：推荐', '工作方案', '推荐')
    (set(), set())
    """
    if not _ATTACH_LINE.match(line) or not _LINE_END.match(after):
        return set()
    return {w[-1] for w in _attachment_endings() if left.endswith(w[:-1])}  # left + x ends with w


@lru_cache(maxsize=1)
def _attachment_endings() -> tuple[str, ...]:
    return tuple(lexicon.read_list("repair_attachment_endings.txt"))


@lru_cache(maxsize=1)
def _collocations() -> tuple[tuple[str, str], ...]:
    return tuple(tuple(x.split("\t")[:2]) for x in lexicon.read_list("repair_collocations.txt"))


def _doc_words(d: str, lo: int = 0, hi: int | None = None) -> list[str]:
    """The lexicon words of ``d`` at the 2–4-char windows that are not overlapped at either end by a more
    frequent word (``d[k-1:k+1]``, ``d[k-2:k+1]``, ``d[k+n-1:k+n+1]``, ``d[k+n-1:k+n+2]``), one entry per
    window.  With ``lo``/``hi``: only the windows whose verdict can depend on ``d[lo:hi]``.

    >>> sorted(_doc_words('填写申报表，报送市'))  # 报表 is swallowed by 申报表; 报送 is a word here
    ['填写', '报送', '申报', '申报表']
    """
    get, size = lexicon.words().get, len(d)
    out = []
    if hi is None:  # the whole text: one frequency list per window size, neighbours read from the lists
        freq = {n: [get(d[k:k + n], 0) for k in range(size - n + 1)] for n in (2, 3, 4)}
        f2, f3 = freq[2], freq[3]
        for n in (2, 3, 4):
            for k, f in enumerate(freq[n]):
                if f and not (k >= 1 and f2[k - 1] > f or k >= 2 and f3[k - 2] > f
                              or k + n + 1 <= size and f2[k + n - 1] > f or k + n + 2 <= size and f3[k + n - 1] > f):
                    out.append(d[k:k + n])
        return out
    for n in (2, 3, 4):  # a window reads d[k-2:k+n+2]; one more on each side covers a pure insertion
        for k in range(max(0, lo - n - 3), min(size - n, hi + 3) + 1):
            w = d[k:k + n]
            f = get(w, 0)
            if f and not (k >= 1 and get(d[k - 1:k + 1], 0) > f or k >= 2 and get(d[k - 2:k + 1], 0) > f
                          or k + n + 1 <= size and get(d[k + n - 1:k + n + 1], 0) > f
                          or k + n + 2 <= size and get(d[k + n - 1:k + n + 2], 0) > f):
                out.append(w)
    return out


def _common_affixes(a: str, b: str) -> tuple[int, int]:
    """Lengths of the longest common prefix and (not overlapping it) suffix of ``a`` and ``b``.

    >>> _common_affixes('报?1-2个', '报送1-2个'), _common_affixes('abc', 'abc'), _common_affixes('ab', 'axb')
    ((1, 4), (3, 0), (1, 1))
    """
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    pre, lo, hi = lo, 0, n - lo
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return pre, lo


@lru_cache(maxsize=4096)
def _holes(pre: str, suf: str, kind: str) -> frozenset[str]:
    return lexicon.holes(pre, suf, among=() if pre else _candidates(kind))


def _passing(left: str, right: str, kind: str) -> list[str]:
    """The candidates ``x`` (:func:`_candidates`) for which some window of 2–4 characters of
    ``left + x + right`` that contains ``x`` is a lexicon word, found by hole lookups (a prefix range of the
    sorted word list, or dictionary membership of the candidates when ``x`` starts the window).

    >>> '极' in _passing('凡积', '开展文明', 'tag'), '累' in _passing('凡积', '开展文明', 'tag')
    (True, True)
    >>> _passing('品牌推荐', '', 'tag')  # 推荐表, 推荐性: the other completions fail the byte constraint
    ['性', '表']
    """
    p, out = len(left), set()
    for n in (2, 3, 4):
        for k in range(max(0, p - n + 1), min(p, p + 1 + len(right) - n) + 1):
            out |= _holes(left[k:], right[:n - 1 - (p - k)], kind)
    return sorted(out & _candidate_set(kind))


@lru_cache(maxsize=2)
def _candidate_set(kind: str) -> frozenset[str]:
    return frozenset(_candidates(kind))


@lru_cache(maxsize=2)
def _candidates(kind: str) -> tuple[str, ...]:
    common = list(lexicon.chars())[:5000]
    if kind == "tag":
        return tuple(c for c in common if lost_before_tag(c)) + ("、",)
    return tuple(common[:4000])
