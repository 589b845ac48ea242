"""The fast paths of bulk conversion's exports give exactly what the plain ones give.

- ``tasks.xlsx``: rows rendered by docproc equal, byte for byte, the rows openpyxl writes for the same cells
  (an openpyxl-only writer below is the reference), hostile text included;
- ``tasks.ics`` streamed event by event equals one ``icalendar.Calendar`` serialized;
- the per-document fragments (made in the workers) give the same files as ``add(doc)``;
- a conversion whose workers render the fragments equals one whose main process does.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import time
import zipfile

import openpyxl
import pytest
from icalendar import Calendar
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from docproc.convert import convert, export_fragments
from docproc.export import export
from docproc.export import csv as csv_export
from docproc.export import ics as ics_export
from docproc.export import report as report_export
from docproc.export import xlsx as xlsx_export
from docproc.export import xlsx_rows
from docproc.export.ledger import DATE_COLUMNS, LEDGER_COLUMNS, join, parse_date, source_label, task_rows, tasks_of, text

from .archive_builders import notice, zip_bytes
from .test_convert import assert_same_outputs


class ReferenceXlsx:
    """The ledger workbook written cell by cell through openpyxl (how ``XlsxWriter`` wrote it before)."""

    def __init__(self, fp, title="任务台账", max_rows=xlsx_export.MAX_ROWS):
        self.fp, self.title, self.max_rows = fp, title, max_rows
        self.wb = Workbook(write_only=True)
        self.wb.properties.creator = "docproc"
        self.wb.properties.created = self.wb.properties.modified = xlsx_export.EPOCH
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self.sheets = []
        self.ws = self._ledger_sheet()
        self.docs_ws = self.wb.create_sheet("文件清单")
        self._header(self.docs_ws, xlsx_export.DOC_COLUMNS, xlsx_export.DOC_WIDTHS)
        self.n = self.n_docs = 0
        self.rows = 1

    def _ledger_sheet(self):
        n = len(self.sheets) + 1
        ws = self.wb.create_sheet(self.title if n == 1 else f"{self.title} ({n})")
        self._header(ws, LEDGER_COLUMNS, [xlsx_export.WIDTHS[c] for c in LEDGER_COLUMNS])
        self.sheets.append(ws)
        return ws

    def _header(self, ws, columns, widths):
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

    def _cell(self, ws, value, column):
        if column in DATE_COLUMNS:
            d = parse_date(value)
            if d is not None:
                cell = WriteOnlyCell(ws, value=d)
                cell.number_format = xlsx_export.DATE_FORMAT
                return cell
        if value == "":
            return None
        if column in xlsx_rows.WRAP:
            cell = WriteOnlyCell(ws, value=value)
            cell.alignment = self._wrap
            return xlsx_export.as_text(cell)
        return xlsx_export.as_text(WriteOnlyCell(ws, value=value)) if isinstance(value, str) else value

    def add(self, doc):
        for row in task_rows(doc):
            if self.rows >= self.max_rows:
                self.ws.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{self.rows}"
                self.ws, self.rows = self._ledger_sheet(), 1
            self.n += 1
            self.rows += 1
            row["序号"] = self.n
            self.ws.append([self._cell(self.ws, row[c], c) for c in LEDGER_COLUMNS])
        notice_ = doc.get("notice") or {}
        self.n_docs += 1
        signed = parse_date(notice_.get("signed_date"))
        values = [self.n_docs, text(notice_.get("doc_number")), text(notice_.get("title")),
                  join(notice_.get("issuers")), signed, len(tasks_of(doc)), text(doc.get("status")), source_label(doc)]
        if signed is not None:
            cell = WriteOnlyCell(self.docs_ws, value=signed)
            cell.number_format = xlsx_export.DATE_FORMAT
            values[4] = cell
        self.docs_ws.append([None if v == "" else xlsx_export.as_text(WriteOnlyCell(self.docs_ws, value=v))
                             if isinstance(v, str) else v for v in values])

    def close(self):
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{self.rows}"
        self.wb.save(self.fp)


def _write(cls, docs, **kw) -> bytes:
    buf = io.BytesIO()
    w = cls(buf, **kw)
    for d in docs:
        w.add(d)
    w.close()
    return buf.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml: the save time


HOSTILE = [" 前后有空格 ", "a&b<c>d\"e'f", "回车\r\n换行\n制表\t", "\x7f\x80\u00a0不间断", "\U00020000 扩展B",
           "=SUM(A1:A3)", "=", "#N/A", "#DIV/0!", "长" * 40000, "2024-02-30", "2024-13", "  ", "\u3000全角空格"]


def _hostile_docs() -> list[dict]:
    docs = []
    for i, v in enumerate(HOSTILE):
        docs.append({"source": {"name": f"{v[:20]}.txt", "path": f"in/{v[:10]}", "sha256": f"{i:064x}"},
                     "status": v[:30], "notice": {"doc_number": v, "title": v, "issuers": [v, "甲"],
                                                  "signed_date": "2024-03-01" if i % 2 else v},
                     "tasks": [{"content": v, "stage": v, "lead": v, "owners": [v], "partners": None,
                                "start": v, "due": "2024-05-01" if i % 3 else v, "time_text": v, "id": f"T{i}"},
                               {"content": "", "due": "2024-06-30"}]})
    # a document whose first dated cell comes before any wrapped one: the style ids go the other way round
    docs.insert(0, {"notice": {"signed_date": "2020-01-02"}, "tasks": [{"due": "2020-02-03"}]})
    return docs


def _corpus_docs(root) -> list[dict]:
    st = convert([root], root.parent / "o", jobs=1, quiet=True, formats="csv")
    assert st.converted
    return [json.loads(x) for x in (root.parent / "o" / "documents.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def real_docs(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("exports") / "in"
    root.mkdir()
    for i in range(6):
        (root / f"{i}.txt").write_bytes(notice(i))
    return _corpus_docs(root)


@pytest.mark.parametrize("max_rows", [xlsx_export.MAX_ROWS, 4])
def test_xlsx_rows_are_what_openpyxl_writes(real_docs, max_rows):
    for docs in (real_docs, _hostile_docs(), _hostile_docs()[1:], real_docs + _hostile_docs()):
        assert _members(_write(xlsx_export.XlsxWriter, docs, max_rows=max_rows)) == \
            _members(_write(ReferenceXlsx, docs, max_rows=max_rows))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # openpyxl's own half-written sheet
def test_xlsx_text_xml_cannot_hold_fails_as_before():
    bad = [{"tasks": [{"content": "控制字符\x01"}]}]
    with pytest.raises(IllegalCharacterError):
        _write(ReferenceXlsx, bad)
    with pytest.raises(IllegalCharacterError):
        _write(xlsx_export.XlsxWriter, bad)


def test_xlsx_rows_spill_to_disk_and_come_back(monkeypatch, real_docs):
    monkeypatch.setattr(xlsx_export, "_FLUSH", 512)
    docs = real_docs * 5
    assert _members(_write(xlsx_export.XlsxWriter, docs)) == _members(_write(ReferenceXlsx, docs))


def test_ics_feed_parses_back_to_every_event(real_docs):
    """The feed (serialized by docproc, not icalendar) read back by icalendar: one event per UID with exactly
    the values given, every physical line at most 75 octets, CRLF line ends; the header is icalendar's own."""
    docs = real_docs + real_docs[:2] + _hostile_docs()  # repeated documents: one event per UID
    data = _write(ics_export.IcsWriter, docs)
    expected = {}
    for doc in docs:
        for t in tasks_of(doc):
            due = parse_date(t.get("due"))
            uid = ics_export.task_uid(doc, t)
            if due is None or uid in expected:
                continue
            expected[uid] = {"dtstamp": ics_export._stamp(doc, t, due), "dtstart": due,
                             "dtend": due + dt.timedelta(days=1), "summary": ics_export._summary(t),
                             "description": ics_export._description(doc, t)}
    assert len(expected) >= 15
    cal = Calendar.from_ical(data)
    for k, v in (("prodid", ics_export.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                 ("method", "PUBLISH"), ("x-wr-calname", "公文任务时限")):
        assert str(cal.get(k)) == v
    events = cal.walk("VEVENT")
    assert [str(e.get("uid")) for e in events] == list(expected)
    for ev in events:
        want = expected[str(ev.get("uid"))]
        assert ev.decoded("dtstamp") == want["dtstamp"]
        assert ev.decoded("dtstart") == want["dtstart"] and ev.decoded("dtend") == want["dtend"]
        for k in ("summary", "description"):  # a CR or CRLF in the text comes back as LF
            assert str(ev.get(k)) == want[k].replace("\r\n", "\n").replace("\r", "\n"), k
        assert str(ev.get("transp")) == "TRANSPARENT" and ev.get("categories").cats == ["公文任务"]
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    for line in data.split(b"\r\n"):
        line.decode("utf-8")  # no line ends inside a character
    empty = _write(ics_export.IcsWriter, [])
    assert empty == Calendar.from_ical(empty).to_ical()


def test_ics_events_fold_and_escape_hostile_text():
    hostile = ["逗号,分号;反斜杠\\结尾\\", "\\N 不是换行", "换行\r\n回车\r单独\n", "长" * 200 + "\\" * 3,
               "a" * 73 + "\\,", "😀" * 40 + "x", ""]
    for value in hostile:
        ev = ics_export._event("u,1;2@docproc", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
                               dt.date(2024, 12, 31), value, value + "尾")
        assert max(len(line) for line in ev.split(b"\r\n")) <= 75
        parsed = Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + ev + b"END:VCALENDAR\r\n").walk("VEVENT")[0]
        clean = value.replace("\r\n", "\n").replace("\r", "\n")
        assert str(parsed.get("summary")) == clean and str(parsed.get("description")) == clean + "尾"
        assert str(parsed.get("uid")) == "u,1;2@docproc"
        assert parsed.decoded("dtend") == dt.date(2025, 1, 1)
        assert parsed.decoded("dtstamp") == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_fragments_give_what_add_gives(real_docs):
    docs = real_docs + _hostile_docs() + [{}, {"tasks": ["x", {"due": "2024-01-01"}]}]
    for fmt, mod, cls in (("csv", csv_export, csv_export.CsvWriter), ("xlsx", xlsx_export, xlsx_export.XlsxWriter),
                          ("ics", ics_export, ics_export.IcsWriter)):
        direct = _write(cls, docs)
        buf = io.BytesIO()
        w = cls(buf)
        for d in docs:
            w.add_fragment(export_fragments(copy.deepcopy(d), [fmt])[fmt])
        w.close()
        assert (_members(buf.getvalue()) == _members(direct)) if fmt == "xlsx" else (buf.getvalue() == direct), fmt
    a, b = report_export.Report(), report_export.Report()
    for d in docs:
        a.add(d)
        b.add_fragment(report_export.fragment(d))
    assert a.markdown() == b.markdown() and a.html() == b.html()


def test_exports_made_by_the_workers_equal_those_made_here(tmp_path):
    root = tmp_path / "in"
    (root / "批次").mkdir(parents=True)
    for i in range(8):
        (root / "批次" / f"{i:03d}.txt").write_bytes(notice(i))
    (root / "批次" / "副本.txt").write_bytes(notice(0))
    (root / "包.zip").write_bytes(zip_bytes({f"z{i}.txt": notice(50 + i) for i in range(3)}, gbk=True))
    here, there = tmp_path / "here", tmp_path / "there"
    assert convert([root], here, jobs=2, quiet=True, exports_in_workers=False).exit_code == 0
    st = convert([root], there, jobs=2, quiet=True, exports_in_workers=True)
    assert st.exit_code == 0 and st.converted == 12
    assert_same_outputs(here, there)
    assert st.last_result_seconds >= st.startup_seconds >= 0  # start-up stays 0 if a worker is never needed


def test_formula_like_text_stays_text(tmp_path):
    """Task text that starts with ``=`` or reads like an error code is data, never a formula Excel evaluates."""
    doc = {"notice": {"doc_number": "=1+1", "title": "#N/A"},
           "tasks": [{"id": "T01", "content": "=HYPERLINK(\"http://example.invalid\",\"点击\")", "owners": ["=A1"]}]}
    data = export([doc], "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert cells and all(c.data_type in ("s", "n", "d") for c in cells)
    values = {c.value for c in cells}
    assert {"=1+1", "#N/A", "=A1"} <= values


def test_xlsx_rows_constants_match_openpyxl():
    """xlsx_rows renders cells without importing openpyxl: its copies of openpyxl's constants and date serials
    must be openpyxl's."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import WINDOWS_EPOCH, to_excel

    assert xlsx_rows.ERROR_CODES == tuple(ERROR_CODES)
    assert xlsx_rows.EPOCH_1900 == WINDOWS_EPOCH == Workbook(write_only=True).epoch
    day = dt.date(1899, 12, 31)
    while day < dt.date(2101, 1, 1):
        assert xlsx_rows.serial_1900(day) == "%.16g" % to_excel(day, WINDOWS_EPOCH), day
        day += dt.timedelta(days=7 if day.year > 1901 else 1)
    assert [xlsx_rows._column_letter(i) for i in range(1, 60)] == [get_column_letter(i) for i in range(1, 60)]


def test_workers_do_not_import_openpyxl():
    """The fragments a worker renders need no openpyxl (its import costs every worker ~0.1 s)."""
    import subprocess
    import sys

    code = ("import sys; from docproc.convert import convert_one, init_worker; init_worker({}); "
            "r = convert_one('关于做好工作的通知\\n各单位：\\n一、请于2024年3月31日前报送方案。\\n'.encode(), 'a.txt', None, 'a.txt', {}, 30.0,"
            " ('csv', 'xlsx', 'ics', 'report')); assert r['ok'] and 'xlsx' in r['frag'], r; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'icalendar')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "openpyxl" not in out.stdout


def test_xlsx_same_documents_same_bytes(real_docs):
    """Fixed timestamps, docProps/core.xml included: the same documents give a byte-identical workbook."""
    first = _write(xlsx_export.XlsxWriter, real_docs)
    time.sleep(1.1)  # openpyxl's own save would stamp a new "modified" time by now
    assert _write(xlsx_export.XlsxWriter, real_docs) == first
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml")
    assert b"2000-01-01T00:00:00Z" in core
