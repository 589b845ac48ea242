"""The one document model that flows ingest → repair → simplify → extract → tasks → export.

Every stage reads a :class:`Document` and adds to it; nothing goes back.  ``Document.to_dict()`` is the
``docproc.notice/1`` JSON schema of ``shared/DESIGN.md`` (keys are a contract: add, never rename).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = "docproc.notice/1"

Span = tuple[int, int]


@dataclass
class Issue:
    """Something the pipeline could not do or recover: ``lost_chars``, ``truncated``, ``needs_ocr``…

    ``span`` indexes into the final ``Document.text`` (``None`` when the issue concerns the whole file).
    """

    code: str
    message: str
    span: Span | None = None
    stage: str | None = None  # ingest | repair | simplify | extract

    def to_dict(self) -> dict[str, Any]:
        d = {"code": self.code, "message": self.message, "span": list(self.span) if self.span else None}
        if self.stage:
            d["stage"] = self.stage
        return d


@dataclass
class Change:
    """One change made by a fixer: what stood there, what replaced it, where (offset in the fixer's input)."""

    before: str
    after: str
    at: int

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "at": self.at}


@dataclass
class Repair:
    """What one fixer did to the text: its name, how many changes, and a sample of them."""

    fixer: str
    count: int
    changes: list[Change] = field(default_factory=list)
    note: str | None = None

    MAX_CHANGES = 50

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"fixer": self.fixer, "count": self.count}
        if self.changes:
            d["changes"] = [c.to_dict() for c in self.changes[: self.MAX_CHANGES]]
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class Block:
    """A unit of reading order produced by ingest: ``paragraph``, ``heading``, ``table_row``, ``page_break``."""

    kind: str
    text: str
    level: int | None = None


@dataclass
class Source:
    name: str | None = None
    format: str | None = None  # txt | html | docx | doc | pdf
    media_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    encoding: str | None = None
    archive_member: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


NOTICE_LIST_FIELDS = ("issuers", "recipients", "attachments", "cc", "signers", "contacts")


@dataclass
class Notice:
    """The GB/T 9704-2012 elements of a notice, plus web-page metadata. ``spans`` maps field → [start, end)."""

    doc_number: str | None = None
    doc_number_parts: dict[str, Any] | None = None
    title: str | None = None
    doc_type: str | None = None
    issuers: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signed_date: str | None = None
    attachments: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    print_office: str | None = None
    print_date: str | None = None
    copy_no: str | None = None
    secrecy: str | None = None
    urgency: str | None = None
    signers: list[str] = field(default_factory=list)
    note: str | None = None
    issuer_mark: str | None = None
    index_number: str | None = None
    publish_date: str | None = None
    expiry_date: str | None = None
    contacts: list[Contact] = field(default_factory=list)
    spans: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)  # field → rule that produced it (explainability)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["contacts"] = [c.to_dict() if isinstance(c, Contact) else c for c in self.contacts]
        d["spans"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.spans.items()}
        return d


@dataclass
class Task:
    """One actionable item of the ledger (``shared/gold/GUIDELINES.md`` says what counts as a task)."""

    id: str
    content: str
    stage: str | None = None
    lead: str | None = None
    owners: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    start: str | None = None
    due: str | None = None
    time_text: str | None = None
    recurrence: str | None = None
    span: Span | None = None
    confidence: float = 0.5
    rule: str | None = None  # which rule produced it
    spans: dict[str, Any] = field(default_factory=dict)  # time_text / owners spans

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["span"] = list(self.span) if self.span else None
        d["spans"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.spans.items()}
        return d


@dataclass
class Document:
    source: Source = field(default_factory=Source)
    status: str = "ok"  # ok | partial | failed
    issues: list[Issue] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    raw_text: str = ""  # text as ingested (decoded), before repair
    blocks: list[Block] = field(default_factory=list)
    text: str = ""  # clean simplified text; all spans index into it
    notice: Notice = field(default_factory=Notice)
    tasks: list[Task] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # reader metadata (html <title>, page metadata table…)
    timings: dict[str, float] = field(default_factory=dict)

    def add_issue(self, code: str, message: str, span: Span | None = None, stage: str | None = None) -> None:
        self.issues.append(Issue(code, message, span, stage))

    def to_dict(self, *, include_raw: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "source": self.source.to_dict(),
            "status": self.status,
            "issues": [i.to_dict() for i in self.issues],
            "repairs": [r.to_dict() for r in self.repairs],
            "text": self.text,
            "notice": self.notice.to_dict(),
            "tasks": [t.to_dict() for t in self.tasks],
        }
        if self.meta:
            d["meta"] = self.meta
        if include_raw:
            d["raw_text"] = self.raw_text
        return d
