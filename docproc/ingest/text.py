"""Plain text: decode by BOM → strict UTF-8 → GB18030 plausibility → Big5 → chardet, then split into lines.

The cheap checks decide almost every real notice; ``chardet`` (several ms) is asked only when no strict
decoding is plausible.  GB2312/GBK are decoded as their superset GB18030 and recorded as ``gb18030``.
Undecodable bytes become U+FFFD in the text (the ``mojibake`` fixer reports them as ``lost_chars``) and are
counted in ``meta["decode_errors"]``: nothing is dropped silently.

>>> decode("常建〔2010〕36号".encode("gbk"))
('常建〔2010〕36号', 'gb18030', 0)
>>> decode("關於進一步加強服務品牌建設的通知".encode("big5"))[:2]
('關於進一步加強服務品牌建設的通知', 'big5')
>>> decode(b"\\xef\\xbb\\xbf\\xe9\\x80\\x9a\\xe7\\x9f\\xa5")
('通知', 'utf-8-sig', 0)
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

from ..detect import utf16_by_nuls
from ..errors import EmptyDocument
from ..model import Block
from . import Ingested

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
_SAMPLE = 32768  # bytes scored for plausibility (the head of a long file is enough)
_CHARDET_MAP = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "gb18030": "gb18030",
                "big5": "big5", "cp950": "big5", "big5hkscs": "big5hkscs", "ascii": "utf-8",
                "utf-8-sig": "utf-8-sig", "hz-gb-2312": "hz"}
# Python codec used to decode each recorded encoding name
_CODEC = {"big5": "cp950", "gb18030": "gb18030", "utf-8": "utf-8", "big5hkscs": "big5hkscs"}


@lru_cache(maxsize=1)
def _char_sets() -> tuple[frozenset, frozenset, frozenset]:
    """(common simplified, common traditional, second-level hanzi), derived from the national standards.

    Common simplified = GB2312 level 1 (3755 hanzi, rows B0–D7); common traditional = Big5 level 1 (5401
    hanzi, A440–C67E); GB2312 level 2 (rows D8–F7) are legitimate but rarer.  Derived from the codecs, so
    there is no table to keep in sync.
    """
    def gb(rows):
        out = set()
        for hi in rows:
            for lo in range(0xA1, 0xFF):
                try:
                    out.add(bytes((hi, lo)).decode("gb2312"))
                except UnicodeDecodeError:
                    pass
        return out

    simp = gb(range(0xB0, 0xD8))
    level2 = gb(range(0xD8, 0xF8))
    trad = set()
    for hi in range(0xA4, 0xC7):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            if (hi, lo) > (0xC6, 0x7E):
                break
            try:
                trad.add(bytes((hi, lo)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(simp), frozenset(trad), frozenset(level2 - simp)


# CJK punctuation and symbols that clean notices use (everything in CJK Symbols U+3000–U+301F is fine too)
_OK_PUNCT = set("，。、；：？！“”‘’（）《》〈〉【】〔〕…—–·　○〇％＋－／＜＞＝～×÷№§●■□★☆◆◇△▲※→←↑↓①②③④⑤⑥⑦⑧⑨⑩"
                "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ℃￥•〓")


@dataclass
class Plausibility:
    """How much a decoded text looks like real Chinese (higher is better; 1.0 = all common hanzi)."""

    score: float
    hanzi: int
    odd: int
    mixed: int

    @property
    def plausible(self) -> bool:
        return self.score >= 0.75

    @property
    def certain(self) -> bool:
        return self.score >= 0.93 and self.odd * 50 <= max(self.hanzi, 1)


def plausibility(text: str) -> Plausibility:
    """Score a decoding: common hanzi count +1, rare CJK −, odd characters (kana from GBK-as-Big5, PUA,
    control, Latin-1 letters, compatibility forms) strongly −; a mix of simplified-only *and*
    traditional-only characters is penalised (a wrong double-byte decoding produces both).

    >>> plausibility("关于进一步加强服务品牌建设的通知").certain
    True
    >>> plausibility("壽衾輛珨祭樓Ч督昢こ齪膘扢腔籵眭").plausible   # GBK bytes read as Big5
    False
    >>> plausibility("2024-07-01 report").score   # no CJK at all: neutral
    1.0
    """
    simp, trad, level2 = _char_sets()
    common = rare = odd = s_only = t_only = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if o < 32 and ch not in "\t\n\r\f":
                odd += 1
            continue
        if ch in simp:
            common += 1
            if ch not in trad:
                s_only += 1
        elif ch in trad:
            common += 1
            t_only += 1
        elif 0x4E00 <= o <= 0x9FFF:
            rare += 0.5 if ch in level2 else 1
        elif ch in _OK_PUNCT or 0x3000 <= o <= 0x301F or 0xFF01 <= o <= 0xFF5E or 0x2000 <= o <= 0x206F:
            continue
        elif 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3FFFF:
            rare += 2  # extension A/B: real in names, but rare
        else:
            odd += 1  # PUA, kana, hangul, Cyrillic, box drawing, Latin-1 letters, U+FFFD, ...
    mixed = min(s_only, t_only)
    total = common + rare + odd
    if total == 0:
        return Plausibility(1.0 if odd == 0 else 0.0, 0, int(odd), 0)
    bad = rare * 0.5 + odd * 3 + mixed * 2
    return Plausibility(max(0.0, 1 - bad / total), common + int(rare), int(odd), mixed)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _strict_head(data: bytes, codec: str) -> str | None:
    """Strictly decode the head sample, tolerating a multi-byte character cut at the sample's end."""
    if len(data) <= _SAMPLE:
        return _strict(data, codec)
    dec = codecs.getincrementaldecoder(codec)("strict")
    try:
        return dec.decode(data[:_SAMPLE], final=False)
    except UnicodeDecodeError:
        return None


def _chardet(data: bytes) -> str | None:
    import chardet

    enc = (chardet.detect(data[:200000])["encoding"] or "").lower()
    return _CHARDET_MAP.get(enc, enc or None)


def detect_encoding(data: bytes) -> tuple[str, str]:
    """Return (recorded encoding name, python codec) for text bytes without a BOM.

    >>> detect_encoding("通知".encode("utf-8"))
    ('utf-8', 'utf-8')
    >>> detect_encoding("联系人：王䶮".encode("gb18030"))
    ('gb18030', 'gb18030')
    """
    if enc := utf16_by_nuls(data[:4096]):
        return enc, enc
    head = data[:_SAMPLE]
    if _strict_head(data, "utf-8") is not None:
        return "utf-8", "utf-8"
    cands: list[tuple[float, int, str]] = []
    gb = _strict_head(data, "gb18030")
    if gb is not None:
        p = plausibility(gb)
        if p.certain:
            return "gb18030", "gb18030"
        if p.plausible:
            cands.append((p.score, 1, "gb18030"))
    for name in ("big5", "big5hkscs"):
        b5 = _strict_head(data, _CODEC[name])
        if b5 is not None:
            p = plausibility(b5)
            if p.plausible:
                cands.append((p.score, 0, name))
            break
    if not cands and len(head) % 2 == 0 and len(head) >= 8:  # UTF-16 without BOM and without ASCII
        for codec in ("utf-16-le", "utf-16-be"):
            t = _strict_head(data, codec)
            if t is not None and plausibility(t).certain:
                return codec, codec
    if cands:
        cands.sort(reverse=True)
        return cands[0][2], _CODEC.get(cands[0][2], cands[0][2])
    # nothing strict and plausible: ask chardet, then keep the decoding with the fewest losses
    guess = _chardet(head)
    options = ["utf-8", "gb18030", "big5"]
    if guess and guess not in options:
        try:
            codecs.lookup(_CODEC.get(guess, guess))
            options.insert(0, guess)
        except LookupError:
            pass
    elif guess:
        options.remove(guess)
        options.insert(0, guess)

    def cost(enc: str) -> float:
        t = head.decode(_CODEC.get(enc, enc), "replace")
        p = plausibility(t)
        return t.count("\ufffd") * 4 + (1 - p.score) * len(t) * 0.5 - (0.5 if enc == guess else 0)

    best = min(options, key=cost)
    return best, _CODEC.get(best, best)


def decode(data: bytes) -> tuple[str, str, int]:
    """Decode text bytes; return (text, encoding name, number of undecodable bytes replaced by U+FFFD)."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            text = body.decode(codec, "replace")
            return text, (codec if label in ("utf-16", "utf-32") else label), _lost(body, codec, text)
    name, codec = detect_encoding(data)
    try:
        return data.decode(codec), name, 0
    except UnicodeDecodeError:
        text = data.decode(codec, "replace")
        return text, name, _lost(data, codec, text)


def _lost(data: bytes, codec: str, text: str) -> int:
    n = text.count("\ufffd")
    if not n:
        return 0
    return n - _strict_count_fffd(data, codec)


def _strict_count_fffd(data: bytes, codec: str) -> int:
    """U+FFFD characters genuinely present in the source (encoded, not produced by the decoder)."""
    try:
        return data.count("\ufffd".encode(codec))
    except (UnicodeEncodeError, LookupError):
        return 0


_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_BAD_CTRL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def normalise_newlines(text: str) -> str:
    r"""CRLF/CR/U+2028/form feed → ``\n``; other C0 controls dropped; trailing spaces of lines removed.

    >>> normalise_newlines("一、总则\r\n内容\r二、\x00附则  \n")
    '一、总则\n内容\n二、附则\n'
    """
    text = _NEWLINES.sub("\n", text)
    if _BAD_CTRL.search(text):
        text = _BAD_CTRL.sub("", text)
    if " \n" in text or "\t\n" in text or "\u3000\n" in text:
        text = re.sub(r"[ \t\u3000]+\n", "\n", text)
    return text


def blocks_from_lines(text: str) -> list[Block]:
    """One paragraph block per non-blank line."""
    return [Block("paragraph", line) for line in text.split("\n") if line.strip()]


def read(data: bytes, name: str | None = None, settings=None) -> Ingested:
    text, enc, lost = decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    text = normalise_newlines(text)
    if not text.strip():
        raise EmptyDocument(f"{name or 'input'} contains no text")
    blocks = blocks_from_lines(text)
    meta = {"decode_errors": lost} if lost else {}
    return Ingested("\n".join(b.text for b in blocks), "txt", "text/plain", enc, blocks, [], meta)
