"""``process(path_or_bytes)``: the one entry point — ingest → repair → simplify → extract → tasks."""
from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from . import ingest, repair
from .config import Settings, default_settings
from .errors import DocprocError
from .markers import LOST_CHAR, RepairContext, resolve
from .model import Document, Issue, Repair, Source
from .simplify import simplify


# a small notice that exercises every stage: processing it once loads spaCy, OpenCC and the pattern files, so
# worker processes (bulk conversion, the service) pay that cost before their first real document
WARMUP_NOTICE = "关于做好2024年度安全生产工作的通知\n各单位：\n一、请于2024年3月31日前报送工作方案。\n".encode("utf-8")


def warm_up(settings: Settings | None = None) -> None:
    """Load everything a worker process needs before its first real document: convert a small notice (spaCy,
    OpenCC, the data files) and compile the parts of the date grammar the notice did not need, so that the
    first documents pay no loading and a per-document time limit measures conversion only."""
    from .extract import dates

    process(WARMUP_NOTICE, settings, name="warmup.txt")
    dates.precompile()


def clean_text(text: str, settings: Settings | None = None, facts: dict | None = None) -> tuple[str, list[Repair], list[Issue]]:
    """Repair and simplify a decoded text; return (clean text, repairs, issues with spans on the clean text)."""
    final, repairs, issues, _ = _clean(text, settings, facts)
    return final, repairs, issues


# characters of the range repair anchors use (Supplementary Private Use Area-A): never real notice text, and
# they must not be mistaken for anchors, so they are treated as undecodable input
_ANCHOR_RANGE = re.compile("[\U000F0000-\U000FFFFD]")
_REPLACEMENT_RUN = re.compile("\ufffd+")


def _leftover_replacements(text: str) -> tuple[str, list[Issue]]:
    """U+FFFD that no fixer could explain (a file cut inside its last character, say) → ``□`` + ``lost_chars``.

    >>> _leftover_replacements("通知。\ufffd")
    ('通知。□', [Issue(code='lost_chars', message='1 undecodable character(s) in the source', span=(3, 4), stage='repair')])
    """
    if "\ufffd" not in text:
        return text, []
    issues = [Issue("lost_chars", f"{m.end() - m.start()} undecodable character(s) in the source", m.span(), "repair")
              for m in _REPLACEMENT_RUN.finditer(text)]
    return text.replace("\ufffd", LOST_CHAR), issues


def _clean(text: str, settings: Settings | None, facts: dict | None):
    """``clean_text`` plus the facts the fixers learnt (e.g. ``page_meta`` from removed metadata lines)."""
    settings = settings or default_settings()
    ctx = RepairContext(facts=dict(facts or {}))
    text = _ANCHOR_RANGE.sub("\ufffd", text)
    text, repairs, ctx = repair.run(text, ctx)
    simplified, n = simplify(text, settings.opencc_config)
    if n:
        repairs.append(Repair(settings.opencc_config, n))
    from .repair import postsimplify

    simplified, changes = postsimplify.fix(simplified, ctx)
    if changes:
        repairs.append(Repair(postsimplify.NAME, len(changes), changes))
    final, issues = resolve(simplified, ctx)
    final, leftover = _leftover_replacements(final)
    return final, repairs, issues + leftover, ctx.facts


def process(src: str | Path | bytes, settings: Settings | None = None, *, name: str | None = None,
            archive_member: str | None = None, extract: bool = True) -> Document:
    """Process one document (a path or its bytes). Raises :class:`DocprocError` when it cannot be read."""
    settings = settings or default_settings()
    if isinstance(src, (str, Path)):
        path = Path(src)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DocprocError(f"cannot read {path}: {e.strerror or e}") from e
        name = name or path.name
    else:
        data = bytes(src)
    doc = Document(source=Source(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                 archive_member=archive_member))
    t0 = time.perf_counter()
    got = ingest.read(data, name, settings)
    doc.source.format, doc.source.media_type, doc.source.encoding = got.format, got.media_type, got.encoding
    doc.raw_text, doc.blocks, doc.meta = got.text, got.blocks, got.meta
    doc.issues.extend(got.issues)
    t1 = time.perf_counter()
    doc.text, doc.repairs, issues, facts = _clean(got.text, settings, {"format": got.format})
    doc.issues.extend(issues)
    _merge_page_meta(doc.meta, facts.get("page_meta"), settings)
    t2 = time.perf_counter()
    if extract:
        from .extract import extract as run_extract

        run_extract(doc, settings)
    t3 = time.perf_counter()
    doc.timings = {"ingest": t1 - t0, "repair": t2 - t1, "extract": t3 - t2}
    if any(i.code in ("lost_chars", "truncated", "needs_ocr") for i in doc.issues):
        doc.status = "partial"
    return doc


def _merge_page_meta(meta: dict, found: dict | None, settings: Settings) -> None:
    """Page metadata the reader parsed wins; values the boilerplate fixer lifted out of the text fill gaps.

    Values taken from the (traditional or repaired) text are simplified like the text itself.
    """
    if not found:
        return
    page = meta.setdefault("page_meta", {})
    for key, value in found.items():
        if key not in page and value:
            k, _ = simplify(str(key), settings.opencc_config)
            v, _ = simplify(str(value), settings.opencc_config)
            page.setdefault(k, v)


def failed_document(name: str | None, error: DocprocError | Exception, data: bytes | None = None,
                    archive_member: str | None = None) -> Document:
    """A ``status: failed`` document recording why (for bulk conversion and the service)."""
    code = getattr(error, "code", "error")
    src = Source(name=name, archive_member=archive_member)
    if data is not None:
        src.size, src.sha256 = len(data), hashlib.sha256(data).hexdigest()
    doc = Document(source=src, status="failed")
    doc.add_issue(code, str(error), stage="ingest")
    return doc
