"""The task ledger as CSV in ``utf-8-sig`` (the BOM makes Excel on Chinese Windows read it as UTF-8)."""
from __future__ import annotations

import csv
import io
from typing import BinaryIO

from .ledger import ID_COLUMNS, LEDGER_COLUMNS, task_rows

COLUMNS = LEDGER_COLUMNS + ID_COLUMNS


class CsvWriter:
    def __init__(self, fp: BinaryIO):
        self._text = io.TextIOWrapper(fp, encoding="utf-8-sig", newline="", write_through=True)
        self._csv = csv.writer(self._text)
        self._csv.writerow(COLUMNS)
        self.n = 0

    def add(self, doc: dict) -> None:
        for row in task_rows(doc):
            self.n += 1
            row["序号"] = self.n
            self._csv.writerow([row[c] for c in COLUMNS])

    def close(self) -> None:
        self._text.flush()
        self._text.detach()
