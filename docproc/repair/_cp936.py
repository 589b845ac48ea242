"""A byte-exact model of the PHP 5.x–7.4 libmbfl CP936 decoder and of the "tag-eating" pipeline (CORRUPTION.md §A.1).

``mbfl_filt_conv_cp936_wchar`` tests the trail byte with ``c > 0x39`` instead of ``c >= 0x40`` and computes
``w = (c1 - 0x81) * 192 + (c - 0x40)``, so a lead byte followed by ``: ; < = > ?`` *borrows* the cell
(c1 − 1, c + 0xC0) of the previous row; ``! " # … 0–9`` after a lead byte give the substitute ``?`` and
swallow the ASCII byte; a control byte (space, TAB, CR, LF, DEL) after a lead byte drops the lead byte.
User-defined areas map to the PUA (U+E000–U+E765) as in PHP 5.x/7.x.

Used by :mod:`docproc.repair.tagshift` to verify candidate inversions, and by the tests to corrupt clean
notices exactly the way seeds 003/004 were corrupted.

>>> corrupt_html('<td>常建〔2006〕166号</td>')  # seed 003's metadata cell, byte for byte
'常建?006?66叶/td>'
>>> corrupt_html('<p>常建〔2006〕166号 </p>')  # 号 before a space: its lead byte is dropped (CTL)
'常建?006?66 '
>>> corrupt_html('<td>编号：</td>')  # ： lands on a lead position before '<' → ９ → 9, '<' eaten
'编号9/td>'
>>> shift_target('号'), shift_target('日'), shift_target('见')
('叶', None, None)
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

SUBST = "?"

# PUA-table ranges of libmbfl (mbfl_cp936_pua_tbl): pairs here that no standard table maps go to PUA chars
_PUA_RANGES = ((0xA2AB, 0xA9FE), (0xD7FA, 0xD7FE), (0xFE50, 0xFEA0))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], dict[str, bytes]]:
    """(pair code → decoded char) for every mapped pair, and the reverse (char → CP936 bytes)."""
    fwd: dict[int, str] = {}
    rev: dict[str, bytes] = {}
    next_pua = 0xE766
    for c1 in range(0x81, 0xFF):
        for c in range(0x40, 0xFF):
            if c == 0x7F:
                continue
            b = bytes((c1, c))
            code = (c1 << 8) | c
            ch: str | None = None
            if (0xAA <= c1 <= 0xAF or 0xF8 <= c1 <= 0xFE) and 0xA1 <= c <= 0xFE:  # UDA part 1, 2
                ch = chr(94 * (c1 - 0xF2 if c1 >= 0xF8 else c1 - 0xAA) + (c - 0xA1) + 0xE000)
            elif 0xA1 <= c1 <= 0xA7 and c < 0xA1:  # UDA part 3
                ch = chr(96 * (c1 - 0xA1) + c - (0x41 if c >= 0x80 else 0x40) + 0xE4C6)
            else:
                try:
                    ch = b.decode("gbk")
                except UnicodeDecodeError:
                    if any(lo <= code <= hi for lo, hi in _PUA_RANGES):
                        ch = chr(next_pua)
                        next_pua += 1
            if ch is not None:
                fwd[code] = ch
                rev.setdefault(ch, b)
    return fwd, rev


@lru_cache(maxsize=1)
def _main_table() -> dict[int, str]:
    """cp936_ucs_table: the pairs of the main table only (no UDA, no PUA table) — what a borrowed cell reads."""
    out = {}
    for code, ch in _tables()[0].items():
        if not (0xE000 <= ord(ch) <= 0xF8FF):
            out[code] = ch
    return out


def mbfl_decode(data: bytes) -> str:
    """Decode bytes as PHP's buggy CP936 decoder does (illegal → ``?``)."""
    fwd, _ = _tables()
    main = _main_table()
    out: list[str] = []
    lead = -1
    for c in data:
        if lead < 0:
            if c < 0x80:
                out.append(chr(c))
            elif c == 0x80:
                out.append("\u20ac")
            elif c == 0xFF:
                out.append("\uf8f5")
            else:
                lead = c
            continue
        c1, lead = lead, -1
        if 0x39 < c < 0xFF and c != 0x7F:
            if c >= 0x40:
                out.append(fwd.get((c1 << 8) | c, SUBST))
            else:  # the bug: negative column borrows from the previous row
                w = (c1 - 0x81) * 192 + (c - 0x40)
                ch = main.get(((0x81 + w // 192) << 8) | (0x40 + w % 192)) if w >= 0 else None
                out.append(ch or SUBST)
        elif c < 0x21 or c == 0x7F:  # CTL: the control byte passes, the lead byte is dropped
            out.append(chr(c))
        else:  # THROUGH: illegal, the ASCII byte is swallowed
            out.append(SUBST)
    return "".join(out)


def mbfl_encode(text: str) -> bytes:
    """Encode to CP936 as PHP's mb_convert_encoding does (unencodable → ``?``)."""
    _, rev = _tables()
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            out.append(o)
        elif ch == "\u20ac":
            out.append(0x80)
        elif ch == "\uf8f5":
            out.append(0xFF)
        else:
            out += rev.get(ch, b"?")
    return bytes(out)


_TAG = re.compile(r"<(?=[A-Za-z/!?])[^>]*>", re.S)


def strip_tags(s: str) -> str:
    """PHP strip_tags for simple markup: ``<`` starts a tag only before a letter, ``/``, ``!`` or ``?``."""
    return _TAG.sub("", s)


def fold_fullwidth(s: str) -> str:
    """The class-E fold: U+FF01–FF5E to ASCII, U+3000 to a space (nothing else)."""
    return s.translate(_FOLD)


_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20


def corrupt_html(markup: str) -> str:
    """The whole §A.1 pipeline: UTF-8 HTML → buggy CP936 decode → strip_tags → entity decode → CP936 →
    UTF-8 with invalid bytes dropped → full-width fold."""
    moji = mbfl_decode(markup.encode("utf-8"))
    moji = html.unescape(strip_tags(moji))
    back = mbfl_encode(moji).decode("utf-8", "ignore")
    return fold_fullwidth(back)


_LOST_LAST = frozenset([0x81, *range(0xA5, 0xB1)])


@lru_cache(maxsize=1)
def _borrowed_cells() -> dict[int, bytes]:
    """Last UTF-8 byte L → the CP936 bytes of the main-table cell it borrows before ``<``; L absent: the cell
    is empty (the char becomes ``?``).

    ``w = (L − 0x81)·192 + (0x3C − 0x40)`` always lands on column 0xFC of row L − 1, so only these 62 cells
    matter, read straight from the GBK codec with the table's rules (UDA rows and the PUA are not in the main
    table).  Each re-encodes to its own bytes (checked against :func:`_tables` by the tests), and reading
    those bytes as UTF-8 drops the invalid ``FC``.  This avoids building the 24,000-pair table (≈ 20 ms) in
    the repair path; the full model stays for :func:`corrupt_html`.
    """
    out = {}
    for last in range(0x82, 0xC0):  # a continuation byte; 0x80/0x81 give w < 0 (no row 0x80)
        c1 = last - 1
        if 0xAA <= c1 <= 0xAF:  # user-defined area (PUA): not in the main table
            continue
        try:
            ch = bytes((c1, 0xFC)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if not 0xE000 <= ord(ch) <= 0xF8FF:
            out[last] = bytes((c1, 0xFC))
    return out


def shift_target(ch: str) -> str | None:
    """What ``ch`` becomes when its last UTF-8 byte lands on a lead position before ``<`` (None → ``?``)."""
    b = ch.encode("utf-8")
    if len(b) < 2:
        return None
    cell = _borrowed_cells().get(b[-1])
    if cell is None:
        return None
    out = (b[:-1] + cell).decode("utf-8", "ignore")
    return out if len(out) == 1 else None


def _shift_target_model(ch: str) -> str | None:
    """:func:`shift_target` computed with the full table model (the reference the tests compare against)."""
    b = ch.encode("utf-8")
    if len(b) < 2:
        return None
    w = (b[-1] - 0x81) * 192 - 4
    cell = _main_table().get(((0x81 + w // 192) << 8) | (0x40 + w % 192)) if w >= 0 else None
    if cell is None:
        return None
    out = (b[:-1] + mbfl_encode(cell)).decode("utf-8", "ignore")
    return out if len(out) == 1 else None


def lost_before_tag(ch: str) -> bool:
    """True when ``ch`` before ``<`` (on a lead position) becomes ``?``: last UTF-8 byte 0x81 or 0xA5–0xB0."""
    b = ch.encode("utf-8")
    return len(b) >= 2 and b[-1] in _LOST_LAST
