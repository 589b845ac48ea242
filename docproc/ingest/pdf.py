"""PDF text layer → paragraphs.

Fast path: pypdfium2's text page (hundreds of pages/s) with the loose box of each line's first and last
character, which gives the geometry to rebuild paragraphs.  Per page, pdfplumber (``dedupe_chars``) takes
over when pdfium's text looks wrong: more than a few percent of U+FFFD/``(cid:N)``/private-use characters, or
doubled fake-bold characters (``关关于于``); whichever extractor has fewer bad characters wins.

Then: page numbers (``— 3 —``, ``- 3 -``, ``第3页``, ``3/11``, a lone number at the page foot) and running
headers/footers repeated across pages are removed; lines are joined when the line reaches the right margin
and the next one is not indented and does not start with a numbering label (``一、`` ``（一）`` ``1.``), and
when a date or number is split (``2024 年 7 月`` / ``1 日``).  A PDF without a text layer gives an
``Issue("needs_ocr")``; encrypted → :class:`EncryptedDocument`; damaged → :class:`UnreadableDocument`.
"""
from __future__ import annotations

import io
import re
import statistics
import unicodedata
from dataclasses import dataclass

from ..errors import EmptyDocument, EncryptedDocument, UnreadableDocument
from ..model import Block, Issue
from . import Ingested

BAD_RATIO = 0.03  # share of bad characters on a page above which the other extractor is tried
FAKE_BOLD_RATIO = 0.25  # share of CJK characters immediately repeated
MIN_PAGE_CHARS = 10  # a page with fewer non-space characters has no usable text layer

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~～_·•]+\s*\d{1,4}\s*[-—–－~～_·•]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-—–－]?\s*\d{1,4}\s*[-—–－]?)$",
    re.I)
_LONE_NUMBER = re.compile(r"^\d{1,4}$")
_LABEL = re.compile(r"^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|\d{1,3}[.．、](?!\d)|"
                    r"[（(]\d{1,3}[）)]|[①-⑳⑴-⒇]|第[一二三四五六七八九十百零\d]+[章节条部分]|附件\s*\d*[:：]?)")
_DATE_TAIL = re.compile(r"(?:\d|\d\s*[年月])$")
_DATE_HEAD = re.compile(r"^\d{1,2}\s*[日月号]|^[日号]")
_CID = re.compile(r"\(cid:\d+\)")
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009]+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def is_page_number(line: str) -> bool:
    """A page-number line: ``— 3 —``, ``- 12 -``, ``第3页``, ``第 3 页 共 11 页``, ``3/11``, ``Page 2``.

    >>> [is_page_number(s) for s in ("— 3 —", "- 12 -", "第3页", "第 3 页 共 11 页", "3/11", "7")]
    [True, True, True, True, True, True]
    >>> [is_page_number(s) for s in ("2024年", "一、总体要求", "3.5万元", "-")]
    [False, False, False, False]
    """
    return bool(_PAGE_NUMBER.match(line.strip()))


def is_label(line: str) -> bool:
    """Does a line start with a numbering label (a new paragraph)?

    >>> [is_label(s) for s in ("一、总体要求", "（二）农机创新产品", "1.专项鉴定产品", "1.5万元", "（3）列入")]
    [True, True, True, False, True]
    """
    return bool(_LABEL.match(line))


@dataclass
class Line:
    text: str
    x0: float | None = None
    x1: float | None = None
    top: float | None = None  # distance from the top of the page
    height: float | None = None


@dataclass
class Page:
    lines: list[Line]
    width: float
    height: float
    extractor: str = "pdfium"
    chars: int = 0


def _bad_chars(text: str) -> int:
    n = len(_CID.findall(text)) * 1
    for ch in text:
        o = ord(ch)
        if o == 0xFFFD or 0xE000 <= o <= 0xF8FF or (o < 32 and ch not in "\r\n\t"):
            n += 1
    return n


def _visible(text: str) -> int:
    return sum(1 for ch in _CID.sub("\ufffd", text) if not ch.isspace())


def _fake_bold(text: str) -> bool:
    cjk = dup = 0
    prev = ""
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            cjk += 1
            if ch == prev:
                dup += 1
        prev = ch
    return cjk >= 20 and dup / cjk >= FAKE_BOLD_RATIO


# ---------------------------------------------------------------- extractors
_LINE_RE = re.compile(r"[^\r\n]+")


def _pdfium_page(page) -> Page:
    w, h = page.get_size()
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        n = tp.count_chars()
        aligned = n == len(text)
        lines = []
        for m in _LINE_RE.finditer(text):
            s = m.group(0)
            stripped = s.strip(" \t\u00a0\u2002\u2003\u3000")
            if not stripped:
                continue
            if aligned:
                a = m.start() + (len(s) - len(s.lstrip(" \t\u00a0\u2002\u2003\u3000")))
                b = m.start() + len(s.rstrip(" \t\u00a0\u2002\u2003\u3000")) - 1
                l0, b0, _, t0 = tp.get_charbox(a, loose=True)
                _, _, r1, _ = tp.get_charbox(b, loose=True)
                lines.append(Line(stripped, l0, r1, h - t0, t0 - b0))
            else:
                lines.append(Line(stripped))
        return Page(_reading_order(lines), w, h, "pdfium", _visible(text))
    finally:
        tp.close()


def _reading_order(lines: list[Line]) -> list[Line]:
    """Sort lines top to bottom (objects such as text boxes are often written last), keeping the stream
    order of lines that share a baseline band (table cells, columns of one row)."""
    if len(lines) < 2 or any(ln.top is None for ln in lines):
        return lines
    heights = sorted(ln.height or 0 for ln in lines)
    band = max(heights[len(heights) // 2] * 0.5, 1.0)
    if all(a.top <= b.top + band for a, b in zip(lines, lines[1:])):
        return lines  # already in order (the usual case)
    return sorted(lines, key=lambda ln: round(ln.top / band))


def _plumber_page(pdf, index: int) -> Page:
    page = pdf.pages[index]
    try:
        page = page.dedupe_chars()
        rows = page.extract_text_lines(return_chars=False)
        lines = []
        for r in rows:
            t = r["text"].strip()
            if t:
                lines.append(Line(t, float(r["x0"]), float(r["x1"]), float(r["top"]),
                                  float(r["bottom"]) - float(r["top"])))
        return Page(lines, float(page.width), float(page.height), "pdfplumber",
                    sum(_visible(ln.text) for ln in lines))
    finally:
        page.close() if hasattr(page, "close") else None


# ---------------------------------------------------------------- page furniture
def _page_number_at(p: Page, i: int) -> bool:
    ln = p.lines[i]
    if not _PAGE_NUMBER.match(ln.text):
        return False
    if not _LONE_NUMBER.match(ln.text):
        return True
    if ln.top is None:  # no geometry: a lone number only as the page's last line
        return i == len(p.lines) - 1
    return ln.top > p.height * 0.85 or ln.top < p.height * 0.1


def _strip_page_numbers(pages: list[Page]) -> int:
    removed = 0
    for p in pages:
        for i in sorted({len(p.lines) - 1, 0} if len(p.lines) > 1 else set(), reverse=True):
            if _page_number_at(p, i):
                p.lines.pop(i)
                removed += 1
    return removed


def _strip_furniture(pages: list[Page]) -> int:
    """Remove page numbers and running headers/footers in place; return how many lines went."""
    removed = _strip_page_numbers(pages)
    # running headers/footers: same text (digits ignored) at the top/bottom of most pages (two pages
    # suffice when the line sits in the top or bottom margin band)
    if len(pages) >= 2:
        need = max(2, int(len(pages) * 0.5 + 0.5))
        for pos in (0, -1):
            counts: dict[str, int] = {}
            for p in pages:
                if p.lines:
                    k = _furniture_key(p.lines[pos].text)
                    counts[k] = counts.get(k, 0) + 1
            repeated = {k for k, c in counts.items() if c >= need and len(k) <= 60}
            for p in pages:
                if len(p.lines) > 1 and _furniture_key(p.lines[pos].text) in repeated:
                    ln = p.lines[pos]
                    if ln.top is None and len(pages) >= 3 or \
                            ln.top is not None and (ln.top < p.height * 0.12 or ln.top > p.height * 0.85):
                        p.lines.pop(pos)
                        removed += 1
        removed += _strip_page_numbers(pages)
    return removed


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", _SPACES.sub("", text))


# ---------------------------------------------------------------- paragraphs
def _vis_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


@dataclass
class _Geometry:
    left: float
    right: float
    em: float


def _geometry(pages: list[Page]) -> _Geometry | None:
    x0s, x1s, ems = [], [], []
    for p in pages:
        for ln in p.lines:
            if ln.x0 is None or ln.x1 is None:
                continue
            if _vis_width(ln.text) >= 30:
                x0s.append(ln.x0)
                x1s.append(ln.x1)
            if ln.height:
                ems.append(ln.height)
    if len(x0s) < 3 or not ems:
        return None
    x0s.sort()
    x1s.sort()
    left = x0s[len(x0s) // 10]
    right = x1s[len(x1s) * 9 // 10]
    return _Geometry(left, right, max(statistics.median(ems), 4.0))


_OPEN = "“‘（《〔【(\\[「"
_WORD = r"(?:[A-Za-z0-9][A-Za-z0-9.%/\-]*|.)"
_CHUNK = re.compile(rf"[{_OPEN}]*{_WORD}(?:[{_OPEN}]+{_WORD})?[”’）》〕】)\]」，。、；：！？,.;:!?%]*")


def _chunk_ems(line: str) -> float:
    """Width (in em) of a line's first unbreakable chunk: a CJK character or an ASCII word with the
    punctuation that may not begin or end a line.

    >>> _chunk_ems("间：2015 年"), _chunk_ems("大“101%服务"), _chunk_ems("2015 年")
    (2.0, 4.2, 2.2)
    >>> _chunk_ems("市“十佳服务品牌”")
    3.0
    """
    m = _CHUNK.match(line)
    if not m:
        return 1.0
    return round(sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in m.group(0)), 2)


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum() \
            and not (a[-1].isdigit() and b[0].isdigit()):
        return a + " " + b
    return a + b


def paragraphs(pages: list[Page]) -> list[Block]:
    """Join the lines of all pages into paragraph (and centred heading) blocks."""
    geo = _geometry(pages)
    lines = [ln for p in pages for ln in p.lines]
    if not lines:
        return []
    widths = sorted(_vis_width(ln.text) for ln in lines)
    full_width = widths[int(len(widths) * 0.9)] if widths else 0

    def full(ln: Line, nxt: str) -> bool:
        """Does ``ln`` reach the right margin, or would the next line's first unbreakable chunk not fit?"""
        if geo and ln.x1 is not None:
            gap = geo.right - ln.x1
            return gap < geo.em * 1.2 or gap < geo.em * (_chunk_ems(nxt) + 0.3)
        return _vis_width(ln.text) >= full_width * 0.9

    def indented(ln: Line) -> bool:
        if geo and ln.x0 is not None:
            return ln.x0 - geo.left > geo.em * 0.8
        return False

    def centred(ln: Line) -> bool:
        if not geo or ln.x0 is None or ln.x1 is None:
            return False
        lg, rg = ln.x0 - geo.left, geo.right - ln.x1
        return lg > geo.em * 2.5 and rg > geo.em * 2.5 and abs(lg - rg) < geo.em * 2

    # numbering labels start paragraphs only in documents that do not indent their paragraphs (where they
    # do, the indent says it better, and a label may sit inside a paragraph: 要求如下：（一）…)
    n_indented = sum(1 for ln in lines if indented(ln) and not centred(ln))
    use_labels = n_indented < max(3, len(lines) * 0.03)

    blocks: list[Block] = []
    cur: str | None = None
    cur_kind = "paragraph"
    prev: Line | None = None
    for ln in lines:
        text = _SPACES.sub(" ", ln.text)
        if cur is not None and prev is not None:
            if not centred(prev) and not centred(ln) and not indented(ln) and not (use_labels and is_label(text)) and \
                    (full(prev, text) or (bool(_DATE_TAIL.search(cur)) and bool(_DATE_HEAD.match(text)))):
                cur = _join(cur, text)
                prev = ln
                continue
            blocks.append(Block(cur_kind, cur, 1 if cur_kind == "heading" else None))
        cur = text
        cur_kind = "heading" if centred(ln) and _vis_width(text) < 60 and not text.endswith(("。", "；")) else "paragraph"
        prev = ln
    if cur is not None:
        blocks.append(Block(cur_kind, cur, 1 if cur_kind == "heading" else None))
    return blocks


# ---------------------------------------------------------------- reader
def _open(data: bytes, label: str):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise EncryptedDocument(f"{label}: the PDF is password-protected") from e
        raise UnreadableDocument(f"{label}: damaged PDF ({e})") from e
    except Exception as e:  # pragma: no cover - anything else pdfium raises
        raise UnreadableDocument(f"{label}: damaged PDF ({type(e).__name__}: {e})") from e


def _has_images(page) -> bool:
    import pypdfium2.raw as raw

    try:
        return any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=3))
    except Exception:  # pragma: no cover
        return False


def read(data: bytes, name: str | None = None, settings=None, extractor: str = "auto") -> Ingested:
    """Read a PDF's text layer; ``extractor`` is ``auto`` (pdfium, pdfplumber per page where pdfium's text
    looks wrong), ``pdfium`` or ``pdfplumber`` (every page; slow, for comparisons)."""
    label = name or "input"
    if extractor not in ("auto", "pdfium", "pdfplumber"):
        raise ValueError(f"extractor must be auto, pdfium or pdfplumber, not {extractor!r}")
    pdf = _open(data, label)
    plumber = None
    issues: list[Issue] = []
    try:
        n = len(pdf)
        if n == 0:
            raise EmptyDocument(f"{label}: the PDF has no pages")
        limit = int(getattr(settings, "pdf_max_pages", 0) or n)
        pages: list[Page] = []
        textless: list[int] = []
        switched: list[int] = []
        for i in range(min(n, limit)):
            page = pdf[i]
            try:
                try:
                    pg = _pdfium_page(page)
                except Exception as e:
                    raise UnreadableDocument(f"{label}: cannot read page {i + 1} ({e})") from e
                raw_text = "".join(ln.text for ln in pg.lines)
                bad = _bad_chars(raw_text)
                force = extractor == "pdfplumber"
                if extractor != "pdfium" and (force or pg.chars and (bad / pg.chars > BAD_RATIO or
                                                                     _fake_bold(raw_text))):
                    if plumber is None:
                        plumber = _open_plumber(data)
                    if plumber is not None:
                        try:
                            alt = _plumber_page(plumber, i)
                        except Exception:  # pdfminer trouble on one page: keep pdfium's text
                            alt = None
                        if alt is not None:
                            alt_bad = _bad_chars("".join(ln.text for ln in alt.lines))
                            if force or alt.chars and (alt_bad / alt.chars < bad / pg.chars or _fake_bold(raw_text)):
                                pg = alt
                                switched.append(i + 1)
                if pg.chars < MIN_PAGE_CHARS and _has_images(page):
                    textless.append(i + 1)
                pages.append(pg)
            finally:
                page.close()
    finally:
        pdf.close()
        if plumber is not None:
            plumber.close()
    removed = _strip_furniture(pages)
    blocks = paragraphs(pages)
    meta: dict = {"pages": n, "extractor": "pdfplumber" if extractor == "pdfplumber" else "pdfium"}
    if switched:
        meta["pdfplumber_pages"] = switched
    if removed:
        meta["furniture_lines_removed"] = removed
    if n > limit:
        issues.append(Issue("truncated", f"only the first {limit} of {n} pages were read (pdf_max_pages)",
                            stage="ingest"))
    if textless:
        meta["textless_pages"] = textless
        which = "every page" if len(textless) == len(pages) else f"pages {_ranges(textless)}"
        issues.append(Issue("needs_ocr", f"{which} of {label} {'is' if len(textless) == 1 else 'are'} images "
                            "without a text layer (a scan); OCR is needed to read them", stage="ingest"))
    elif not blocks:
        raise EmptyDocument(f"{label}: the PDF has no text")
    return Ingested("\n".join(b.text for b in blocks), "pdf", "application/pdf", None, blocks, issues, meta)


def _open_plumber(data: bytes):
    try:
        import pdfplumber

        return pdfplumber.open(io.BytesIO(data))
    except Exception:  # pdfminer cannot parse what pdfium could: stay with pdfium
        return None


def _ranges(nums: list[int]) -> str:
    """[1, 2, 3, 5] → '1–3, 5'.

    >>> _ranges([1, 2, 3, 5, 7, 8])
    '1–3, 5, 7–8'
    """
    out, start = [], None
    for i, x in enumerate(nums):
        if start is None:
            start = x
        if i + 1 == len(nums) or nums[i + 1] != x + 1:
            out.append(str(start) if start == x else f"{start}–{x}")
            start = None
    return ", ".join(out)
