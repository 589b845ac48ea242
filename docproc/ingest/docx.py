"""Word .docx → blocks in body order (python-docx to open the package, lxml to walk the body).

- paragraphs and tables interleaved as they stand in ``w:body`` (content controls ``w:sdt`` entered);
- numbering labels restored from ``w:numPr`` (direct or through the paragraph style) and ``numbering.xml``
  (``abstractNum/lvl``: ``start``, ``numFmt`` incl. ``chineseCounting``, ``lvlText`` such as ``%1、``,
  ``（%1）``, ``%1.%2``), counters kept per list and reset below the level that advanced;
- text boxes (``w:txbxContent``, once: the VML fallback of ``mc:AlternateContent`` is skipped) read as
  their own blocks before the paragraph that anchors them;
- headings (style ``heading N``/``标题 N``/``Title`` or an ``outlineLvl``) become ``Block("heading")``;
- table rows become ``table_row`` blocks (cells joined by a tab); a layout table whose cells hold several
  paragraphs is read paragraph by paragraph; deleted text (``w:del``) and field codes are left out.

>>> format_number(12, "chineseCounting"), format_number(3, "decimal"), format_number(2, "decimalEnclosedCircle")
('十二', '3', '②')
"""
from __future__ import annotations

import io
import re
import zipfile

from ..errors import EmptyDocument, EncryptedDocument, UnreadableDocument
from ..model import Block
from . import Ingested

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_w = "{%s}" % W
P, TBL, TR, TC, SDT, SDTCONTENT = (_w + t for t in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
T, TAB, BR, CR, DEL, TXBX, INS = (_w + t for t in ("t", "tab", "br", "cr", "del", "txbxContent", "ins"))
FALLBACK = "{%s}Fallback" % MC
VAL = _w + "val"

_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)

_CN_DIGITS = "零一二三四五六七八九"
_CN_TRAD = "零壹贰叁肆伍陆柒捌玖"


def chinese_number(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (Word's ``chineseCounting``).

    >>> [chinese_number(n) for n in (1, 10, 11, 20, 27, 100, 105, 1010)]
    ['一', '十', '十一', '二十', '二十七', '一百', '一百零五', '一千零一十']
    """
    if n <= 0:
        return digits[0]
    if n >= 10000:
        return str(n)
    out, zero = [], False
    for i, p in enumerate((1000, 100, 10, 1)):
        d = n // p % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append(digits[0])
            zero = False
        if not (p == 10 and d == 1 and not out):
            out.append(digits[d])
        if p > 1:
            out.append(units[2 - i] if i < 3 else "")
    return "".join(out)


def _roman(n: int) -> str:
    vals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for v, s in vals:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """Format counter ``n`` in a ``w:numFmt`` (unknown formats fall back to decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "japaneseCounting"):
        return chinese_number(n)
    if fmt in ("chineseLegalSimplified", "taiwaneseCountingThousand", "ideographLegalTraditional"):
        return chinese_number(n, _CN_TRAD, "拾佰仟")
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(c)) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


class Numbering:
    """Counters for the lists of one document (``numbering.xml``)."""

    def __init__(self, root):
        self.abstract: dict[str, dict[int, dict]] = {}
        self.num_to_abs: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for an in root.iter(_w + "abstractNum"):
            levels = {}
            for lvl in an.iter(_w + "lvl"):
                ilvl = int(lvl.get(_w + "ilvl", "0"))
                levels[ilvl] = {
                    "start": int(_val(lvl, "start") or 1),
                    "fmt": _val(lvl, "numFmt") or "decimal",
                    "text": _val(lvl, "lvlText"),
                    "restart": _val(lvl, "lvlRestart"),
                    "legal": lvl.find(_w + "isLgl") is not None,
                }
            self.abstract[an.get(_w + "abstractNumId")] = levels
        for num in root.iter(_w + "num"):
            nid = num.get(_w + "numId")
            an = num.find(_w + "abstractNumId")
            if an is not None:
                self.num_to_abs[nid] = an.get(VAL)
            ov = {}
            for lo in num.iter(_w + "lvlOverride"):
                so = lo.find(_w + "startOverride")
                if so is not None:
                    ov[int(lo.get(_w + "ilvl", "0"))] = int(so.get(VAL, "1"))
            if ov:
                self.overrides[nid] = ov

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of (list, level) and return the label, e.g. ``（三）``."""
        abs_id = self.num_to_abs.get(num_id)
        levels = self.abstract.get(abs_id) if abs_id is not None else None
        if not levels or num_id == "0":
            return ""
        lvl = levels.get(ilvl)
        if lvl is None:
            return ""
        counters = self.counters.setdefault(abs_id, {})
        if num_id in self.overrides and num_id not in self.started:
            self.started.add(num_id)
            for k, v in self.overrides[num_id].items():
                counters[k] = v - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl]["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            counters.pop(deeper)
        text = lvl["text"]
        if text is None or lvl["fmt"] == "bullet":
            return ""

        def sub(m):
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            fmt = "decimal" if (lvl["legal"] and k != ilvl) else levels[k]["fmt"]
            return format_number(counters.get(k, levels[k]["start"]), fmt)

        return re.sub(r"%(\d)", sub, text)


def _val(el, tag):
    c = el.find(_w + tag)
    return c.get(VAL) if c is not None else None


class _Styles:
    """Paragraph style lookups: heading level, inherited numbering."""

    def __init__(self, root):
        self.by_id: dict[str, object] = {}
        self._levels: dict = {}
        self._numprs: dict = {}
        if root is not None:
            for st in root.iter(_w + "style"):
                if st.get(_w + "type") in (None, "paragraph"):
                    self.by_id[st.get(_w + "styleId")] = st

    def heading_level(self, style_id: str | None) -> int | None:
        if style_id not in self._levels:
            self._levels[style_id] = self._heading_level(style_id)
        return self._levels[style_id]

    def numpr(self, style_id: str | None) -> tuple[str, int] | None:
        if style_id not in self._numprs:
            self._numprs[style_id] = self._numpr(style_id)
        return self._numprs[style_id]

    def _heading_level(self, style_id: str | None) -> int | None:
        seen = 0
        while style_id and style_id in self.by_id and seen < 10:
            st = self.by_id[style_id]
            name = (_val(st, "name") or "").strip()
            m = _HEADING_NAME.match(name)
            if m:
                return int(m.group(1))
            if name.lower() in ("title", "标题"):
                return 1
            ppr = st.find(_w + "pPr")
            if ppr is not None and (ol := _val(ppr, "outlineLvl")) is not None and ol.isdigit() and int(ol) < 9:
                return int(ol) + 1
            style_id = _val(st, "basedOn")
            seen += 1
        return None

    def _numpr(self, style_id: str | None) -> tuple[str, int] | None:
        seen = 0
        while style_id and style_id in self.by_id and seen < 10:
            ppr = self.by_id[style_id].find(_w + "pPr")
            if ppr is not None and (np := ppr.find(_w + "numPr")) is not None:
                nid = _val(np, "numId")
                if nid is not None:
                    return nid, int(_val(np, "ilvl") or 0)
            style_id = _val(self.by_id[style_id], "basedOn")
            seen += 1
        return None


class _Reader:
    def __init__(self, numbering: Numbering, styles: _Styles):
        self.numbering, self.styles = numbering, styles
        self.blocks: list[Block] = []

    def body(self, el) -> None:
        for child in el:
            tag = child.tag
            if tag == P:
                self.paragraph(child)
            elif tag == TBL:
                self.table(child)
            elif tag == SDT:
                content = child.find(SDTCONTENT)
                if content is not None:
                    self.body(content)
            elif tag in (INS, _w + "customXml"):
                self.body(child)

    def _text(self, p) -> tuple[str, list]:
        parts, boxes = [], []

        def walk(el):
            for c in el:
                tag = c.tag
                if tag == T:
                    parts.append(c.text or "")
                elif tag == TAB:
                    parts.append("\t")
                elif tag in (BR, CR):
                    parts.append("\n")
                elif tag == _w + "noBreakHyphen":
                    parts.append("-")
                elif tag == TXBX:
                    boxes.append(c)
                elif tag in (DEL, FALLBACK, _w + "pPr", _w + "rPr", _w + "instrText"):
                    continue
                elif tag == P:  # should not happen outside text boxes
                    continue
                else:
                    walk(c)

        walk(p)
        return "".join(parts), boxes

    def paragraph(self, p) -> None:
        text, boxes = self._text(p)
        for box in boxes:
            self.body(box)
        ppr = p.find(_w + "pPr")
        style_id = _val(ppr, "pStyle") if ppr is not None else None
        label = ""
        numpr = ppr.find(_w + "numPr") if ppr is not None else None
        ref = None
        if numpr is not None:
            nid = _val(numpr, "numId")
            if nid is not None:
                ref = (nid, int(_val(numpr, "ilvl") or 0))
            elif (inherited := self.styles.numpr(style_id)) is not None:
                ref = (inherited[0], int(_val(numpr, "ilvl") or inherited[1]))
        elif style_id:
            ref = self.styles.numpr(style_id)
        if ref is not None and text.strip():
            label = self.numbering.label(*ref)
        level = None
        if ppr is not None and (ol := _val(ppr, "outlineLvl")) is not None and ol.isdigit() and int(ol) < 9:
            level = int(ol) + 1
        if level is None:
            level = self.styles.heading_level(style_id)
        lines = [ln.strip(" \u3000\t") for ln in text.split("\n")]
        lines = [ln for ln in lines if ln]
        if not lines:
            return
        if label:
            sep = "" if label[-1] in "、.．)）:：,，" or label[-1].isspace() else " "
            lines[0] = label + sep + lines[0]
        kind = "heading" if level is not None else "paragraph"
        for ln in lines:
            self.blocks.append(Block(kind, ln, level))

    def table(self, tbl) -> None:
        for tr in tbl.iter(TR):
            if _nearest_table(tr) is not tbl:
                continue
            cells = []
            layout = False
            for tc in tr:
                if tc.tag == SDT:
                    tc = tc.find(SDTCONTENT)
                    if tc is None:
                        continue
                    tcs = [x for x in tc if x.tag == TC]
                else:
                    tcs = [tc] if tc.tag == TC else []
                for cell in tcs:
                    sub = _Reader(self.numbering, self.styles)
                    sub.body(cell)
                    cells.append(sub.blocks)
                    if len(sub.blocks) > 1 and sum(len(b.text) for b in sub.blocks) > 60 or \
                            any(b.kind == "table_row" for b in sub.blocks):
                        layout = True
            if layout:
                for blocks in cells:
                    self.blocks.extend(blocks)
            else:
                texts = [" ".join(b.text for b in blocks) for blocks in cells]
                texts = [t for t in texts if t]
                if texts:
                    self.blocks.append(Block("table_row", "\t".join(texts)))


def _nearest_table(el):
    p = el.getparent()
    while p is not None and p.tag != TBL:
        p = p.getparent()
    return p


def _check_package_size(data: bytes, label: str, settings) -> None:
    """python-docx inflates every part of the package (images included) into memory, so a small .docx can be
    a zip bomb: refuse one whose parts add up to more than ``max_document_bytes`` or inflate past
    ``archive_max_ratio`` (the same limits as archives)."""
    from ..config import default_settings
    from ..errors import TooLarge

    settings = settings or default_settings()
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise UnreadableDocument(f"{label}: not a readable .docx ({type(e).__name__}: {e})") from e
    total = sum(i.file_size for i in infos)
    if total > settings.max_document_bytes:
        raise TooLarge(f"{label}: the .docx unpacks to {total} bytes, over the limit of "
                       f"{settings.max_document_bytes} (DOCPROC_MAX_DOCUMENT_BYTES)",
                       limit=settings.max_document_bytes, setting="max_document_bytes")
    if total > (1 << 20) and total > settings.archive_max_ratio * max(len(data), 1):
        raise TooLarge(f"{label}: the .docx inflates {total / max(len(data), 1):.0f}× (limit "
                       f"{settings.archive_max_ratio:g}×, DOCPROC_ARCHIVE_MAX_RATIO)",
                       limit=settings.archive_max_ratio, setting="archive_max_ratio")


def read(data: bytes, name: str | None = None, settings=None) -> Ingested:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    label = name or "input"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise EncryptedDocument(f"{label}: a password-protected Office document")
    _check_package_size(data, label, settings)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as e:
        raise UnreadableDocument(f"{label}: not a readable .docx ({type(e).__name__}: {e})") from e
    except Exception as e:  # lxml XMLSyntaxError and other damage inside the package
        raise UnreadableDocument(f"{label}: damaged .docx ({type(e).__name__}: {e})") from e
    part = document.part
    try:
        numbering_root = part.numbering_part.element
    except (NotImplementedError, KeyError, AttributeError):
        numbering_root = None
    try:
        styles_root = part.styles.element if hasattr(part, "styles") else document.styles.element
    except (KeyError, AttributeError, NotImplementedError):
        styles_root = None
    reader = _Reader(Numbering(numbering_root), _Styles(styles_root))
    body = document.element.find(_w + "body")
    if body is None:
        raise UnreadableDocument(f"{label}: the .docx has no document body")
    try:
        reader.body(body)
    except RecursionError as e:
        raise UnreadableDocument(f"{label}: the .docx nests its elements too deeply to read") from e
    blocks = reader.blocks
    if not blocks:
        raise EmptyDocument(f"{label}: the document has no text")
    meta = {}
    core = document.core_properties
    if core.title:
        meta["docx_title"] = core.title
    return Ingested("\n".join(b.text for b in blocks), "docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None, blocks, [], meta)
