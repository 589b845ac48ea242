"""A Markdown summary of each notice: a fields table, the task table and what could not be recovered."""
from __future__ import annotations

from typing import Any, BinaryIO, Iterable

from .ledger import join, source_label, tasks_of, text

#: notice field → label, in the order of GB/T 9704 (empty fields are left out)
FIELDS = (("doc_number", "发文字号"), ("doc_type", "文种"), ("issuers", "发文机关"), ("recipients", "主送机关"),
          ("signed_date", "成文日期"), ("signers", "签发人"), ("secrecy", "密级"), ("urgency", "紧急程度"),
          ("copy_no", "份号"), ("attachments", "附件"), ("cc", "抄送机关"), ("print_office", "印发机关"),
          ("print_date", "印发日期"), ("note", "附注"), ("index_number", "索引号"), ("publish_date", "发布日期"),
          ("expiry_date", "有效期至"))
TASK_COLUMNS = ("序号", "任务内容", "阶段", "牵头单位", "责任单位", "配合单位", "开始日期", "完成时限", "时限原文")


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell.

    >>> cell("a|b\\nc"), cell(None), cell(["甲", "乙"])
    ('a\\\\|b<br>c', '', '甲、乙')
    """
    s = join(value) if isinstance(value, (list, tuple)) else text(value)
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>").strip()


def table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    headers = list(headers)
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def _contacts(notice: dict) -> str:
    parts = []
    for c in notice.get("contacts") or []:
        if isinstance(c, dict):
            parts.append(" ".join(text(c.get(k)) for k in ("name", "phone", "email") if c.get(k)))
        elif c:
            parts.append(text(c))
    return "；".join(p for p in parts if p)


def summary(doc: dict) -> str:
    """The Markdown summary of one document dict."""
    notice = doc.get("notice") or {}
    src = doc.get("source") or {}
    title = text(notice.get("title")) or text(src.get("name")) or "（无标题）"
    rows = [(label, notice.get(key)) for key, label in FIELDS]
    rows.append(("联系方式", _contacts(notice)))
    fmt = ", ".join(x for x in (text(src.get("format")), text(src.get("encoding"))) if x)
    rows.append(("来源", source_label(doc) + (f"（{fmt}）" if fmt else "")))
    rows.append(("状态", text(doc.get("status"))))
    rows = [(k, v) for k, v in rows if cell(v)]
    parts = [f"# {cell(title)}", "", table(("字段", "内容"), rows), ""]
    tasks = tasks_of(doc)
    parts += [f"## 任务（{len(tasks)}）", ""]
    if tasks:
        parts.append(table(TASK_COLUMNS, (
            (i, t.get("content"), t.get("stage"), t.get("lead"), t.get("owners"), t.get("partners"),
             t.get("start"), t.get("due"), t.get("time_text")) for i, t in enumerate(tasks, 1))))
    else:
        parts.append("未识别出任务。")
    parts.append("")
    issues = [i for i in doc.get("issues") or [] if isinstance(i, dict)]
    if issues:
        parts += [f"## 问题（{len(issues)}）", ""]
        for i in issues:
            span = i.get("span")
            where = f"（位置 {span[0]}–{span[1]}）" if isinstance(span, (list, tuple)) and len(span) == 2 else ""
            parts.append(f"- `{text(i.get('code'))}` {cell(i.get('message'))}{where}")
        parts.append("")
    repairs = [r for r in doc.get("repairs") or [] if isinstance(r, dict)]
    if repairs:
        parts += ["## 修复", ""]
        parts += [f"- `{text(r.get('fixer'))}` × {text(r.get('count'))}" for r in repairs]
        parts.append("")
    return "\n".join(parts)


class MarkdownWriter:
    def __init__(self, fp: BinaryIO):
        self.fp, self.n = fp, 0

    def add(self, doc: dict) -> None:
        if self.n:
            self.fp.write(b"\n---\n\n")
        self.fp.write(summary(doc).encode("utf-8"))
        self.n += 1

    def close(self) -> None:
        self.fp.flush()
