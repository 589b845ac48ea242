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
import shutil
import tempfile
from typing import BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import xmlfile

from .ledger import LEDGER_COLUMNS, parse_date
from .xlsx_rows import _LEDGER, _MARK_STYLE, _NUM, _ROW, _plain, _text_xml, fragment, serial_1900

WIDTHS = {"序号": 6, "任务内容": 60, "阶段": 14, "牵头单位": 18, "责任单位": 24, "配合单位": 20, "开始日期": 12,
          "完成时限": 12, "时限原文": 18, "来源文号": 20, "来源标题": 36, "进展情况": 24, "完成状态": 10, "备注": 16}
DOC_COLUMNS = ("序号", "发文字号", "标题", "发文机关", "成文日期", "任务数", "状态", "来源文件")
DOC_WIDTHS = (6, 20, 48, 24, 12, 8, 8, 40)
DATE_FORMAT = "yyyy-mm-dd"
#: fixed workbook timestamps, so the same documents give the same workbook
EPOCH = _dt.datetime(2000, 1, 1)
#: deflate level of the workbook's parts (see ``XlsxWriter.close``)
ZIP_LEVEL = 3


#: Excel's row limit: a longer ledger goes on in sheets 任务台账 (2), (3)…
MAX_ROWS = 1_048_576

_FLUSH = 1 << 20  # bytes of row XML kept in memory before they go to the sheet's temporary file
_EMPTY_DATA = b"<sheetData></sheetData>"


def as_text(cell) -> WriteOnlyCell:
    """Keep text that looks like a formula or an error code (``=SUM(A1)``, ``#N/A``) as text: a ledger cell is
    data, never something Excel evaluates (spreadsheet formula injection)."""
    if isinstance(cell.value, str) and cell.data_type in ("f", "e"):
        cell.data_type = "s"
    return cell


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


class _StableZip(ZipFile):
    """A ``ZipFile`` whose members all carry the workbook's fixed timestamp (zipfile stamps the current time
    or the temporary file's), deflated at ``compresslevel``: the same rows give the same bytes."""

    def _info(self, name: str, size: int = 0) -> ZipInfo:
        info = ZipInfo(name, date_time=EPOCH.timetuple()[:6])
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        info.file_size = size  # lets ``open(…, "w")`` choose ZIP64 for a member over 2 GiB
        for attr in ("compress_level", "_compresslevel"):  # Python ≥ 3.13 / before
            try:
                setattr(info, attr, self.compresslevel)
                break
            except AttributeError:
                continue
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        info = self._info(arcname or os.path.basename(filename), os.path.getsize(filename))
        with open(filename, "rb") as src, self.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


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

    def _date(self, ws, col: str, row: int, d: _dt.date) -> str:  # the workbook keeps openpyxl's 1900 epoch
        return f'<c r="{col}{row}" s="{self._style("date", ws)}" t="n"><v>{serial_1900(d)}</v></c>'

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
        # openpyxl's ``Workbook.save`` would stamp the save time into docProps/core.xml (and zipfile into every
        # member) and deflate at level 6; here the workbook keeps its fixed timestamps (same documents, same
        # bytes) and level 3 compresses the ledger 2.5× faster for a file about a quarter larger: at the end
        # of a bulk run this is serial time
        archive = _StableZip(self.fp, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
        ExcelWriter(self.wb, archive).save()
