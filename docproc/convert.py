"""Bulk conversion: ``docproc convert INPUT… -o OUTDIR`` — files, folders and archives to task ledgers.

OUTDIR receives ``documents.jsonl`` (one converted document per line, schema ``docproc.notice/1``, with
``source.path`` and ``source.archive_member``), ``errors.jsonl`` (one line per file that could not be converted:
``file``, ``archive_path``, ``path``, ``code``, ``message``), and — as ``--format`` selects — ``tasks.csv``
(utf-8-sig), ``tasks.xlsx``, ``tasks.ics``, ``report.md`` and ``report.html``.

How it runs: the workers are started first; while they load the pipeline, :func:`docproc.archive.expand`
yields the documents' bytes in a deterministic order (nothing is extracted to disk) and the main process reads
ahead. An executor (:mod:`docproc.executors`, local processes or Dask) runs :func:`convert_one` on each, with
the pipeline loaded once per worker; a worker returns the finished JSON line as bytes plus the few fields the
main process counts. The main process appends each line to ``documents.jsonl`` as it arrives (an interrupted
run leaves complete lines and at most one partial last line) and, in input order as soon as every earlier
input is settled, also to the final ``documents.jsonl`` and into the derived-file writers (:class:`_Output`),
so ordering and exporting run alongside the workers and the end of a run only closes and renames files. The
result is what ordering the finished ``documents.jsonl`` and exporting it would give — so a run interrupted
and resumed with ``--resume`` (which skips documents already in ``documents.jsonl``, by content hash and path,
and tolerates a partial last line) ends with the same files as an uninterrupted run.

Exit status: 0 everything converted, 1 something failed (see ``errors.jsonl``), 2 usage, 130 interrupted.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .archive import Item, expand
from .config import Settings
from .errors import DocprocError
from .timelimit import time_limit

DERIVED = ("csv", "xlsx", "ics", "report")
FORMAT_NAMES = ("jsonl",) + DERIVED
DOCUMENTS, ERRORS = "documents.jsonl", "errors.jsonl"
OUTPUT_FILES = {"csv": ("tasks.csv",), "xlsx": ("tasks.xlsx",), "ics": ("tasks.ics",),
                "report": ("report.md", "report.html")}
#: test hooks (documented in docs/convert.md): stop hard after N documents, hang on documents holding a marker
KILL_AFTER_ENV = "DOCPROC_TEST_KILL_AFTER"
HANG_ENV = "DOCPROC_TEST_HANG_MARKER"


class UsageError(Exception):
    """Bad arguments (exit status 2)."""


# -- worker side -------------------------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def _settings_from(d: dict) -> Settings:
    if _STATE.get("sdict") != d:
        _STATE["sdict"], _STATE["settings"] = d, Settings(**d)
    return _STATE["settings"]


def init_worker(settings: dict) -> None:
    """Load the pipeline once in this worker (spaCy, OpenCC, data files) by converting a small notice."""
    from .pipeline import warm_up

    s = _settings_from(settings)
    if not _STATE.get("warm"):
        _STATE["warm"] = True
        try:
            warm_up(s)
        except Exception:
            pass


def _test_hang(data: bytes) -> None:
    marker = os.environ.get(HANG_ENV)
    if marker and marker.encode("utf-8") in data:
        if b"BLOCKSIGNALS" in data:  # like a C call that never returns: only the executor's backstop ends it
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)


def _peak_rss() -> int:
    """Peak resident memory of this process in bytes."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024


def export_fragments(doc: dict, formats: Iterable[str]) -> dict[str, Any]:
    """The per-document, position-independent part of each derived file (see ``fragment`` in
    :mod:`docproc.export.csv`, ``.xlsx``, ``.ics``, ``.report``); the writers' ``add_fragment`` does the rest."""
    from .export import csv, ics, report
    from .export import xlsx_rows as xlsx

    mods = {"csv": csv, "xlsx": xlsx, "ics": ics, "report": report}
    return {fmt: mods[fmt].fragment(doc) for fmt in formats}


def convert_one(data: bytes, name: str, member: str | None, path: str, settings: dict,
                timeout: float | None, exports: tuple[str, ...] = ()) -> dict:
    """Convert one document's bytes (runs in a worker). Returns ``ok`` plus the JSON line (UTF-8 bytes ending in
    a newline, ready to append) or the error, and what the main process counts (status, format, pages…);
    with ``exports``, also those derived files' fragments of the document (:func:`export_fragments`)."""
    from .export.json import dumps_line
    from .pipeline import process

    s = _settings_from(settings)
    if not _STATE.get("warm"):
        init_worker(settings)
    t0, c0 = time.perf_counter(), time.process_time()
    base = {"pid": os.getpid()}
    try:
        with time_limit(timeout):
            _test_hang(data)
            doc = process(data, s, name=name, archive_member=member)
    except DocprocError as e:  # ProcessingTimeout (the time limit) included
        return {**base, "ok": False, "code": e.code, "message": e.message, "rss": _peak_rss()}
    except Exception as e:  # noqa: BLE001 — recorded, the run goes on
        return {**base, "ok": False, "code": "internal_error", "message": f"{type(e).__name__}: {e}",
                "rss": _peak_rss()}
    d = doc.to_dict()
    d["source"]["path"] = path
    pages = 0
    if d["source"].get("format") == "pdf":
        pages = int(doc.meta.get("pages") or 0) or (1 + sum(b.kind == "page_break" for b in doc.blocks))
    line = dumps_line(d).encode("utf-8") + b"\n"
    res = {**base, "ok": True, "line": line, "status": doc.status, "format": doc.source.format, "pages": pages}
    if exports:
        try:
            res["frag"] = export_fragments(d, exports)
        except Exception:  # noqa: BLE001 — the main process makes them from the line instead
            pass
    return {**res, "elapsed": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rss": _peak_rss()}


# -- main side ---------------------------------------------------------------------------------------------
@dataclass
class Stats:
    discovered: int = 0
    converted: int = 0
    partial: int = 0
    skipped: int = 0
    failed: int = 0
    pages: int = 0
    pdf_seconds: float = 0.0
    worker_seconds: float = 0.0  # wall time spent in convert_one, summed over documents
    worker_cpu_seconds: float = 0.0  # CPU time of the same (does not grow when other programs share the cores)
    elapsed: float = 0.0
    finalize_seconds: float = 0.0  # after the last result: closing the outputs (derived files included)
    startup_seconds: float = 0.0  # from the start until every worker had loaded the pipeline
    done_at_startup: int = 0  # documents done by then
    last_result_seconds: float = 0.0  # from the start until the last result came back
    worker_peak_rss: dict[int, int] = field(default_factory=dict)
    by_format: dict[str, int] = field(default_factory=dict)
    engine: str = "local"
    workers: int = 0
    exit_code: int = 0

    @property
    def done(self) -> int:
        return self.converted + self.skipped + self.failed

    @property
    def steady_rate(self) -> float:
        """Documents per second between the end of the start-up and the last result (0 when not measurable)."""
        span = self.last_result_seconds - self.startup_seconds
        n = self.converted + self.failed - self.done_at_startup
        return n / span if span > 0 and n > 0 else 0.0


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """The derived outputs asked for (``documents.jsonl`` and ``errors.jsonl`` are always written).

    >>> parse_formats("jsonl,csv, xlsx"), parse_formats("all")
    (('csv', 'xlsx'), ('csv', 'xlsx', 'ics', 'report'))
    """
    if formats is None:
        return DERIVED
    names = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    aliases = {"md": "report", "html": "report", "json": "jsonl", "all": None}
    out: list[str] = []
    for n in names:
        n = aliases.get(n, n)
        if n is None:
            return DERIVED
        if n not in FORMAT_NAMES:
            raise UsageError(f"unknown format {n!r} (choose from {', '.join(FORMAT_NAMES)})")
        if n != "jsonl" and n not in out:
            out.append(n)
    return tuple(f for f in DERIVED if f in out)


_DECODER = json.JSONDecoder()
_SOURCE = b'"source": '


def _line_key(line: bytes | dict) -> tuple[str, str]:
    """(sha256, path) of a documents.jsonl line; decodes only the ``source`` object when it can.

    >>> _line_key(b'{"schema": "docproc.notice/1", "source": {"sha256": "ab", "path": "x/a.txt"}, "text": "..."}\\n')
    ('ab', 'x/a.txt')
    """
    src = None
    if isinstance(line, dict):
        src = line.get("source")
    else:
        at = line.find(_SOURCE, 0, 200)
        if at >= 0:
            try:
                src, _ = _DECODER.raw_decode(line[at + len(_SOURCE):].decode("utf-8"))
            except ValueError:
                src = None
        if not isinstance(src, dict):
            src = json.loads(line).get("source")
    src = src if isinstance(src, dict) else {}
    return (str(src.get("sha256") or ""), str(src.get("path") or src.get("archive_member") or src.get("name") or ""))


Key = tuple[str, str]


def read_index(path: Path) -> list[tuple[Key, int, int]]:
    """(key, offset, length) of every complete line of an existing ``documents.jsonl`` whose key can be read,
    in file order; a partial last line (an interrupted write) is cut off so appending goes on cleanly."""
    index: list[tuple[Key, int, int]] = []
    if not path.exists():
        return index
    good_end = 0
    with open(path, "rb+") as f:
        pos = 0
        for raw in f:
            end = pos + len(raw)
            if raw.endswith(b"\n"):
                try:
                    index.append((_line_key(raw), pos, len(raw)))
                    good_end = end
                except ValueError:
                    pass
            pos = end
        if good_end < pos:
            f.truncate(good_end)
    return index


def read_done(path: Path) -> set[Key]:
    """The (sha256, path) of every complete line of an existing ``documents.jsonl`` (see :func:`read_index`)."""
    return {key for key, _, _ in read_index(path)}


class _Progress:
    """A rich progress bar on a terminal, periodic plain lines otherwise, nothing with ``quiet``."""

    def __init__(self, quiet: bool, stream=None, every: float = 5.0):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = (not quiet) and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.monotonic()
        self.every, self.last = every, self.t0  # the first line after ``every`` seconds
        self.bar = None
        if self.tty:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("[bold]convert"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]:.1f} doc/s"), TextColumn("ETA"),
                                TimeRemainingColumn(), TextColumn("[red]{task.fields[failed]} failed"),
                                TimeElapsedColumn(), console=Console(file=self.stream), transient=False)
            self.bar.start()
            self.task = self.bar.add_task("convert", total=None, rate=0.0, failed=0)

    def update(self, st: Stats, final_total: bool, force: bool = False) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        rate = (st.converted + st.failed) / max(now - self.t0, 1e-9)
        if self.bar is not None:
            self.bar.update(self.task, completed=st.done, total=st.discovered if final_total else None,
                            rate=rate, failed=st.failed)
            return
        if force or now - self.last >= self.every:
            self.last = now
            total = f"{st.discovered}" if final_total else f"{st.discovered}+"
            left = st.discovered - st.done
            eta = f", ETA {left / rate:.0f} s" if final_total and rate > 0 else ""
            print(f"docproc convert: {st.done}/{total} done, {st.failed} failed, {st.skipped} skipped, "
                  f"{rate:.1f} doc/s{eta}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class _Output:
    """Everything a run writes into OUTDIR.

    ``documents.jsonl`` receives each line as its result arrives (buffered, flushed about once a second:
    an interrupted run leaves complete lines and at most one partial last line, which ``--resume`` drops).
    Each input's sequence number is settled once — a line of this run, a line kept from the earlier run
    (``--resume``), or nothing (failed, duplicate) — and in sequence order, as soon as all earlier ones are
    settled, the lines go to ``documents.jsonl.tmp`` and into the derived-file writers (each line parsed once).
    :meth:`finish` adds the earlier run's lines of paths not among this run's inputs (last, by path), renames
    the files into place and writes ``errors.jsonl`` and the report. The result equals ordering the finished
    ``documents.jsonl`` (duplicates and stale lines dropped) and exporting it in one pass.
    """

    FLUSH_S = 1.0
    HOLD_BYTES = 32 << 20  # out-of-order lines kept in memory; beyond this they are read back from the file

    def __init__(self, out: Path, formats: tuple[str, ...], old: list[tuple[Key, int, int]]):
        self.out = out
        self.docs_path = out / DOCUMENTS
        self.old = old
        self.first_old: dict[Key, tuple[int, int]] = {}
        for key, off, n in old:
            self.first_old.setdefault(key, (off, n))
        self.docs = open(self.docs_path, "ab", buffering=1 << 20)
        self.pos = self.flushed = self.docs.tell()
        self.last_flush = time.monotonic()
        self.reader = None
        self.pending: dict[int, tuple[Key, int, int, bytes | None, dict | None] | None] = {}
        self.held = 0
        self.next = 0
        self.seen: set[Key] = set()
        self.tmp: list[Path] = []
        self.sorted = self._open_tmp(DOCUMENTS)
        from .export import writer

        self.formats = formats
        self.files = {fmt: self._open_tmp(OUTPUT_FILES[fmt][0]) for fmt in formats if fmt != "report"}
        self.writers = {fmt: writer(fmt, fp) for fmt, fp in self.files.items()}
        if "report" in formats:
            from .export.report import Report

            self.writers["report"] = Report()

    def _open_tmp(self, name: str):
        path = self.out / (name + ".tmp")
        self.tmp.append(path)
        return open(path, "wb", buffering=1 << 20)

    # -- during the run ---------------------------------------------------------------------------------
    def append(self, line: bytes, kill: bool = False) -> tuple[int, int]:
        """Append a finished line to documents.jsonl; (offset, length) of it."""
        if kill:  # test hook: die in the middle of the write
            self.docs.write(line[: len(line) // 2])
            self.docs.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        off = self.pos
        self.docs.write(line)
        self.pos += len(line)
        now = time.monotonic()
        if now - self.last_flush >= self.FLUSH_S:
            self.flush(now)
        return off, len(line)

    def flush(self, now: float | None = None) -> None:
        self.docs.flush()
        self.flushed = self.pos
        self.last_flush = now if now is not None else time.monotonic()

    def settle(self, seq: int, key: Key | None = None, at: tuple[int, int] | None = None,
               line: bytes | None = None, frag: dict | None = None) -> None:
        """Input ``seq`` is done: its line is ``line`` at ``at`` in documents.jsonl (this run; ``frag`` its
        export fragments when a worker made them), the earlier run's line for ``key`` (``at`` None), or
        nothing (``key`` None)."""
        if key is not None and at is None:
            at = self.first_old[key]
        if seq != self.next:
            if line is not None:
                size = 3 * len(line) if frag else len(line)  # fragments weigh about twice the line
                if self.held + size > self.HOLD_BYTES:
                    line = frag = None
                else:
                    self.held += size
            self.pending[seq] = None if key is None else (key, at[0], at[1], line, frag)
            return
        self._emit(key, at, line, frag)
        self.next += 1
        while self.next in self.pending:
            entry = self.pending.pop(self.next)
            if entry is not None:
                key, off, n, line, frag = entry
                if line is not None:
                    self.held -= 3 * len(line) if frag else len(line)
                self._emit(key, (off, n), line, frag)
            self.next += 1

    def _read(self, off: int, n: int) -> bytes:
        if off + n > self.flushed:
            self.flush()
        if self.reader is None:
            self.reader = open(self.docs_path, "rb")
        self.reader.seek(off)
        return self.reader.read(n)

    def _emit(self, key: Key | None, at: tuple[int, int] | None, line: bytes | None,
              frag: dict | None = None) -> None:
        if key is None or key in self.seen:
            return
        self.seen.add(key)
        if line is None:
            line = self._read(*at)
        self.sorted.write(line)
        if not self.writers:
            return
        if frag is not None and all(f in frag for f in self.writers):
            for fmt, w in self.writers.items():
                w.add_fragment(frag[fmt])
            return
        try:
            d = json.loads(line)
        except ValueError:  # a damaged line (not one we wrote): kept in documents.jsonl, not exported
            return
        for w in self.writers.values():
            w.add(d)

    # -- at the end --------------------------------------------------------------------------------------
    def finish(self, order: dict[Key, int], errors: list[tuple[int, dict]]) -> None:
        for seq in sorted(self.pending):  # nothing is left here after a complete run
            entry = self.pending.pop(seq)
            if entry is not None:
                self._emit(entry[0], entry[1:3], entry[3], entry[4])
        current = {p for _, p in order}
        tail = []
        for key, off, n in self.old:  # the earlier run's lines of paths this run did not see
            if key not in self.seen and key[1] not in current:
                self.seen.add(key)
                tail.append(((key[1], key[0]), off, n))
        for (path, sha), off, n in sorted(tail):
            self._emit((sha, path), (off, n), None)
        self.docs.close()
        if self.reader is not None:
            self.reader.close()
        report = self.writers.pop("report", None)
        for w in self.writers.values():
            w.close()
        for fp in [self.sorted, *self.files.values()]:
            fp.close()
        os.replace(self.out / (DOCUMENTS + ".tmp"), self.docs_path)
        for fmt in self.files:
            os.replace(self.out / (OUTPUT_FILES[fmt][0] + ".tmp"), self.out / OUTPUT_FILES[fmt][0])
        self.tmp = []
        errs = [e for _, e in sorted(errors, key=lambda x: (x[0], x[1].get("path") or ""))]
        _write_atomic(self.out / ERRORS, b"".join(json.dumps(e, ensure_ascii=False).encode("utf-8") + b"\n"
                                                  for e in errs))
        if report is not None:
            for e in errs:
                report.add_error(e)
            _write_atomic(self.out / "report.md", report.markdown().encode("utf-8"))
            _write_atomic(self.out / "report.html", report.html().encode("utf-8"))

    def abandon(self) -> None:
        """An interrupted run: documents.jsonl keeps what arrived; the half-made files go."""
        for fp in [self.docs, self.reader, self.sorted, *self.files.values()]:
            if fp is not None:
                try:
                    fp.close()
                except OSError:
                    pass
        for path in self.tmp:
            path.unlink(missing_ok=True)
        self.tmp = []


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _make_executor(engine: str, jobs: int, settings: Settings, timeout: float | None, scheduler: str | None,
                   client=None):
    from .executors import DaskExecutor, LocalExecutor

    initargs = (settings.model_dump(),)
    if engine == "local":
        return LocalExecutor(convert_one, jobs, initializer=init_worker, initargs=initargs, timeout=timeout)
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError as e:
            raise UsageError("--engine dask needs dask[distributed] (pip install 'docproc[dask]')") from e
        try:
            return DaskExecutor(convert_one, client=client, scheduler=scheduler, jobs=jobs, initializer=init_worker,
                                initargs=initargs, timeout=timeout)
        except ConnectionError as e:
            raise UsageError(str(e)) from e
    raise UsageError(f"unknown engine {engine!r} (local or dask)")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


#: inputs expanded ahead of the workers (count, bytes): covers their start-up without holding much in memory
READAHEAD = (512, 64 << 20)


def convert(inputs: Iterable[str | Path], output: str | Path, *, jobs: int | None = None,
            formats: str | Iterable[str] | None = None, resume: bool = False, engine: str = "local",
            scheduler: str | None = None, quiet: bool = False, timeout: float | None = None,
            settings: Settings | None = None, client=None, progress_stream=None,
            exports_in_workers: bool | None = None) -> Stats:
    """Convert ``inputs`` into ``output``; returns the run's :class:`Stats` (``exit_code`` included).

    Raises :class:`UsageError` for bad arguments. ``client`` is an existing ``distributed.Client`` (tests,
    notebooks); otherwise ``engine="dask"`` connects to ``scheduler`` or starts a ``LocalCluster``.
    ``exports_in_workers``: whether the workers render the derived files' per-document fragments (default:
    yes, unless a local run leaves this process a core of its own); the files are the same either way.
    """
    settings = settings or Settings()
    inputs = [Path(p) for p in inputs]
    if not inputs:
        raise UsageError("no inputs given")
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    fmts = parse_formats(formats)
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine {engine!r} (local or dask)")
    if scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    timeout = settings.document_timeout_s if timeout is None else timeout
    if timeout is not None and timeout <= 0:
        timeout = None
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    kill_after = int(os.environ[KILL_AFTER_ENV]) if os.environ.get(KILL_AFTER_ENV) else None

    st = Stats(engine=engine, workers=jobs)
    t0 = time.perf_counter()
    m0 = time.monotonic()
    # the workers first: they load the pipeline while this process reads the old results and the inputs
    ex = _make_executor(engine, jobs, settings, timeout, scheduler, client)
    st.workers = getattr(ex, "threads", None) or jobs
    docs_path = out / DOCUMENTS
    outputs = None
    errs_f = None
    order: dict[Key, int] = {}
    errors: list[tuple[int, dict]] = []
    items: dict[int, tuple[Item, Key]] = {}  # in flight
    sdict = settings.model_dump()
    # the workers render the derived files' fragments unless this process has a core of its own to do it on
    if exports_in_workers is None:
        exports_in_workers = engine != "local" or jobs >= default_jobs()
    in_workers = fmts if exports_in_workers else ()
    progress = _Progress(quiet, progress_stream)
    expanded = False
    written = 0

    def record_error(seq: int, err: dict) -> None:
        st.failed += 1
        errors.append((seq, err))
        errs_f.write(json.dumps(err, ensure_ascii=False).encode("utf-8") + b"\n")
        errs_f.flush()

    def tasks() -> Iterator[tuple[int, tuple]]:
        nonlocal expanded
        for seq, item in enumerate(expand(inputs, settings, exclude=[out], tmpdir=out)):
            st.discovered += 1
            if item.error is not None:
                record_error(seq, item.error_dict())
                outputs.settle(seq)
                progress.update(st, False)
                continue
            key = (hashlib.sha256(item.data).hexdigest(), item.path)
            if key in order:  # the same bytes under the same path twice (duplicate member names)
                st.skipped += 1
                outputs.settle(seq)
                continue
            order[key] = seq
            if key in outputs.first_old:
                st.skipped += 1
                outputs.settle(seq, key)
                progress.update(st, False)
                continue
            items[seq] = (item, key)
            yield seq, (item.data, item.name, item.member, item.path, sdict, timeout, in_workers)
        expanded = True

    def on_result(seq: int, res: dict) -> None:
        nonlocal written
        item, key = items.pop(seq)
        if not st.startup_seconds and getattr(ex, "ready_at", None):
            st.startup_seconds = ex.ready_at - m0
            st.done_at_startup = st.converted + st.failed
        if res.get("pid") and res.get("rss"):
            st.worker_peak_rss[res["pid"]] = max(st.worker_peak_rss.get(res["pid"], 0), res["rss"])
        if res.get("ok"):
            line = res["line"]
            if isinstance(line, str):
                line = line.encode("utf-8") + b"\n"
            at = outputs.append(line, kill=kill_after is not None and written >= kill_after)
            written += 1
            outputs.settle(seq, key, at, line, res.get("frag"))
            st.converted += 1
            st.partial += res.get("status") == "partial"
            fmt = res.get("format") or "unknown"
            st.by_format[fmt] = st.by_format.get(fmt, 0) + 1
            st.worker_seconds += res.get("elapsed") or 0.0
            st.worker_cpu_seconds += res.get("cpu") or 0.0
            if res.get("pages"):
                st.pages += res["pages"]
                st.pdf_seconds += res.get("elapsed") or 0.0
        else:
            err = {"file": item.file, "archive_path": item.member, "path": item.path,
                   "code": res.get("code") or "error", "message": res.get("message") or ""}
            record_error(seq, err)
            outputs.settle(seq)
        progress.update(st, expanded)

    from .executors import drain

    try:
        old = read_index(docs_path) if resume else []
        if not resume:
            docs_path.write_bytes(b"")
        errs_f = open(out / ERRORS, "wb")
        outputs = _Output(out, fmts, old)  # imports the exporters while the workers start
        drain(ex, tasks(), on_result, readahead=READAHEAD[0], readahead_bytes=READAHEAD[1])
        st.last_result_seconds = time.monotonic() - m0
        if not st.startup_seconds and getattr(ex, "ready_at", None):
            st.startup_seconds = ex.ready_at - m0
        progress.update(st, True, force=True)
    except KeyboardInterrupt:
        progress.close()
        print(f"docproc convert: interrupted; {st.converted} documents kept in {docs_path} — rerun with --resume",
              file=sys.stderr)
        st.exit_code = 130
        st.elapsed = time.perf_counter() - t0
        return st
    finally:
        ex.close()
        progress.close()
        if errs_f is not None:
            errs_f.close()
        if outputs is not None and st.last_result_seconds == 0.0:
            outputs.abandon()
    t1 = time.perf_counter()
    outputs.finish(order, errors)
    st.elapsed = time.perf_counter() - t0
    st.finalize_seconds = time.perf_counter() - t1
    st.exit_code = 1 if st.failed else 0
    return st


def run_convert(inputs, output, *, jobs=None, formats=None, resume=False, engine="local", scheduler=None,
                quiet=False, timeout=None) -> int:
    """The ``docproc convert`` command: run, print a summary on stderr, return the exit status."""
    try:
        st = convert(inputs, output, jobs=jobs, formats=formats, resume=resume, engine=engine, scheduler=scheduler,
                     quiet=quiet, timeout=timeout)
    except UsageError as e:
        print(f"docproc convert: {e}", file=sys.stderr)
        return 2
    if not quiet and st.exit_code != 130:
        rate = (st.converted + st.failed) / max(st.elapsed, 1e-9)
        print(f"docproc convert: {st.converted} converted ({st.partial} partial), {st.failed} failed, "
              f"{st.skipped} skipped in {st.elapsed:.1f} s ({rate:.1f} doc/s) → {output}"
              + (f"; see {Path(output) / ERRORS}" if st.failed else ""), file=sys.stderr)
    return st.exit_code
