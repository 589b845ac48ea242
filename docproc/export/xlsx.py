"""The task ledger as an Excel workbook (openpyxl, write-only so large runs stream).

Sheet 任务台账: the ledger columns, header frozen and filterable, dates as real dates, the manual columns
(进展情况/完成状态/备注) left empty. Sheet 文件清单: one row per document.
"""
from __future__ import annotations

import datetime as _dt
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .ledger import DATE_COLUMNS, LEDGER_COLUMNS, join, parse_date, source_label, task_rows, tasks_of, text

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


class XlsxWriter:
    def __init__(self, fp: BinaryIO, title: str = "任务台账", max_rows: int = MAX_ROWS):
        self.fp, self.title, self.max_rows = fp, title, max_rows
        self.wb = Workbook(write_only=True)
        self.wb.properties.creator = "docproc"
        self.wb.properties.created = self.wb.properties.modified = EPOCH
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self.sheets: list = []
        self.ws = self._ledger_sheet()
        self.docs_ws = self.wb.create_sheet("文件清单")
        self._header(self.docs_ws, DOC_COLUMNS, DOC_WIDTHS)
        self.n = self.n_docs = 0
        self.rows = 1  # rows used in the current ledger sheet

    def _ledger_sheet(self):
        n = len(self.sheets) + 1
        ws = self.wb.create_sheet(self.title if n == 1 else f"{self.title} ({n})")
        self._header(ws, LEDGER_COLUMNS, [WIDTHS[c] for c in LEDGER_COLUMNS])
        self.sheets.append(ws)
        return ws

    def _header(self, ws, columns, widths) -> None:
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "A2"
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        cells = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=c)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(horizontal="center", vertical="center")
            cells.append(cell)
        ws.append(cells)

    def _cell(self, ws, value, column: str):
        """A plain value where possible (styling every cell is what makes openpyxl slow)."""
        if column in DATE_COLUMNS:
            d = parse_date(value)
            if d is not None:
                cell = WriteOnlyCell(ws, value=d)
                cell.number_format = DATE_FORMAT
                return cell
        if value == "":
            return None
        if column in WRAP:
            cell = WriteOnlyCell(ws, value=value)
            cell.alignment = self._wrap
            return cell
        return value

    def add(self, doc: dict) -> None:
        for row in task_rows(doc):
            if self.rows >= self.max_rows:
                self._finish_sheet()
                self.ws, self.rows = self._ledger_sheet(), 1
            self.n += 1
            self.rows += 1
            row["序号"] = self.n
            self.ws.append([self._cell(self.ws, row[c], c) for c in LEDGER_COLUMNS])
        notice = doc.get("notice") or {}
        self.n_docs += 1
        signed = parse_date(notice.get("signed_date"))
        values = [self.n_docs, text(notice.get("doc_number")), text(notice.get("title")), join(notice.get("issuers")),
                  signed, len(tasks_of(doc)), text(doc.get("status")), source_label(doc)]
        if signed is not None:
            cell = WriteOnlyCell(self.docs_ws, value=signed)
            cell.number_format = DATE_FORMAT
            values[4] = cell
        cells = [None if v == "" else v for v in values]
        self.docs_ws.append(cells)

    def _finish_sheet(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{self.rows}"

    def close(self) -> None:
        self._finish_sheet()
        self.wb.save(self.fp)
