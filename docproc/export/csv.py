"""The task ledger as CSV in ``utf-8-sig`` (the BOM makes Excel on Chinese Windows read it as UTF-8).

A document's rows do not depend on where they land except for 序号, so :func:`fragment` renders them (all but
the leading number) wherever it is convenient — bulk conversion does it in its workers — and
:meth:`CsvWriter.add_fragment` only numbers and writes them; ``add(doc)`` is the two together.
"""
from __future__ import annotations

import csv
import io
from typing import BinaryIO

from .ledger import ID_COLUMNS, LEDGER_COLUMNS, join, source_label, tasks_of, text

COLUMNS = LEDGER_COLUMNS + ID_COLUMNS
BOM = "\ufeff".encode("utf-8")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell Excel will not evaluate: text starting like a formula gets a leading ``'`` (the OWASP rule
    against CSV formula injection; Excel shows the text, not a formula). Dates and numbers are unaffected.

    >>> print(cell('=HYPERLINK("http://x")'), cell("-1"), cell("各单位"), cell("2024-05-31"))
    '=HYPERLINK("http://x") '-1 各单位 2024-05-31
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def _render(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def fragment(doc: dict) -> list[bytes]:
    """Each task's CSV row without its 序号: ``b",任务内容,…\\r\\n"`` (the rows of
    :func:`docproc.export.ledger.task_rows`).

    >>> fragment({"tasks": [{"content": "报送, 方案", "id": "T01"}]})
    [b',"\\xe6\\x8a\\xa5\\xe9\\x80\\x81, \\xe6\\x96\\xb9\\xe6\\xa1\\x88",,,,,,,,,,,,,T01,,\\r\\n']
    """
    tasks = tasks_of(doc)
    if not tasks:
        return []
    notice = doc.get("notice") or {}
    src = doc.get("source") or {}
    docno, title = text(notice.get("doc_number")), text(notice.get("title"))
    label, sha = source_label(doc), text(src.get("sha256"))
    # a leading empty field stands for 序号: csv quotes each field on its own, so the number goes in front later
    docno, title, label = cell(docno), cell(title), cell(label)
    rows = [("", cell(text(t.get("content"))), cell(text(t.get("stage"))), cell(join(t.get("lead"))),
             cell(join(t.get("owners"))), cell(join(t.get("partners"))), text(t.get("start")), text(t.get("due")),
             cell(text(t.get("time_text"))), docno, title, "", "", "", text(t.get("id")), label, sha) for t in tasks]
    lines = _render(rows).encode("utf-8").split(b"\r\n")
    if len(lines) != len(rows) + 1:  # a field with a line break in it: render row by row
        return [_render([r]).encode("utf-8") for r in rows]
    return [line + b"\r\n" for line in lines[:-1]]


class CsvWriter:
    def __init__(self, fp: BinaryIO):
        self.fp = fp
        self.fp.write(BOM + _render([COLUMNS]).encode("utf-8"))
        self.n = 0

    def add(self, doc: dict) -> None:
        self.add_fragment(fragment(doc))

    def add_fragment(self, rows: list[bytes]) -> None:
        out = []
        for row in rows:
            self.n += 1
            out.append(b"%d" % self.n)
            out.append(row)
        if out:
            self.fp.write(b"".join(out))

    def close(self) -> None:
        self.fp.flush()
