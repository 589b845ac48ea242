"""The task ledger as an Excel workbook (openpyxl, write-only so large runs stream).

Sheet 任务台账: the ledger columns, header frozen and filterable, dates as real dates, the manual columns
(进展情况/完成状态/备注) left empty. Sheet 文件清单: one row per document.

Speed: openpyxl builds a cell object and an lxml element per cell (~0.1 ms per ledger row), so the rows are
rendered here as the very XML openpyxl writes for them — same cells, same style ids, same escaping — and
spliced into the ``<sheetData>`` of the write-only sheets openpyxl writes, which then saves the workbook as
usual. Cells the fast path does not cover (text starting with ``=``, Excel error codes, text over 32,767
characters or with characters XML cannot hold) are written by openpyxl itself, one cell at a time.
``tests/test_convert_exports.py`` checks the sheets byte for byte against openpyxl's own rows.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import re
import tempfile
from functools import lru_cache
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.xml.functions import xmlfile

from .ledger import DATE_COLUMNS, LEDGER_COLUMNS, join, parse_date, source_label, tasks_of, text

WIDTHS = {"序号": 6, "任务内容": 60, "阶段": 14, "牵头单位": 18, "责任单位": 24, "配合单位": 20, "开始日期": 12,
          "完成时限": 12, "时限原文": 18, "来源文号": 20, "来源标题": 36, "进展情况": 24, "完成状态": 10, "备注": 16}
DOC_COLUMNS = ("序号", "发文字号", "标题", "发文机关", "成文日期", "任务数", "状态", "来源文件")
DOC_WIDTHS = (6, 20, 48, 24, 12, 8, 8, 40)
DATE_FORMAT = "yyyy-mm-dd"
#: fixed workbook timestamps, so the same documents give the same workbook
EPOCH = _dt.datetime(2000, 1, 1)
WRAP = {"任务内容"}


#: Excel's row limit: a longer ledger goes on in sheets 任务台账 (2), (3)…
MAX_ROWS = 1_048_576

#: text openpyxl (lxml) writes as it is, apart from escaping ``&<>`` and ``\r``; anything else is left to openpyxl
_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPE = re.compile("[&<>\r]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_MAX_TEXT = 32767  # openpyxl truncates longer text
_FLUSH = 1 << 20  # bytes of row XML kept in memory before they go to the sheet's temporary file
_EMPTY_DATA = b"<sheetData></sheetData>"


def _escape(s: str) -> str:
    return _ESCAPE.sub(lambda m: _ENTITIES[m[0]], s) if _ESCAPE.search(s) else s


@lru_cache(maxsize=4096)
def _serial(d: _dt.date, epoch: _dt.datetime) -> str:
    return "%.16g" % to_excel(d, epoch)


_EPOCH_1900 = Workbook(write_only=True).epoch  # the workbooks written here use the default (1900) date system


# -- row templates ---------------------------------------------------------------------------------------
# A row's XML depends on where it lands only through its row number, its 序号 and the style ids the workbook
# hands out; :func:`fragment` renders a document's rows with these left as placeholders (bulk conversion does
# it in its workers) and :meth:`XlsxWriter.add_fragment` fills them in.
_ROW, _NUM = "\x00", "\x01"
_STYLE_MARK = {"wrap": "\x02", "date": "\x03"}
_MARK_STYLE = {v.encode(): k for k, v in _STYLE_MARK.items()}
_LEDGER = tuple((get_column_letter(i), c in DATE_COLUMNS, c in WRAP) for i, c in enumerate(LEDGER_COLUMNS, 1))


def _plain(value: str) -> bool:
    """Whether the fast path writes this text exactly as openpyxl would (else openpyxl writes the cell)."""
    return not (len(value) > _MAX_TEXT or _UNSAFE.search(value) or value in ERROR_CODES
                or (len(value) > 1 and value[0] == "="))


def as_text(cell) -> WriteOnlyCell:
    """Keep text that looks like a formula or an error code (``=SUM(A1)``, ``#N/A``) as text: a ledger cell is
    data, never something Excel evaluates (spreadsheet formula injection)."""
    if isinstance(cell.value, str) and cell.data_type in ("f", "e"):
        cell.data_type = "s"
    return cell


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


def _task_template(values: tuple):
    """(row XML with placeholders, the style marks in order of first use) or None when a cell needs openpyxl."""
    out = [f'<c r="A{_ROW}" t="n"><v>{_NUM}</v></c>']
    marks = ""
    for (col, is_date, wrap), v in zip(_LEDGER[1:], values):
        if v == "":
            continue
        if is_date:
            d = parse_date(v)
            if d is not None:
                out.append(f'<c r="{col}{_ROW}" s="{_STYLE_MARK["date"]}" t="n"><v>{_serial(d, _EPOCH_1900)}</v></c>')
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


def _doc_template(values: tuple):
    docno, title, issuers, signed, ntasks, status, label = values
    if not all(_plain(v) for v in (docno, title, issuers, status, label)):
        return None
    out = [f'<c r="A{_ROW}" t="n"><v>{_NUM}</v></c>']
    out += [_text_xml(col, _ROW, v, "") for col, v in zip("BCD", (docno, title, issuers)) if v != ""]
    marks = ""
    d = parse_date(signed)
    if d is not None:
        out.append(f'<c r="E{_ROW}" s="{_STYLE_MARK["date"]}" t="n"><v>{_serial(d, _EPOCH_1900)}</v></c>')
        marks = _STYLE_MARK["date"]
    out.append(f'<c r="F{_ROW}" t="n"><v>{"%.16g" % ntasks}</v></c>')
    out += [_text_xml(col, _ROW, v, "") for col, v in (("G", status), ("H", label)) if v != ""]
    return f'<row r="{_ROW}">{"".join(out)}</row>'.encode("ascii", "xmlcharrefreplace"), marks.encode()


def fragment(doc: dict) -> tuple[list, tuple]:
    """A document's ledger rows and its 文件清单 row as templates — each ``(xml, style marks)``, or
    ``("values", values)`` for a row openpyxl has to write a cell of."""
    tasks = []
    for values in _task_values(doc):
        tasks.append(_task_template(values) or ("values", values))
    values = _doc_values(doc)
    return tasks, (_doc_template(values) or ("values", values))


class _Sheet:
    """A write-only sheet whose rows are rendered here and spliced into what openpyxl writes at close."""

    def __init__(self, wb: Workbook, title: str, columns, widths):
        self.ws = wb.create_sheet(title)
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ws.freeze_panes = "A2"
        self.rows = 0
        self._parts: list[bytes] = []
        self._size = 0
        self._spill = None  # a temporary file once the rows outgrow _FLUSH

    def append(self, xml: bytes) -> None:
        self.rows += 1
        self._parts.append(xml)
        self._size += len(xml)
        if self._size >= _FLUSH:
            if self._spill is None:
                self._spill = tempfile.TemporaryFile()
            self._spill.write(b"".join(self._parts))
            self._parts, self._size = [], 0

    def close(self) -> None:
        """Let openpyxl write the sheet (no rows), then put the rows into its ``<sheetData>``."""
        self.ws.close()
        path = self.ws._writer.out
        with open(path, "rb") as f:
            shell = f.read()
        at = shell.find(_EMPTY_DATA)
        if at < 0 or shell.find(_EMPTY_DATA, at + 1) >= 0:
            raise RuntimeError("unexpected worksheet layout from openpyxl")
        tmp = path + ".rows"
        with open(tmp, "wb") as f:
            f.write(shell[:at] + b"<sheetData>")
            if self._spill is not None:
                self._spill.seek(0)
                while chunk := self._spill.read(_FLUSH):
                    f.write(chunk)
                self._spill.close()
            f.write(b"".join(self._parts))
            f.write(b"</sheetData>" + shell[at + len(_EMPTY_DATA):])
        os.replace(tmp, path)
        self._parts = []


class XlsxWriter:
    def __init__(self, fp: BinaryIO, title: str = "任务台账", max_rows: int = MAX_ROWS):
        self.fp, self.title, self.max_rows = fp, title, max_rows
        self.wb = Workbook(write_only=True)
        self.wb.properties.creator = "docproc"
        self.wb.properties.created = self.wb.properties.modified = EPOCH
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._sid: dict[str, int] = {}
        self.sheets: list[_Sheet] = []
        self.ws = self._ledger_sheet()
        self.docs_ws = _Sheet(self.wb, "文件清单", DOC_COLUMNS, DOC_WIDTHS)
        self._header(self.docs_ws, DOC_COLUMNS)
        self.n = self.n_docs = 0
        self.rows = 1  # rows used in the current ledger sheet
        self._epoch = self.wb.epoch

    def _ledger_sheet(self) -> _Sheet:
        n = len(self.sheets) + 1
        sheet = _Sheet(self.wb, self.title if n == 1 else f"{self.title} ({n})", LEDGER_COLUMNS,
                       [WIDTHS[c] for c in LEDGER_COLUMNS])
        self._header(sheet, LEDGER_COLUMNS)
        self.sheets.append(sheet)
        return sheet

    # -- styles: registered with the workbook the first time a cell uses them, as openpyxl does ------------
    def _style(self, name: str, ws) -> int:
        sid = self._sid.get(name)
        if sid is None:
            cell = self._styled(ws, name, "x")
            sid = self._sid[name] = cell.style_id
        return sid

    def _styled(self, ws, name: str, value):
        cell = WriteOnlyCell(ws, value=value)
        if name == "header":
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(horizontal="center", vertical="center")
        elif name == "wrap":
            cell.alignment = self._wrap
        elif name == "date":
            cell.number_format = DATE_FORMAT
        return cell

    def _slow(self, ws, ref_col: int, row: int, value, style: str | None) -> str:
        """One cell written by openpyxl itself (formulas, error codes, over-long or odd text)."""
        cell = self._styled(ws, style, value) if style else WriteOnlyCell(ws, value=value)
        as_text(cell)
        cell.column, cell.row = ref_col, row
        buf = io.BytesIO()
        with xmlfile(buf) as xf:
            write_cell(xf, ws, cell, cell.has_style)
        return buf.getvalue().decode("ascii")

    # -- cells ---------------------------------------------------------------------------------------------
    def _text(self, ws, col: str, row: int, value: str, style: str | None) -> str:
        if not _plain(value):
            from openpyxl.utils import column_index_from_string

            return self._slow(ws, column_index_from_string(col), row, value, style)
        return _text_xml(col, str(row), value, str(self._style(style, ws)) if style else "")

    def _number(self, col: str, row: int, value: int) -> str:
        return f'<c r="{col}{row}" t="n"><v>{"%.16g" % value}</v></c>'

    def _date(self, ws, col: str, row: int, d: _dt.date) -> str:
        return f'<c r="{col}{row}" s="{self._style("date", ws)}" t="n"><v>{_serial(d, self._epoch)}</v></c>'

    def _header(self, sheet: _Sheet, columns) -> None:
        ws = sheet.ws
        cells = "".join(self._text(ws, get_column_letter(i), 1, c, "header") for i, c in enumerate(columns, 1))
        sheet.append(f'<row r="1">{cells}</row>'.encode("ascii", "xmlcharrefreplace"))

    def add(self, doc: dict) -> None:
        self.add_fragment(fragment(doc))

    def add_fragment(self, frag: tuple[list, tuple]) -> None:
        tasks, doc_row = frag
        for row in tasks:
            if self.rows >= self.max_rows:
                self._finish_sheet()
                self.ws, self.rows = self._ledger_sheet(), 1
            self.n += 1
            self.rows += 1
            if row[0] == "values":
                self.ws.append(self._task_row(self.rows, self.n, row[1]))
            else:
                self.ws.append(self._fill(self.ws.ws, row, self.rows, self.n))
        self.n_docs += 1
        if doc_row[0] == "values":
            self.docs_ws.append(self._doc_row(self.n_docs + 1, self.n_docs, doc_row[1]))
        else:
            self.docs_ws.append(self._fill(self.docs_ws.ws, doc_row, self.n_docs + 1, self.n_docs))

    def _fill(self, ws, template: tuple[bytes, bytes], row: int, number: int) -> bytes:
        xml, marks = template
        for i in range(len(marks)):  # styles are registered in the order the row uses them, as openpyxl does
            mark = marks[i:i + 1]
            xml = xml.replace(mark, b"%d" % self._style(_MARK_STYLE[mark], ws))
        return xml.replace(_ROW.encode(), b"%d" % row).replace(_NUM.encode(), ("%.16g" % number).encode())

    def _task_row(self, r: int, n: int, values: tuple) -> bytes:
        """A ledger row with a cell openpyxl has to write (the slow path)."""
        ws = self.ws.ws
        out = [self._number("A", r, n)]
        for (col, is_date, wrap), v in zip(_LEDGER[1:], values):
            if v == "":
                continue
            if is_date:
                d = parse_date(v)
                if d is not None:
                    out.append(self._date(ws, col, r, d))
                    continue
            out.append(self._text(ws, col, r, v, "wrap" if wrap else None))
        return f'<row r="{r}">{"".join(out)}</row>'.encode("ascii", "xmlcharrefreplace")

    def _doc_row(self, r: int, n: int, values: tuple) -> bytes:
        docno, title, issuers, signed, ntasks, status, label = values
        ws = self.docs_ws.ws
        out = [self._number("A", r, n)]
        out += [self._text(ws, col, r, v, None) for col, v in zip("BCD", (docno, title, issuers)) if v != ""]
        d = parse_date(signed)
        if d is not None:
            out.append(self._date(ws, "E", r, d))
        out.append(self._number("F", r, ntasks))
        out += [self._text(ws, col, r, v, None) for col, v in (("G", status), ("H", label)) if v != ""]
        return f'<row r="{r}">{"".join(out)}</row>'.encode("ascii", "xmlcharrefreplace")

    def _finish_sheet(self) -> None:
        self.ws.ws.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{self.rows}"

    def close(self) -> None:
        self._finish_sheet()
        for sheet in self.sheets + [self.docs_ws]:
            sheet.close()
        self.wb.save(self.fp)
