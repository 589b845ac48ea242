"""Deadlines as an iCalendar feed: one all-day event per task that has a due date.

UIDs are stable (document sha256 + task id), so re-importing an updated feed updates the events instead of
duplicating them. ``DTSTAMP`` is derived from the document (or given), so the same documents give the same file.

Events are serialized here (RFC 5545: TEXT escaping §3.3.11, lines folded at 75 octets §3.1, CRLF), in the
property order icalendar uses: icalendar's generic ``Event.to_ical`` costs ~150 µs per event, which made the
feed the largest single cost of bulk conversion's main process. ``tests/test_convert_exports.py`` parses the
feed back with icalendar and compares every property; the calendar's header still comes from icalendar.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from typing import BinaryIO

from icalendar import Calendar

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


def fragment(doc: dict, dtstamp: _dt.datetime | None = None) -> list[tuple[str, bytes]]:
    """(UID, the serialized VEVENT) for each task of ``doc`` with a due date (bulk conversion makes them in its
    workers); :class:`IcsWriter` writes an event only the first time its UID comes."""
    out = []
    for task in tasks_of(doc):
        due = parse_date(task.get("due"))
        if due is None:
            continue
        uid = task_uid(doc, task)
        out.append((uid, _event(uid, dtstamp or _stamp(doc, task, due), due, _summary(task), _description(doc, task))))
    return out


_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": "\\n"})


def escape_text(value: str) -> str:
    r"""An iCalendar TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, a line break
    (CRLF, LF or CR) written as ``\n``.

    >>> print(escape_text("甲,乙;丙\\丁\r\n戊"))
    甲\,乙\;丙\\丁\n戊
    """
    return value.replace("\r\n", "\n").translate(_TEXT_ESCAPES)


def fold(line: bytes) -> bytes:
    r"""A content line folded (RFC 5545 §3.1) into lines of at most 75 octets: at most 74 octets of the value
    per line, each continuation starting with a space; never inside a UTF-8 character or after the backslash of
    an escape.

    >>> fold(b"SUMMARY:" + "长".encode() * 30).split(b"\r\n ")[0] == b"SUMMARY:" + "长".encode() * 22
    True
    """
    if len(line) < 75:
        return line
    parts, start, n = [], 0, len(line)
    while n - start >= 75:
        cut = start + 74
        while line[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            cut -= 1
        if line[cut - 1] == 0x5C and cut - 1 > start:  # keep an escape's backslash with what it escapes
            cut -= 1
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return b"\r\n ".join(parts)


CATEGORIES_LINE = ("CATEGORIES:" + escape_text("公文任务")).encode("utf-8")


def _event(uid: str, stamp: _dt.datetime, due: _dt.date, summary: str, description: str) -> bytes:
    end = due + _dt.timedelta(days=1)
    stamp = stamp.astimezone(_dt.timezone.utc)
    lines = (b"BEGIN:VEVENT",
             fold(("SUMMARY:" + escape_text(summary)).encode("utf-8")),
             b"DTSTART;VALUE=DATE:%04d%02d%02d" % (due.year, due.month, due.day),
             b"DTEND;VALUE=DATE:%04d%02d%02d" % (end.year, end.month, end.day),
             b"DTSTAMP:%04d%02d%02dT%02d%02d%02dZ" % (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute,
                                                       stamp.second),
             fold(("UID:" + escape_text(uid)).encode("utf-8")),
             CATEGORIES_LINE,
             fold(("DESCRIPTION:" + escape_text(description)).encode("utf-8")),
             b"TRANSP:TRANSPARENT",
             b"END:VEVENT")
    return b"\r\n".join(lines) + b"\r\n"


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

    def add_fragment(self, events: list[tuple[str, bytes]]) -> None:
        for uid, event in events:
            if uid in self.uids:  # the same document twice (two paths, same bytes): one event
                continue
            self.uids.add(uid)
            self.fp.write(event)

    def close(self) -> None:
        self.fp.write(self.FOOTER)
        self.fp.flush()
