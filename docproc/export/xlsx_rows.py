"""The ledger's rows as the XML openpyxl writes for them — without importing openpyxl.

:func:`fragment` renders a document's rows with the parts that depend on where they land (row number, 序号,
the style ids the workbook hands out) left as placeholders; bulk conversion calls it in its workers, and
:meth:`docproc.export.xlsx.XlsxWriter.add_fragment` fills the placeholders in. Kept apart from
:mod:`docproc.export.xlsx` so that a worker does not pay openpyxl's import (~0.1 s per process) to make them;
``tests/test_convert_exports.py`` checks these rows byte for byte against openpyxl's own and the constants
below against openpyxl's.
"""
from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

from .ledger import DATE_COLUMNS, LEDGER_COLUMNS, join, parse_date, source_label, tasks_of, text

WRAP = {"任务内容"}
#: openpyxl.cell.cell.ERROR_CODES: text Excel would read as an error value
ERROR_CODES = ('#NULL!', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!', '#N/A')
#: openpyxl.utils.datetime.WINDOWS_EPOCH (the 1900 date system, which the workbooks written here use)
EPOCH_1900 = _dt.datetime(1899, 12, 30)

#: text openpyxl (lxml) writes as it is, apart from escaping ``&<>`` and ``\r``; anything else is left to openpyxl
_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPE = re.compile("[&<>\r]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_MAX_TEXT = 32767  # openpyxl truncates longer text


def _escape(s: str) -> str:
    return _ESCAPE.sub(lambda m: _ENTITIES[m[0]], s) if _ESCAPE.search(s) else s


@lru_cache(maxsize=4096)
def serial_1900(d: _dt.date) -> str:
    """The cell value openpyxl writes for a date in the 1900 date system (``to_excel``, with Excel's phantom
    1900-02-29: serials up to 60 are one lower).

    >>> serial_1900(_dt.date(2024, 3, 31)), serial_1900(_dt.date(1900, 1, 1)), serial_1900(_dt.date(1900, 3, 1))
    ('45382', '1', '61')
    """
    days = (_dt.datetime.combine(d, _dt.time()) - EPOCH_1900).days
    if 0 < days <= 60:
        days -= 1
    return "%.16g" % days


# A row's XML depends on where it lands only through its row number, its 序号 and the style ids.
_ROW, _NUM = "\x00", "\x01"
_STYLE_MARK = {"wrap": "\x02", "date": "\x03"}
_MARK_STYLE = {v.encode(): k for k, v in _STYLE_MARK.items()}


def _column_letter(i: int) -> str:
    """Excel's column name of column ``i`` (1-based), as ``openpyxl.utils.get_column_letter``.

    >>> _column_letter(1), _column_letter(14), _column_letter(27)
    ('A', 'N', 'AA')
    """
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


_LEDGER = tuple((_column_letter(i), c in DATE_COLUMNS, c in WRAP) for i, c in enumerate(LEDGER_COLUMNS, 1))


def _plain(value: str) -> bool:
    """Whether the fast path writes this text exactly as openpyxl would (else openpyxl writes the cell)."""
    return not (len(value) > _MAX_TEXT or _UNSAFE.search(value) or value in ERROR_CODES
                or (len(value) > 1 and value[0] == "="))


def _text_xml(col: str, row: str, value: str, sid: str) -> str:
    s = f' s="{sid}"' if sid else ""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{col}{row}"{s} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


def _task_values(doc: dict) -> list[tuple]:
    notice = doc.get("notice") or {}
    docno, title = text(notice.get("doc_number")), text(notice.get("title"))
    return [(text(t.get("content")), text(t.get("stage")), join(t.get("lead")), join(t.get("owners")),
             join(t.get("partners")), text(t.get("start")), text(t.get("due")), text(t.get("time_text")), docno,
             title) for t in tasks_of(doc)]


def _doc_values(doc: dict) -> tuple:
    notice = doc.get("notice") or {}
    return (text(notice.get("doc_number")), text(notice.get("title")), join(notice.get("issuers")),
            notice.get("signed_date"), len(tasks_of(doc)), text(doc.get("status")), source_label(doc))


def task_template(values: tuple):
    """(row XML with placeholders, the style marks in order of first use) or None when a cell needs openpyxl."""
    out = [f'<c r="A{_ROW}" t="n"><v>{_NUM}</v></c>']
    marks = ""
    for (col, is_date, wrap), v in zip(_LEDGER[1:], values):
        if v == "":
            continue
        if is_date:
            d = parse_date(v)
            if d is not None:
                out.append(f'<c r="{col}{_ROW}" s="{_STYLE_MARK["date"]}" t="n"><v>{serial_1900(d)}</v></c>')
                if _STYLE_MARK["date"] not in marks:
                    marks += _STYLE_MARK["date"]
                continue
        if not _plain(v):
            return None
        mark = _STYLE_MARK["wrap"] if wrap else ""
        if mark and mark not in marks:
            marks += mark
        out.append(_text_xml(col, _ROW, v, mark))
    return f'<row r="{_ROW}">{"".join(out)}</row>'.encode("ascii", "xmlcharrefreplace"), marks.encode()


def doc_template(values: tuple):
    docno, title, issuers, signed, ntasks, status, label = values
    if not all(_plain(v) for v in (docno, title, issuers, status, label)):
        return None
    out = [f'<c r="A{_ROW}" t="n"><v>{_NUM}</v></c>']
    out += [_text_xml(col, _ROW, v, "") for col, v in zip("BCD", (docno, title, issuers)) if v != ""]
    marks = ""
    d = parse_date(signed)
    if d is not None:
        out.append(f'<c r="E{_ROW}" s="{_STYLE_MARK["date"]}" t="n"><v>{serial_1900(d)}</v></c>')
        marks = _STYLE_MARK["date"]
    out.append(f'<c r="F{_ROW}" t="n"><v>{"%.16g" % ntasks}</v></c>')
    out += [_text_xml(col, _ROW, v, "") for col, v in (("G", status), ("H", label)) if v != ""]
    return f'<row r="{_ROW}">{"".join(out)}</row>'.encode("ascii", "xmlcharrefreplace"), marks.encode()


def fragment(doc: dict) -> tuple[list, tuple]:
    """A document's ledger rows and its 文件清单 row as templates — each ``(xml, style marks)``, or
    ``("values", values)`` for a row openpyxl has to write a cell of."""
    tasks = []
    for values in _task_values(doc):
        tasks.append(task_template(values) or ("values", values))
    values = _doc_values(doc)
    return tasks, (doc_template(values) or ("values", values))
