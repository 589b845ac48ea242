"""Task-ledger rows shared by the CSV, XLSX and Markdown exporters (read from document dicts with ``.get``)."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Iterator

#: the ledger columns (a contract with the offices that fill in the last three by hand)
LEDGER_COLUMNS = ("序号", "任务内容", "阶段", "牵头单位", "责任单位", "配合单位", "开始日期", "完成时限", "时限原文",
                  "来源文号", "来源标题", "进展情况", "完成状态", "备注")
#: left empty for the offices to fill in
MANUAL_COLUMNS = ("进展情况", "完成状态", "备注")
#: stable identifiers appended to the CSV (joins with documents.jsonl and the task feed)
ID_COLUMNS = ("任务编号", "来源文件", "文档哈希")
DATE_COLUMNS = ("开始日期", "完成时限")

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
SEP = "、"


def parse_date(value: Any) -> _dt.date | None:
    """An ISO ``YYYY-MM-DD`` string as a date; anything else (partial, invalid, ``None``) → ``None``.

    >>> parse_date("2006-08-31"), parse_date("2006-02-30"), parse_date("2006-08"), parse_date(None)
    (datetime.date(2006, 8, 31), None, None, None)
    """
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        return None
    m = _ISO_DATE.match(value.strip())
    if not m:
        return None
    try:
        return _dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def join(value: Any) -> str:
    """A list of units (or a single string, or ``None``) as one cell.

    >>> join(["市教育局", "各区县"]), join("各单位"), join(None), join([None, "甲"])
    ('市教育局、各区县', '各单位', '', '甲')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return SEP.join(str(v) for v in value if v not in (None, ""))
    return str(value)


def text(value: Any) -> str:
    return "" if value is None else str(value)


def source_label(doc: dict) -> str:
    """Where a document came from: its path in a bulk run, else its archive path, else its file name."""
    src = doc.get("source") or {}
    return text(src.get("path") or src.get("archive_member") or src.get("name"))


def tasks_of(doc: dict) -> list[dict]:
    tasks = doc.get("tasks") or []
    return [t for t in tasks if isinstance(t, dict)]


def task_rows(doc: dict) -> Iterator[dict[str, Any]]:
    """One dict per task: ledger column → value (dates stay ISO strings; ``序号`` is left to the writer)."""
    notice = doc.get("notice") or {}
    src = doc.get("source") or {}
    for t in tasks_of(doc):
        yield {
            "任务内容": text(t.get("content")),
            "阶段": text(t.get("stage")),
            "牵头单位": join(t.get("lead")),
            "责任单位": join(t.get("owners")),
            "配合单位": join(t.get("partners")),
            "开始日期": text(t.get("start")),
            "完成时限": text(t.get("due")),
            "时限原文": text(t.get("time_text")),
            "来源文号": text(notice.get("doc_number")),
            "来源标题": text(notice.get("title")),
            "进展情况": "",
            "完成状态": "",
            "备注": "",
            "任务编号": text(t.get("id")),
            "来源文件": source_label(doc),
            "文档哈希": text(src.get("sha256")),
        }
