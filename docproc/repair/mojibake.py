"""Classic mojibake (CORRUPTION.md §C): undo wrong decodings of runs of suspicious characters.

Kinds handled, each by trying the inverse re-encoding on a *run* (never on the whole text) and keeping the
candidate only when it reads clearly better (common-hanzi frequency, no PUA / rare / replacement chars):

- UTF-8 read as GBK/GB18030 (``鍏充簬`` → 关于); a ``�`` there stands for exactly one lost byte, so the
  character it belonged to is reported as ``lost_chars``;
- GBK read as Latin-1 / cp1252 (``¹ØÓÚ`` → 关于), UTF-8 read as Latin-1 / cp1252 (``å…³äºŽ`` → 关于),
  double UTF-8 (``Ã¥Â…`` …);
- Big5 read as GBK (and GBK read as Big5);
- ``锟斤拷`` (U+FFFD FFFD re-read as GBK) and U+FFFD runs: unrecoverable, reported as ``lost_chars`` with
  an estimated width; characters that survived inside such a run are restored.

>>> from docproc.markers import RepairContext, resolve
>>> def fix_text(s):
...     ctx = RepairContext()
...     out, _ = fix(s, ctx)
...     return resolve(out, ctx)[0]
>>> fix_text('鍏充簬鍋氬ソ瀹夊叏宸ヤ綔')
'关于做好安全工作'
>>> fix_text('鍏充簬鍋氬ソ瀹夊叏宸ヤ綔鐨勯�氱煡')  # the replaced byte destroyed 通
'关于做好安全工作的□知'
>>> fix_text('¹ØÓÚ×öºÃ')
'关于做好'
>>> fix_text('å…³äºŽå\x81šå¥½')  # UTF-8 read as cp1252 (browser style: 0x81 kept as a C1 control)
'关于做好'
>>> fix_text('各单位：锟斤拷锟斤拷通知')
'各单位：□□通知'
>>> fix_text('清洁的文本 ×2，°C，张·三')  # clean text passes unchanged
'清洁的文本 ×2，°C，张·三'
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Change

NAME = "mojibake"

FFFD = "\ufffd"
GAP = -1  # an unknown byte

# Latin-1 / cp1252 mojibake: runs of U+0080–U+00FF plus the cp1252 specials
_CP1252_SPECIAL = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_LAT = "[\u0080-\u00ff%s]" % re.escape(_CP1252_SPECIAL)
_LATIN_RUN = re.compile("%s+(?:[\x40-\x7e]%s+)*" % (_LAT, _LAT))
_LATIN_CORE = re.compile("[\u0080-\u00ff]")
_KUNJINKAO = re.compile("(?:锟斤拷|锟斤|斤拷|[\ufffd])")


@lru_cache(maxsize=1)
def _sig_class() -> re.Pattern:
    cls = "".join(sorted(_sig_set()))
    return re.compile("[%s][^\\n]{0,3}[%s]" % (re.escape(cls), re.escape(cls)))


@lru_cache(maxsize=1)
def _sig_set() -> frozenset[str]:
    """Hanzi that UTF-8 CJK bytes (E3–E9 / EF leads, 80–BF continuations) produce when read as GBK, minus the
    3,000 most common characters: two of them close together start a check."""
    ok_lead = set(range(0x80, 0xC0)) | set(range(0xE3, 0xEA)) | {0xEF}
    sig = []
    for lead in ok_lead:
        if lead < 0x81:
            continue
        for trail in ok_lead:
            if trail < 0x40:
                continue
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and 0x4E00 <= ord(ch) <= 0x9FFF and _level(ch) < 1.0:
                sig.append(ch)
    return frozenset(sig)


# a run of non-ASCII text (with the ASCII that mojibake intermixes), where CJK mojibake is looked for
_RUNCH = r"(?:[^\x00-\x7f\s，。、：；！？“”（）《》]|(?<=\ufffd)\?+|\?+(?=\ufffd))"
_CJK_RUN = re.compile(r"%s+(?:[\x21-\x7e]{1,8}%s+)*" % (_RUNCH, _RUNCH))
_PRECHECK_FAST = re.compile("[\u00a1-\u00ff][\u0080-\u00ff]|[\u0080-\u00ff][\u00a1-\u00ff]|锟斤|斤拷|\ufffd")


def fix(text: str, ctx) -> tuple[str, list[Change]]:
    if not _PRECHECK_FAST.search(text) and not _sig_class().search(text):
        return text, []
    changes: list[Change] = []
    text = _sub_runs(text, _LATIN_RUN, _fix_latin, ctx, changes)
    text = _sub_runs(text, _CJK_RUN, _fix_cjk, ctx, changes)
    return text, changes


def _sub_runs(text, rx, fn, ctx, changes):
    out, pos = [], 0
    for m in rx.finditer(text):
        got = fn(m.group(0), ctx)
        if got is None or got == m.group(0):
            continue
        out.append(text[pos:m.start()])
        out.append(got)
        changes.append(Change(m.group(0), got, m.start()))
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# ---- plausibility ----------------------------------------------------------------------------------------

_PUNCT = set("，。、：；！？“”‘’（）《》〔〕【】—…·")


@lru_cache(maxsize=8192)
def _level(ch: str) -> float:
    """GB2312 level 1 (the 3,755 common hanzi) 1.0, level 2 0.3, GBK-only −1.0."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return -1.0
    return 1.0 if len(b) == 2 and 0xB0 <= b[0] < 0xD8 else 0.3


def score(s: str) -> float:
    """Mean per-character plausibility of Chinese text: common hanzi +1, rarer −, PUA/U+FFFD/Latin-1 −−.

    >>> score('关于做好') > 0.9 > score('鍏充簬鍋氬ソ')
    True
    """
    if not s:
        return 0.0
    total = 0.0
    if any(_level(ch) < 0 for ch in s if 0x4E00 <= ord(ch) <= 0x9FFF):
        from ..simplify import _converter

        t = _converter("t2s").convert(s)  # traditional text is plausible too: rank its simplified form
        s = t if len(t) == len(s) else s
    for ch in s:
        o = ord(ch)
        if o < 0x80:
            total += 0.2 if ch.isalnum() or ch in " .-/:" else -0.3
        elif ch in _PUNCT:
            total += 0.6
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            total += _level(ch)
        elif 0xAC00 <= o <= 0xD7A3 or 0x3040 <= o <= 0x30FF:  # Hangul syllables, kana
            total += 0.6
        elif ch == FFFD or 0xE000 <= o <= 0xF8FF or 0xF0000 <= o:
            total += -2.0
        elif 0x80 <= o <= 0x2FF:
            total += -1.5
        else:
            total += -0.8
    return total / len(s)


# ---- Latin-1 / cp1252 ------------------------------------------------------------------------------------

def _latin_bytes(s: str) -> bytes | None:
    out = bytearray()
    for ch in s:
        o = ord(ch)
        if o < 0x100:
            out.append(o)
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


def _fix_latin(run: str, ctx) -> str | None:
    """Try the Latin-1 / cp1252 inverses (up to three layers, UTF-8 or GBK underneath); keep the best."""
    if not _LATIN_CORE.search(run) or len(run) < 2:
        return None
    got = _best_latin(run)
    if got is None and re.search(r"[\x40-\x7e]", run):  # the ASCII inside was not a GBK trail byte
        parts = re.split(r"([\x40-\x7e])", run)
        fixed = [(_best_latin(p) if len(p) >= 2 and _LATIN_CORE.search(p) else None) or p for p in parts]
        got = "".join(fixed)
        got = got if got != run else None
    return got


def _best_latin(run: str) -> str | None:
    base = score(run)
    found: list[tuple[float, str]] = []
    layer = [run]
    for _ in range(3):  # double (and triple) UTF-8
        nxt = []
        for cur in layer:
            b = _latin_bytes(cur)
            if b is None:
                continue
            for enc in ("utf-8", "gbk"):
                try:
                    c = b.decode(enc)
                except UnicodeDecodeError:
                    continue
                if _LATIN_CORE.search(c) and enc == "utf-8":
                    nxt.append(c)
                if any(ord(x) > 0x2FF for x in c):  # a strict UTF-8 decode is strong evidence by itself
                    found.append((score(c) + (0.3 if enc == "utf-8" else 0.0), c))
        layer = nxt
        if not layer:
            break
    if not found:
        return None
    sc, best = max(found)
    return best if sc >= max(0.5, base + 0.6) else None


# ---- CJK mojibake ------------------------------------------------------------------------------------------

def _gbk_tokens(run: str) -> list[int] | None:
    """GBK bytes of ``run``; ``�`` → one unknown byte (Python's gbk 'replace' consumes exactly one)."""
    toks: list[int] = []
    for ch in run:
        if ch == FFFD:
            toks.append(GAP)
            continue
        try:
            toks.extend(ch.encode("gbk"))
        except UnicodeEncodeError:
            return None
    return toks


def _utf8_with_gaps(toks: list[int], ctx) -> tuple[str, int] | None:
    """Decode UTF-8 where some bytes are unknown: a char touching an unknown byte is lost (anchor)."""
    out: list[str] = []
    lost = 0
    i, n = 0, len(toks)
    while i < n:
        b = toks[i]
        if b == GAP:  # the lead byte itself is unknown: skip its continuation bytes
            i += 1
            while i < n and toks[i] != GAP and 0x80 <= toks[i] < 0xC0:
                i += 1
            out.append(None)
            lost += 1
            continue
        if b < GAP:
            return None
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        ln = 2 if 0xC2 <= b < 0xE0 else 3 if 0xE0 <= b < 0xF0 else 4 if 0xF0 <= b < 0xF5 else 0
        if not ln:
            return None
        seq = toks[i:i + ln]
        if GAP in seq or len(seq) < ln:
            if any(x != GAP and not 0x80 <= x < 0xC0 for x in seq[1:]) and GAP not in seq:
                return None
            out.append(None)
            lost += 1
            i += ln
            continue
        try:
            out.append(bytes(seq).decode("utf-8"))
        except UnicodeDecodeError:
            return None
        i += ln
    return out, lost


def _render(chars: list, ctx) -> str:
    parts = []
    for ch in chars:
        if ch is None:
            parts.append(ctx.anchor("lost_chars", "character destroyed by mojibake", width=1, fixer=NAME))
        else:
            parts.append(ch)
    return "".join(parts)


def _utf8_span(toks: list[int], start: int) -> int:
    """Length of the longest prefix of ``toks[start:]`` that is well-formed UTF-8 (unknown bytes allowed),
    ending on a character boundary."""
    i, n, last = start, len(toks), start
    while i < n:
        b = toks[i]
        if b < GAP:
            break
        if b == GAP:
            i += 1
            while i < n and toks[i] != GAP and 0x80 <= toks[i] < 0xC0:
                i += 1
            last = i
            continue
        if b < 0x80:
            i += 1
            last = i
            continue
        ln = 2 if 0xC2 <= b < 0xE0 else 3 if 0xE0 <= b < 0xF0 else 4 if 0xF0 <= b < 0xF5 else 0
        if not ln or i + ln > n:
            break
        if not all(x == GAP or 0x80 <= x < 0xC0 for x in toks[i + 1:i + ln]):
            break
        if GAP not in toks[i:i + ln]:
            try:
                bytes(toks[i:i + ln]).decode("utf-8")
            except UnicodeDecodeError:
                break
        i += ln
        last = i
    return last - start


def _fix_cjk(run: str, ctx) -> str | None:
    if len(run) < 2:
        return None
    if "锟斤" in run or "斤拷" in run:  # only the stretch from the first to the last 锟/斤/拷 (or �)
        m = re.search("[锟斤拷\ufffd].*[锟斤拷\ufffd]", run)
        got = _fix_replacement_run(m.group(0), ctx) if m else None
        if got is not None:
            return run[:m.start()] + got + run[m.end():]
    sigset = _sig_set()
    nonascii = [c for c in run if ord(c) > 0x7F and c != FFFD]
    sigs = sum(1 for c in nonascii if c in sigset)
    cands: list[tuple[float, str]] = []
    if sigs >= 2 and sigs >= 0.3 * len(nonascii):
        got = _fix_utf8_as_gbk(run, ctx)
        if got is not None:
            cands.append(got)
    if len(nonascii) >= 4 and (FFFD in run or sigs >= 2) or re.search(r"[^\x00-\x7f][a-zA-Z@][^\x00-\x7f]", run):
        got = _fix_big5(run)
        if got is not None:
            cands.append(got)
    if cands:
        sc, chars = max(cands, key=lambda x: x[0])
        return _render(chars, ctx)
    if FFFD in run:
        return _fix_replacement_run(run, ctx)
    return None


def _fix_utf8_as_gbk(run: str, ctx) -> tuple[float, list] | None:
    """UTF-8 read as GBK: decode the longest well-formed stretches of the GBK layer as UTF-8."""
    toks: list[int] = []
    offs: list[int] = []
    for ch in run:
        offs.append(len(toks))
        if ch == FFFD:
            toks.append(GAP)
            continue
        try:
            toks.extend(ch.encode("gbk"))
        except UnicodeEncodeError:
            toks.append(-2)  # not GBK: a barrier
    offs.append(len(toks))
    at = {o: k for k, o in enumerate(offs)}
    out: list = []
    changed = 0
    k = 0
    while k < len(run):
        ln = _utf8_span(toks, offs[k]) if toks[offs[k]] != -2 else 0
        end = offs[k] + ln
        while end > offs[k] and end not in at:  # shrink to a character boundary of the GBK layer
            end -= 1
        j = at.get(end, k)
        if j - k >= 2:
            src = run[k:j]
            dec = _utf8_with_gaps(toks[offs[k]:end], ctx)
            if dec is not None:
                chars, lost = dec
                known = "".join(c for c in chars if c is not None and ord(c) > 0x7F)
                srcna = "".join(c for c in src if ord(c) > 0x7F)
                gaps = src.count(FFFD)
                if (lost <= max(1, len(chars) // 3) or lost <= gaps) and (
                        known and score(known) >= max(0.5, score(srcna) + 0.6) or not known and gaps):
                    out.extend(chars)
                    changed += j - k
                    k = j
                    continue
        out.append(run[k])
        k += 1
    if not changed:
        return None
    known = "".join(c for c in out if c is not None)
    return score(known) - 0.5 * out.count(None) / max(1, len(out)), out


def _fix_big5(run: str) -> tuple[float, list] | None:
    """Big5 bytes read as GBK (and the reverse): whole-run inverse, kept only when it reads much better."""
    base = score(run)
    cands = []
    toks = _gbk_tokens(run)
    if toks is not None:
        got = _decode_gaps(toks, "big5")
        if got is not None:
            chars, lost = got
            known = "".join(c for c in chars if c is not None)
            if known and lost <= len(chars) // 2 + 1:
                cands.append((score(known) - 0.5 * lost / max(1, len(chars)), chars))
    try:
        c = run.encode("big5").decode("gbk")
        cands.append((score(c), list(c)))
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if not cands:
        return None
    sc, chars = max(cands, key=lambda x: x[0])
    if sc < base + 0.6 or sc < 0.4:
        return None
    return sc, chars


def _decode_gaps(toks: list[int], enc: str) -> tuple[list, int] | None:
    """Decode a double-byte encoding with unknown bytes: a pair touching one is a lost char."""
    out: list = []
    lost = 0
    i, n = 0, len(toks)
    while i < n:
        b = toks[i]
        if b != GAP and b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        pair = toks[i:i + 2]
        if GAP in pair or len(pair) < 2:
            out.append(None)
            lost += 1
            i += 2
            continue
        try:
            out.append(bytes(pair).decode(enc))
        except UnicodeDecodeError:
            out.append(None)
            lost += 1
        i += 2
    return out, lost


_CLUSTER = re.compile("[\ufffd?]*\ufffd[\ufffd?]*")


def _fix_replacement_run(run: str, ctx) -> str | None:
    """锟斤拷 / U+FFFD runs: what the replacement destroyed is lost; characters that survived are restored.

    A cluster of ``�`` and ``?`` stands for the characters it destroyed: one per ``?`` (a ``?`` is the byte
    the GBK round trip replaced, ``问句码``), else about one per two ``�`` (``口字码``).
    """
    s = run
    if "锟斤" in s or "斤拷" in s:
        try:
            s = FFFD.join(p.encode("gbk").decode("utf-8", "replace") for p in s.split(FFFD))  # the U+FFFD layer
        except UnicodeEncodeError:
            return None
    out: list = []
    pos = 0
    for m in _CLUSTER.finditer(s):
        out.extend(_survivors(s[pos:m.start()]))
        cl = m.group(0)
        q = cl.count("\ufffd?")  # a truncated sequence, then the byte the round trip replaced
        out.extend([None] * (q if "?" in cl else max(1, (len(cl) + 1) // 2)))
        pos = m.end()
    out.extend(_survivors(s[pos:]))
    if not any(c is None for c in out):
        return None
    return _render(out, ctx)


def _survivors(seg: str) -> list:
    out: list = []
    for ch in seg:
        o = ord(ch)
        if 0x80 <= o < 0x800:  # a GBK pair that happened to be valid 2-byte UTF-8: ӡ → D3 A1 → 印
            try:
                out.extend(ch.encode("utf-8").decode("gbk"))
            except UnicodeDecodeError:
                out.append(None)
        else:
            out.append(ch)
    return out
