"""Pick a reader by content: magic bytes first, then markup sniffing, then the extension.

``sniff(data, name)`` returns one of ``pdf | doc | docx | html | txt`` or raises:

- :class:`~docproc.errors.EmptyDocument` for empty (or whitespace/BOM-only) input;
- :class:`~docproc.errors.UnsupportedFormat` for other binary content.  Archives (zip that is not a .docx,
  7z, rar, gzip, bzip2, xz, tar) raise it with ``details["kind"] == "archive"``: they are unpacked elsewhere
  (``docproc.ingest.archive``), never read as one document.

>>> sniff(b"%PDF-1.7\\n...")
'pdf'
>>> sniff("<p>各市（州）人民政府：</p><br />".encode())
'html'
>>> sniff("信息名称9/span>开展“满意服务月”活?/td>".encode())  # lost-'<' remnants are text
'txt'
>>> sniff("常建〔2010〕36号".encode("gbk"))
'txt'
>>> sniff(b"\\x1f\\x8b\\x08\\x00")
Traceback (most recent call last):
...
docproc.errors.UnsupportedFormat: input: gzip archive; archives are unpacked by the archive reader, not read as one document
"""
from __future__ import annotations

import io
import re
import zipfile

from .errors import EmptyDocument, UnsupportedFormat

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")

# (magic, offset, description) of archives: other modules unpack them
_ARCHIVES = (
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"Rar!\x1a\x07", 0, "rar"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"BZh", 0, "bzip2"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"ustar", 257, "tar"),
)
# binary formats we recognise only to name them in the error
_OTHER_BINARY = (
    (b"\x89PNG\r\n\x1a\n", "PNG image (scans need OCR, which docproc does not do)"),
    (b"\xff\xd8\xff", "JPEG image (scans need OCR, which docproc does not do)"),
    (b"GIF8", "GIF image"),
    (b"II*\x00", "TIFF image (scans need OCR, which docproc does not do)"),
    (b"MM\x00*", "TIFF image (scans need OCR, which docproc does not do)"),
    (b"{\\rtf", "RTF document (save it as .docx)"),
    (b"\x7fELF", "executable"),
    (b"MZ", "Windows executable"),
)

# a real tag: '<' + a known HTML element name (+ attributes) + '>', or a closing tag, or a doctype/comment
_TAG_NAMES = ("html|head|body|title|meta|link|script|style|div|span|p|br|hr|b|i|u|strong|em|font|center|"
              "table|tbody|thead|tr|td|th|a|img|ul|ol|li|dl|dt|dd|h[1-6]|form|input|iframe|section|article|"
              "nav|header|footer|aside|main|pre|blockquote|sup|sub|small|label|button|select|option|o:p|st1:\\w+")
_TAG = re.compile(rb"<(?:/?(?:" + _TAG_NAMES.encode() + rb")(?=[\s/>])[^<>]{0,500}>|!--|!doctype\s+html)", re.I)
_PAGE = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta\s[^<>]*charset)", re.I)
_HTML_EXT = (".html", ".htm", ".xhtml", ".shtml", ".mht")

_WS_ONLY = re.compile(rb"(?:\s|\x00|\xef\xbb\xbf|\xff\xfe|\xfe\xff)*\Z")


def _label(name: str | None) -> str:
    return name or "input"


def _archive(name: str | None, kind: str) -> UnsupportedFormat:
    return UnsupportedFormat(f"{_label(name)}: {kind} archive; archives are unpacked by the archive reader, "
                             "not read as one document", kind="archive", archive=kind)


def utf16_by_nuls(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NUL bytes sit on one parity only (ASCII in UTF-16 without BOM).

    >>> utf16_by_nuls("2024年7月1日 第3号".encode("utf-16-le"))
    'utf-16-le'
    >>> utf16_by_nuls("plain".encode()) is None
    True
    """
    n = len(head) - len(head) % 2
    if n < 4:
        return None
    even = head[0:n:2].count(0)
    odd = head[1:n:2].count(0)
    half = n // 2
    # text in GB/Big5/UTF-8 has no NUL at all; UTF-16 of Chinese has a NUL in the high byte of each ASCII
    # character (newlines, digits) and only now and then in the other position (一 is U+4E00)
    if odd >= max(2, half * 0.004) and even * 3 <= odd:
        enc = "utf-16-le"
    elif even >= max(2, half * 0.004) and odd * 3 <= even:
        enc = "utf-16-be"
    else:
        return None
    from .ingest.text import plausibility

    sample = head[:n].decode(enc, "replace")
    if sample.count("\ufffd") * 50 > len(sample) or not plausibility(sample).plausible:
        return None
    return enc


def looks_like_html(data: bytes, name: str | None = None) -> bool:
    """True for HTML pages and body fragments with real tags (``<p>``, ``<br />``, ``<td>``…).

    Tag *remnants* without ``<`` (``叶/span>``, ``span lang="EN-US">``) do not count.

    >>> looks_like_html(b"<!DOCTYPE html><html><body>x</body></html>")
    True
    >>> looks_like_html("<b>一、各地自查</b>\\n各市（州）<br />".encode())
    True
    >>> looks_like_html("常建〓span lang=\\"EN-US\\">2006〔span lang=\\"EN-US\\">166叶span".encode())
    False
    >>> looks_like_html("数值 a<b 且 c>d".encode())
    False
    """
    head = data[:65536]
    if _PAGE.search(head[:8192]):
        return True
    tags = _TAG.findall(head)
    if len(tags) >= 3 or (len(tags) >= 1 and name and name.lower().endswith(_HTML_EXT)):
        return True
    return len(tags) == 2


def _zip_kind(data: bytes, name: str | None) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        if name and name.lower().endswith(".docx"):
            return "docx"  # a damaged .docx: its reader raises UnreadableDocument with the reason
        raise UnsupportedFormat(f"{_label(name)}: damaged zip data ({e})", kind="archive", archive="zip") from e
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        what = "spreadsheet (.xlsx)" if "xl/workbook.xml" in names else "presentation (.pptx)"
        raise UnsupportedFormat(f"{_label(name)}: {what} is not a notice format docproc reads")
    raise _archive(name, "zip")


def _is_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return ctrl > max(2, len(head) * 0.02)


def sniff(data: bytes, name: str | None = None) -> str:
    """Return the reader for ``data``: ``pdf | doc | docx | html | txt`` (see the module docstring)."""
    if not data or _WS_ONLY.match(data[:4096]) and _WS_ONLY.match(data):
        raise EmptyDocument(f"{_label(name)} is empty")
    head = data[:8]
    if data[:1024].lstrip()[:5] == b"%PDF-" or head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        if _WORD_STREAM in data[:1 << 20] or _WORD_STREAM in data[-(1 << 16):]:
            return "doc"
        raise UnsupportedFormat(f"{_label(name)}: OLE2 compound file without a WordDocument stream "
                                "(an Excel/PowerPoint/Outlook file?), not a Word .doc")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(data, name)
    for magic, off, kind in _ARCHIVES:
        if data[off:off + len(magic)] == magic:
            raise _archive(name, kind)
    for magic, what in _OTHER_BINARY:
        if head.startswith(magic):
            raise UnsupportedFormat(f"{_label(name)}: {what}")
    # text from here on: find out whether it is markup
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        enc = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        text_head = data[2:65538].decode(enc, "ignore").encode("utf-8")
    elif enc := utf16_by_nuls(data[:4096]):
        text_head = data[:65536].decode(enc, "ignore").encode("utf-8")
    else:
        if _is_binary(data[:4096]):
            raise UnsupportedFormat(f"{_label(name)}: binary content of an unsupported type")
        text_head = data[:65536]
    if looks_like_html(text_head, name):
        return "html"
    return "txt"
