"""Every export format written and parsed back (json, jsonl, csv, openpyxl, icalendar, markdown)."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from icalendar import Calendar

from docproc.export import FORMATS, MEDIA_TYPES, export, writer
from docproc.export.ledger import LEDGER_COLUMNS
from docproc.export.report import build

SHA = "3f" * 32


def make_doc(**over) -> dict:
    doc = {
        "schema": "docproc.notice/1",
        "source": {"name": "通知.txt", "format": "txt", "sha256": SHA, "archive_member": "收文.zip!/通知.txt",
                   "path": "收文.zip!/通知.txt"},
        "status": "partial",
        "issues": [{"code": "lost_chars", "message": "1 个字无法恢复", "span": [10, 11]}],
        "repairs": [{"fixer": "tag_shift", "count": 3}, {"fixer": "t2s", "count": 12}],
        "text": "……",
        "notice": {"doc_number": "常建〔2006〕166号", "title": "关于组织开展“满意服务月”活动的实施意见", "doc_type": "意见",
                   "issuers": ["常州市建设局"], "recipients": ["局属各单位", "机关各处室"], "signed_date": "2006-08-22",
                   "cc": ["市作风办"], "contacts": [{"name": "王明", "phone": "85680863", "email": None}]},
        "tasks": [
            {"id": "T01", "content": "制定实施方案|并报局办公室", "stage": "动员阶段", "lead": "局办公室",
             "owners": ["机关各有关处室", "各单位"], "partners": ["市作风办"], "start": "2006-08-01",
             "due": "2006-08-31", "time_text": "8月底前", "recurrence": None, "span": [100, 120], "confidence": 0.9},
            {"id": "T02", "content": "开展自查", "stage": None, "lead": None, "owners": [], "partners": [],
             "start": None, "due": None, "time_text": None},
            {"id": "T03", "content": "总结上报\n第二行", "due": "2006-12-15", "time_text": "12月15日前",
             "owners": "各单位", "reviewed": True, "reviewer_note": "人工核对"},
        ],
    }
    doc.update(over)
    return doc


def test_registry():
    assert set(FORMATS) == set(MEDIA_TYPES)
    with pytest.raises(ValueError):
        export([], "pdf")


def test_json_and_jsonl_round_trip():
    docs = [make_doc(), make_doc(status="ok")]
    assert json.loads(export(docs, "json")) == docs
    assert json.loads(export([], "json")) == []
    lines = export(docs, "jsonl").decode("utf-8").splitlines()
    assert [json.loads(x) for x in lines] == docs
    assert "常建〔2006〕166号" in lines[0]  # Chinese stays readable


def test_csv_utf8_sig_ledger():
    data = export([make_doc(), make_doc()], "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 6 and [r["序号"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert list(rows[0])[: len(LEDGER_COLUMNS)] == list(LEDGER_COLUMNS)
    first = rows[0]
    assert first["任务内容"] == "制定实施方案|并报局办公室" and first["责任单位"] == "机关各有关处室、各单位"
    assert first["牵头单位"] == "局办公室" and first["配合单位"] == "市作风办" and first["完成时限"] == "2006-08-31"
    assert first["来源文号"] == "常建〔2006〕166号" and first["任务编号"] == "T01" and first["文档哈希"] == SHA
    assert first["来源文件"] == "收文.zip!/通知.txt"
    assert rows[2]["任务内容"] == "总结上报\n第二行" and rows[2]["责任单位"] == "各单位"
    assert all(r["进展情况"] == r["完成状态"] == r["备注"] == "" for r in rows)


def test_xlsx_ledger():
    wb = openpyxl.load_workbook(io.BytesIO(export([make_doc()], "xlsx")))
    ws = wb["任务台账"]
    header = [c.value for c in ws[1]]
    assert header == list(LEDGER_COLUMNS)
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 4
    col = {name: i + 1 for i, name in enumerate(header)}
    due = ws.cell(2, col["完成时限"]).value
    assert isinstance(due, dt.datetime) and due.date() == dt.date(2006, 8, 31)
    assert ws.cell(2, col["完成时限"]).number_format == "yyyy-mm-dd"
    assert ws.cell(2, col["开始日期"]).value.date() == dt.date(2006, 8, 1)
    assert ws.cell(3, col["完成时限"]).value is None  # no deadline: empty, not a made-up date
    assert ws.cell(2, col["责任单位"]).value == "机关各有关处室、各单位"
    assert ws.cell(2, col["来源标题"]).value == "关于组织开展“满意服务月”活动的实施意见"
    assert all(ws.cell(r, col[c]).value is None for r in (2, 3, 4) for c in ("进展情况", "完成状态", "备注"))
    assert ws.column_dimensions["B"].width >= 40 and ws.column_dimensions["A"].width <= 8
    assert ws.cell(1, 1).font.bold
    docs = wb["文件清单"]
    assert [c.value for c in docs[2]][:3] == [1, "常建〔2006〕166号", "关于组织开展“满意服务月”活动的实施意见"]


def test_xlsx_is_deterministic_in_content():
    a = openpyxl.load_workbook(io.BytesIO(export([make_doc()], "xlsx")))
    b = openpyxl.load_workbook(io.BytesIO(export([make_doc()], "xlsx")))
    assert [[c.value for c in r] for r in a.active.iter_rows()] == [[c.value for c in r] for r in b.active.iter_rows()]
    assert a.properties.created == b.properties.created


def test_ics_one_all_day_event_per_deadline():
    data = export([make_doc()], "ics")
    cal = Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["VERSION"]) == "2.0"
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2  # T02 has no due date
    ev = {str(e["UID"]): e for e in events}
    uid = f"{SHA[:32]}-T01@docproc"
    assert set(ev) == {uid, f"{SHA[:32]}-T03@docproc"}
    e = ev[uid]
    assert e.decoded("DTSTART") == dt.date(2006, 8, 31) and e.decoded("DTEND") == dt.date(2006, 9, 1)
    assert "制定实施方案" in str(e["SUMMARY"])
    desc = str(e["DESCRIPTION"])
    assert "牵头单位：局办公室" in desc and "来源文号：常建〔2006〕166号" in desc and "时限原文：8月底前" in desc
    assert data == export([make_doc()], "ics")  # stable: same documents, same bytes
    # the same document twice (two paths) gives one event per task, not two
    twice = Calendar.from_ical(export([make_doc(), make_doc()], "ics"))
    assert len(list(twice.walk("VEVENT"))) == 2


def test_ics_uid_survives_review_and_stamp_follows_it():
    reviewed = make_doc()
    reviewed["tasks"][0] = {**reviewed["tasks"][0], "due": "2006-09-10", "reviewed": True,
                            "updated_at": "2006-09-01T08:00:00+08:00"}
    cal = Calendar.from_ical(export([reviewed], "ics"))
    e = [e for e in cal.walk("VEVENT") if str(e["UID"]).endswith("-T01@docproc")][0]
    assert e.decoded("DTSTART") == dt.date(2006, 9, 10)
    assert e.decoded("DTSTAMP") == dt.datetime(2006, 9, 1, 0, 0, tzinfo=dt.timezone.utc)


def test_markdown_summary():
    md = export([make_doc()], "md").decode("utf-8")
    assert md.startswith("# 关于组织开展“满意服务月”活动的实施意见")
    assert "| 发文字号 | 常建〔2006〕166号 |" in md and "| 主送机关 | 局属各单位、机关各处室 |" in md
    assert "| 联系方式 | 王明 85680863 |" in md
    assert "## 任务（3）" in md
    assert "制定实施方案\\|并报局办公室" in md and "总结上报<br>第二行" in md  # table cells stay one cell
    task_rows = [ln for ln in md.splitlines() if ln.startswith("| 1 |") or ln.startswith("| 3 |")]
    assert len(task_rows) == 2 and all(ln.count(" | ") == 8 for ln in (r.replace("\\|", "") for r in task_rows))
    assert "`lost_chars` 1 个字无法恢复（位置 10–11）" in md
    assert "- `tag_shift` × 3" in md
    two = export([make_doc(), make_doc()], "md").decode("utf-8")
    assert two.count("\n---\n") == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_tolerates_missing_and_extra_keys(fmt):
    sparse = [{}, {"source": None, "notice": None, "tasks": None},
              {"tasks": [{"content": "只有内容"}, "not a task", {"due": "2024-02-30"}, {"due": "2024-13"}]},
              {"notice": {"title": "t", "issuers": "甲单位"}, "tasks": [{"id": "X", "due": "2024-05-01",
                                                                       "owners": [None, "乙"], "extra": {"a": 1}}],
               "something_new": [1, 2]}]
    data = export(copy.deepcopy(sparse), fmt)
    assert isinstance(data, bytes) and data
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert [r["任务内容"] for r in rows] == ["只有内容", "", "", ""] and rows[3]["责任单位"] == "乙"
    elif fmt == "xlsx":
        ws = openpyxl.load_workbook(io.BytesIO(data))["任务台账"]
        assert ws.max_row == 5
        assert ws.cell(3, LEDGER_COLUMNS.index("完成时限") + 1).value == "2024-02-30"  # kept as text, not a date
    elif fmt == "ics":
        events = list(Calendar.from_ical(data).walk("VEVENT"))
        assert len(events) == 1 and events[0].decoded("DTSTART") == dt.date(2024, 5, 1)
    elif fmt in ("json", "jsonl"):
        assert (json.loads(data) if fmt == "json" else [json.loads(x) for x in data.splitlines()]) == sparse


def test_streaming_writer_leaves_file_open():
    buf = io.BytesIO()
    w = writer("csv", buf)
    w.add(make_doc())
    w.close()
    assert not buf.closed and buf.getvalue().count(b"\r\n") == 4


def test_report_counts():
    docs = [make_doc(), make_doc(status="ok", issues=[], source={"format": "pdf", "name": "b.pdf"}),
            make_doc(status="ok", issues=[{"code": "truncated", "message": "截断"}])]
    errors = [{"file": "in/x.zip", "archive_path": "x.zip!/bad.pdf", "code": "unreadable", "message": "损坏的 PDF"},
              {"file": "in/x.zip", "archive_path": "x.zip!/../evil.txt", "code": "unsafe_member", "message": "越界"}]
    r = build(docs, errors)
    md = r.markdown()
    assert "| 已转换文件 | 3 |" in md and "| 失败文件 | 2 |" in md and "| 任务 | 9 |" in md
    assert "| pdf | 1 |" in md and "| txt | 2 |" in md
    assert "| partial | 1 |" in md and "| ok | 2 |" in md and "| failed | 2 |" in md
    assert "| lost_chars | 1 |" in md and "| truncated | 1 |" in md and "| unsafe_member | 1 |" in md
    assert "| tag_shift | 3 | 9 |" in md
    assert "| 2006-08 | 3 |" in md and "| 2006-12 | 3 |" in md and "| 无完成时限 | 3 |" in md
    assert "| 有缺字或截断的文件 | 2 |" in md
    assert "x.zip!/bad.pdf" in md
    html = r.html()
    assert html.startswith("<!DOCTYPE html>") and '<td class="n">3</td>' in html and "x.zip!/../evil.txt" in html
    hostile = build([], [{"file": "<script>x</script>.txt", "code": "empty", "message": "<b>"}]).html()
    assert "<script" not in hostile and "&lt;script&gt;x&lt;/script&gt;.txt" in hostile


def test_xlsx_ledger_goes_on_in_a_new_sheet_past_the_row_limit():
    from docproc.export.xlsx import XlsxWriter

    buf = io.BytesIO()
    w = XlsxWriter(buf, max_rows=3)  # header + 2 tasks per sheet
    w.add(make_doc())
    w.add(make_doc())
    w.close()
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["任务台账", "文件清单", "任务台账 (2)", "任务台账 (3)"]
    numbers = [r[0] for name in ("任务台账", "任务台账 (2)", "任务台账 (3)") for r in wb[name].iter_rows(min_row=2, values_only=True)]
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert all(wb[n].freeze_panes == "A2" and wb[n]["A1"].value == "序号" for n in ("任务台账 (2)", "任务台账 (3)"))
