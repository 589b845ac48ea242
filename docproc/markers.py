"""Anchors that repair fixers put into the text to say "something is lost here".

A fixer cannot know where its change will end up after later fixers run, so instead of an offset it inserts
an *anchor*: a private-use character from Supplementary Private Use Area-A, allocated per issue by
:class:`RepairContext`.  After every stage has run, :func:`resolve` finds each anchor, turns it into an
``Issue`` span on the final text, and replaces it with ``□`` (one per lost character, the customary mark
for an illegible character) or with nothing (a zero-width anchor: text cut away, e.g. a paywall).

>>> ctx = RepairContext()
>>> a = ctx.anchor("lost_chars", "character destroyed by mojibake", width=1, fixer="mojibake")
>>> b = ctx.anchor("truncated", "site cut the text", width=0, fixer="boilerplate")
>>> text, issues = resolve(f"关于{a}好的通知{b}", ctx)
>>> text
'关于□好的通知'
>>> [(i.code, i.span) for i in issues]
[('lost_chars', (2, 3)), ('truncated', (7, 7))]
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Issue

ANCHOR_BASE = 0xF0000
ANCHOR_LIMIT = 0xFFFFD
LOST_CHAR = "□"


@dataclass
class _Anchor:
    code: str
    message: str
    width: int
    fixer: str | None


@dataclass
class RepairContext:
    """State shared by the fixers of one document: anchors, and facts later fixers may use."""

    anchors: dict[str, _Anchor] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # e.g. {"html": True, "source_format": "pdf"}

    def anchor(self, code: str, message: str, width: int = 1, fixer: str | None = None) -> str:
        cp = ANCHOR_BASE + len(self.anchors)
        if cp > ANCHOR_LIMIT:  # pragma: no cover - 65k anchors in one document
            cp = ANCHOR_LIMIT
        ch = chr(cp)
        self.anchors.setdefault(ch, _Anchor(code, message, width, fixer))
        return ch


def is_anchor(ch: str) -> bool:
    return ANCHOR_BASE <= ord(ch) <= ANCHOR_LIMIT


def resolve(text: str, ctx: RepairContext) -> tuple[str, list[Issue]]:
    """Replace anchors by their rendering and return (text, issues with spans on that text)."""
    if not ctx.anchors:
        return text, []
    out: list[str] = []
    issues: list[Issue] = []
    pos = 0
    last: Issue | None = None
    last_anchor: _Anchor | None = None
    for ch in text:
        a = ctx.anchors.get(ch) if is_anchor(ch) else None
        if a is None:
            out.append(ch)
            pos += 1
            last = None
            continue
        rendering = LOST_CHAR * a.width
        # adjacent anchors of the same kind and fixer merge into one issue span
        if last is not None and last_anchor is not None and last.code == a.code and last_anchor.fixer == a.fixer \
                and last.span and last.span[1] == pos:
            last.span = (last.span[0], pos + len(rendering))
        else:
            last = Issue(a.code, a.message, (pos, pos + len(rendering)), stage="repair")
            last_anchor = a
            issues.append(last)
        out.append(rendering)
        pos += len(rendering)
    return "".join(out), issues
