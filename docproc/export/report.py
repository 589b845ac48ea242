"""The bulk-conversion report (``report.md`` / ``report.html``): what was converted, what failed and why.

Built streaming (``add(doc)``, ``add_error(err)``), rendered from one list of sections so the Markdown and the
HTML say the same thing. Nothing time-dependent goes in, so the same inputs give the same report.
"""
from __future__ import annotations

import html
from collections import Counter
from typing import Any

from .ledger import source_label, tasks_of, text
from .md import table

DAMAGE_CODES = ("lost_chars", "truncated")
LIST_MAX = 200


def fragment(doc: dict) -> tuple:
    """What the report counts of one document: (format, status, issue codes, damage line or None,
    [(fixer, count)], the month of each task's deadline) — small, so bulk conversion makes it in its workers.

    >>> fragment({"source": {"format": "txt", "name": "a.txt"}, "status": "partial",
    ...           "issues": [{"code": "lost_chars", "message": "缺 1 字"}], "tasks": [{"due": "2024-03-31"}, {}]})
    ('txt', 'partial', ['lost_chars'], ('a.txt', 'lost_chars', '缺 1 字'), [], ['2024-03', '无完成时限'])
    """
    src = doc.get("source") or {}
    codes, damage = [], []
    for i in doc.get("issues") or []:
        if not isinstance(i, dict):
            continue
        code = text(i.get("code")) or "unknown"
        codes.append(code)
        if code in DAMAGE_CODES:
            damage.append((code, text(i.get("message"))))
    line = None
    if damage:
        line = (source_label(doc), "、".join(sorted({c for c, _ in damage})), "；".join(m for _, m in damage[:3]))
    repairs = [(r["fixer"], int(r.get("count") or 0)) for r in doc.get("repairs") or []
               if isinstance(r, dict) and r.get("fixer")]
    months = []
    for t in tasks_of(doc):
        due = t.get("due")
        months.append(due[:7] if isinstance(due, str) and len(due) >= 7 else "无完成时限")
    return (text(src.get("format")) or "unknown", text(doc.get("status")) or "unknown", codes, line, repairs, months)


class Report:
    def __init__(self, title: str = "docproc 批量转换报告"):
        self.title = title
        self.docs = 0
        self.by_format: Counter = Counter()
        self.by_status: Counter = Counter()
        self.by_issue: Counter = Counter()
        self.repair_docs: Counter = Counter()
        self.repair_count: Counter = Counter()
        self.damaged: list[tuple[str, str, str]] = []
        self.n_damaged = 0
        self.tasks = 0
        self.by_month: Counter = Counter()
        self.errors: list[dict] = []
        self.by_error: Counter = Counter()

    def add(self, doc: dict) -> None:
        self.add_fragment(fragment(doc))

    def add_fragment(self, f: tuple) -> None:
        """Count one document from its :func:`fragment`."""
        fmt, status, codes, damage, repairs, months = f
        self.docs += 1
        self.by_format[fmt] += 1
        self.by_status[status] += 1
        for code in codes:
            self.by_issue[code] += 1
        if damage is not None:
            self.n_damaged += 1
            if len(self.damaged) < LIST_MAX:
                self.damaged.append(tuple(damage))
        for fixer, count in repairs:
            self.repair_docs[fixer] += 1
            self.repair_count[fixer] += count
        self.tasks += len(months)
        for m in months:
            self.by_month[m] += 1

    def add_error(self, err: dict) -> None:
        code = text(err.get("code")) or "error"
        self.by_error[code] += 1
        self.by_status["failed"] += 1
        if len(self.errors) < LIST_MAX:
            self.errors.append(err)

    # -- rendering ----------------------------------------------------------------------------------------
    def sections(self) -> list[tuple[str, str | None, list[str], list[list[Any]]]]:
        """(title, note, headers, rows) for each section."""
        failed = sum(self.by_error.values())
        s = [("总览", None, ["项目", "数量"], [["已转换文件", self.docs], ["失败文件", failed],
                                           ["任务", self.tasks], ["有完成时限的任务", self.tasks - self.by_month.get("无完成时限", 0)],
                                           ["有缺字或截断的文件", self.n_damaged]])]
        s.append(("按格式", None, ["格式", "文件数"], [[k, v] for k, v in sorted(self.by_format.items())]))
        s.append(("按状态", None, ["状态", "文件数"], [[k, v] for k, v in sorted(self.by_status.items())]))
        codes = Counter(self.by_issue) + Counter(self.by_error)
        s.append(("按问题代码", "文件内的问题与失败原因合计", ["代码", "次数"], [[k, v] for k, v in sorted(codes.items())]))
        s.append(("已应用的修复", None, ["修复器", "文件数", "修改处"],
                  [[k, self.repair_docs[k], self.repair_count[k]] for k in sorted(self.repair_docs)]))
        note = f"仅列出前 {LIST_MAX} 个" if self.n_damaged > LIST_MAX else None
        s.append(("有缺字或截断的文件", note, ["文件", "问题", "说明"], [list(r) for r in self.damaged]))
        months = sorted(k for k in self.by_month if k != "无完成时限")
        rows = [[m, self.by_month[m]] for m in months]
        if self.by_month.get("无完成时限"):
            rows.append(["无完成时限", self.by_month["无完成时限"]])
        s.append(("按月份的任务（完成时限）", None, ["月份", "任务数"], rows))
        note = f"仅列出前 {LIST_MAX} 个" if failed > LIST_MAX else None
        s.append(("失败文件", note, ["文件", "压缩包内路径", "代码", "说明"],
                  [[text(e.get("file")), text(e.get("archive_path")), text(e.get("code")), text(e.get("message"))]
                   for e in self.errors]))
        return s

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for title, note, headers, rows in self.sections():
            out += [f"## {title}", ""]
            if note:
                out += [f"（{note}）", ""]
            out += [table(headers, rows) if rows else "无。", ""]
        return "\n".join(out)

    def html(self) -> str:
        e = html.escape
        out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(self.title)}</title>",
               "<style>body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}"
               "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;"
               "text-align:left;vertical-align:top}th{background:#eef3fa}td.n{text-align:right}</style>",
               "</head><body>", f"<h1>{e(self.title)}</h1>"]
        for title, note, headers, rows in self.sections():
            out.append(f"<h2>{e(title)}</h2>")
            if note:
                out.append(f"<p>（{e(note)}）</p>")
            if not rows:
                out.append("<p>无。</p>")
                continue
            out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in headers) + "</tr></thead><tbody>")
            for row in rows:
                out.append("<tr>" + "".join(
                    f'<td class="n">{v}</td>' if isinstance(v, int) else f"<td>{e(text(v))}</td>" for v in row) + "</tr>")
            out.append("</tbody></table>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def build(docs, errors=()) -> Report:
    """A :class:`Report` over document dicts and error dicts (``file``, ``archive_path``, ``code``, ``message``).

    >>> r = build([{"source": {"format": "txt"}, "status": "partial",
    ...             "issues": [{"code": "lost_chars", "message": "2 个字无法恢复"}],
    ...             "tasks": [{"due": "2024-03-31"}, {"due": None}]}],
    ...           [{"file": "x.zip", "archive_path": "x.zip!/a.pdf", "code": "unreadable", "message": "损坏"}])
    >>> "| 2024-03 | 1 |" in r.markdown(), "<td>x.zip!/a.pdf</td>" in r.html()
    (True, True)
    """
    r = Report()
    for d in docs:
        r.add(d)
    for err in errors:
        r.add_error(err)
    return r
