"""Deadlines as an iCalendar feed: one all-day event per task that has a due date.

UIDs are stable (document sha256 + task id), so re-importing an updated feed updates the events instead of
duplicating them. ``DTSTAMP`` is derived from the document (or given), so the same documents give the same file.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from typing import BinaryIO

from icalendar import Calendar, Event

from .ledger import join, parse_date, source_label, tasks_of, text

PRODID = "-//docproc//公文任务台账//ZH"
SUMMARY_MAX = 60


def task_uid(doc: dict, task: dict) -> str:
    """``<first 32 hex of the document sha256>-<task id>@docproc``.

    >>> task_uid({"source": {"sha256": "0123456789abcdef" * 4}}, {"id": "T03"})
    '0123456789abcdef0123456789abcdef-T03@docproc'
    """
    sha = (doc.get("source") or {}).get("sha256")
    if not sha:  # no hash recorded: hash what identifies the document
        notice = doc.get("notice") or {}
        key = "\x00".join([source_label(doc), text(notice.get("doc_number")), text(notice.get("title"))])
        sha = hashlib.sha256(key.encode("utf-8")).hexdigest()
    tid = text(task.get("id")) or hashlib.sha256(text(task.get("content")).encode("utf-8")).hexdigest()[:8]
    return f"{sha[:32]}-{tid}@docproc"


def _stamp(doc: dict, task: dict, due: _dt.date) -> _dt.datetime:
    for value in (task.get("updated_at"), doc.get("updated_at")):
        if isinstance(value, str):
            try:
                t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return t.astimezone(_dt.timezone.utc) if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)
            except ValueError:
                pass
    notice = doc.get("notice") or {}
    d = parse_date(notice.get("signed_date")) or parse_date(notice.get("publish_date")) or due
    return _dt.datetime(d.year, d.month, d.day, tzinfo=_dt.timezone.utc)


def _summary(task: dict) -> str:
    content = " ".join(text(task.get("content")).split())
    if len(content) > SUMMARY_MAX:
        content = content[: SUMMARY_MAX - 1] + "…"
    return f"【完成时限】{content}" if content else "【完成时限】"


def _description(doc: dict, task: dict) -> str:
    notice = doc.get("notice") or {}
    lines = [("任务内容", text(task.get("content"))), ("阶段", text(task.get("stage"))),
             ("牵头单位", join(task.get("lead"))), ("责任单位", join(task.get("owners"))),
             ("配合单位", join(task.get("partners"))), ("开始日期", text(task.get("start"))),
             ("完成时限", text(task.get("due"))), ("时限原文", text(task.get("time_text"))),
             ("周期", text(task.get("recurrence"))), ("来源文号", text(notice.get("doc_number"))),
             ("来源标题", text(notice.get("title"))), ("来源文件", source_label(doc))]
    return "\n".join(f"{k}：{v}" for k, v in lines if v)


def fragment(doc: dict, dtstamp: _dt.datetime | None = None) -> list[tuple[str, tuple]]:
    """(UID, what its VEVENT says) for each task of ``doc`` with a due date — cheap to make (bulk conversion
    does it in its workers); :class:`IcsWriter` serializes an event only the first time its UID comes."""
    out = []
    for task in tasks_of(doc):
        due = parse_date(task.get("due"))
        if due is None:
            continue
        out.append((task_uid(doc, task), (dtstamp or _stamp(doc, task, due), due, _summary(task),
                                          _description(doc, task))))
    return out


def _event(uid: str, stamp: _dt.datetime, due: _dt.date, summary: str, description: str) -> bytes:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", due)
    ev.add("dtend", due + _dt.timedelta(days=1))
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("transp", "TRANSPARENT")
    ev.add("categories", ["公文任务"])
    return ev.to_ical()


class IcsWriter:
    """Streams the feed: the calendar's header, each event as it is added, the footer at ``close`` — the same
    bytes as building one ``icalendar.Calendar`` and serializing it, without holding every event."""

    FOOTER = b"END:VCALENDAR\r\n"

    def __init__(self, fp: BinaryIO, name: str = "公文任务时限", dtstamp: _dt.datetime | None = None):
        self.fp, self.dtstamp = fp, dtstamp
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", name)
        head = cal.to_ical()
        if not head.endswith(self.FOOTER):  # pragma: no cover — icalendar's layout
            raise RuntimeError("unexpected calendar layout from icalendar")
        self.fp.write(head[: -len(self.FOOTER)])
        self.uids: set[str] = set()

    def add(self, doc: dict) -> None:
        self.add_fragment(fragment(doc, self.dtstamp))

    def add_fragment(self, events: list[tuple[str, tuple]]) -> None:
        for uid, what in events:
            if uid in self.uids:  # the same document twice (two paths, same bytes): one event
                continue
            self.uids.add(uid)
            self.fp.write(_event(uid, *what))

    def close(self) -> None:
        self.fp.write(self.FOOTER)
        self.fp.flush()
