"""Bulk conversion: ``docproc convert INPUT… -o OUTDIR`` — files, folders and archives to task ledgers.

OUTDIR receives ``documents.jsonl`` (one converted document per line, schema ``docproc.notice/1``, with
``source.path`` and ``source.archive_member``), ``errors.jsonl`` (one line per file that could not be converted:
``file``, ``archive_path``, ``path``, ``code``, ``message``), and — as ``--format`` selects — ``tasks.csv``
(utf-8-sig), ``tasks.xlsx``, ``tasks.ics``, ``report.md`` and ``report.html``.

How it runs: :func:`docproc.archive.expand` yields the documents' bytes in a deterministic order (nothing is
extracted to disk); an executor (:mod:`docproc.executors`, local processes or Dask) runs :func:`convert_one`
on each, with the pipeline loaded once per worker; the main process appends each result to
``documents.jsonl`` as it arrives. At the end ``documents.jsonl`` and ``errors.jsonl`` are put in input order
and the derived files are rewritten from the full ``documents.jsonl`` — so a run interrupted and resumed with
``--resume`` (which skips documents already in ``documents.jsonl``, by content hash and path, and tolerates a
partial last line) ends with the same files as an uninterrupted run.

Exit status: 0 everything converted, 1 something failed (see ``errors.jsonl``), 2 usage, 130 interrupted.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .archive import Item, expand
from .config import Settings
from .errors import DocprocError, ProcessingTimeout

DERIVED = ("csv", "xlsx", "ics", "report")
FORMAT_NAMES = ("jsonl",) + DERIVED
DOCUMENTS, ERRORS = "documents.jsonl", "errors.jsonl"
OUTPUT_FILES = {"csv": ("tasks.csv",), "xlsx": ("tasks.xlsx",), "ics": ("tasks.ics",),
                "report": ("report.md", "report.html")}
#: test hooks (documented in docs/convert.md): stop hard after N documents, hang on documents holding a marker
KILL_AFTER_ENV = "DOCPROC_TEST_KILL_AFTER"
HANG_ENV = "DOCPROC_TEST_HANG_MARKER"
WARMUP = "关于做好2024年度安全生产工作的通知\n各单位：\n一、请于2024年3月31日前报送工作方案。\n".encode("utf-8")


class UsageError(Exception):
    """Bad arguments (exit status 2)."""


# -- worker side -------------------------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def _settings_from(d: dict) -> Settings:
    key = json.dumps(d, sort_keys=True, default=str)
    if _STATE.get("key") != key:
        _STATE["key"], _STATE["settings"] = key, Settings(**d)
    return _STATE["settings"]


def init_worker(settings: dict) -> None:
    """Load the pipeline once in this worker (spaCy, OpenCC, data files) by converting a small notice."""
    from .pipeline import process

    s = _settings_from(settings)
    if not _STATE.get("warm"):
        _STATE["warm"] = True
        try:
            process(WARMUP, s, name="warmup.txt")
        except Exception:
            pass


class _Alarm(BaseException):
    """Raised by SIGALRM inside a worker; a BaseException so ``except Exception`` in a stage cannot eat it."""


@contextmanager
def _deadline(seconds: float | None):
    """A soft per-document limit via SIGALRM (only in a process's main thread; elsewhere the executor's
    backstop applies)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise _Alarm()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


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


def convert_one(data: bytes, name: str, member: str | None, path: str, settings: dict,
                timeout: float | None) -> dict:
    """Convert one document's bytes (runs in a worker). Returns ``ok`` plus the JSON line or the error."""
    from .export.json import dumps_line
    from .pipeline import process

    s = _settings_from(settings)
    if not _STATE.get("warm"):
        init_worker(settings)
    t0, c0 = time.perf_counter(), time.process_time()
    base = {"pid": os.getpid()}
    try:
        with _deadline(timeout):
            _test_hang(data)
            doc = process(data, s, name=name, archive_member=member)
    except _Alarm:
        return {**base, "ok": False, "code": ProcessingTimeout.code,
                "message": f"conversion took longer than {timeout:g} s", "rss": _peak_rss()}
    except DocprocError as e:
        return {**base, "ok": False, "code": e.code, "message": e.message, "rss": _peak_rss()}
    except Exception as e:  # noqa: BLE001 — recorded, the run goes on
        return {**base, "ok": False, "code": "internal_error", "message": f"{type(e).__name__}: {e}",
                "rss": _peak_rss()}
    d = doc.to_dict()
    d["source"]["path"] = path
    pages = 0
    if d["source"].get("format") == "pdf":
        pages = int(doc.meta.get("pages") or 0) or (1 + sum(b.kind == "page_break" for b in doc.blocks))
    return {**base, "ok": True, "line": dumps_line(d), "status": doc.status, "format": doc.source.format,
            "pages": pages, "elapsed": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rss": _peak_rss()}


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
    finalize_seconds: float = 0.0  # ordering documents.jsonl and writing the derived files at the end
    worker_peak_rss: dict[int, int] = field(default_factory=dict)
    by_format: dict[str, int] = field(default_factory=dict)
    engine: str = "local"
    workers: int = 0
    exit_code: int = 0

    @property
    def done(self) -> int:
        return self.converted + self.skipped + self.failed


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


def read_done(path: Path) -> set[tuple[str, str]]:
    """The (sha256, path) of every complete line of an existing ``documents.jsonl``; a partial last line (an
    interrupted write) is cut off so appending goes on cleanly."""
    done: set[tuple[str, str]] = set()
    if not path.exists():
        return done
    good_end = 0
    with open(path, "rb+") as f:
        pos = 0
        for raw in f:
            end = pos + len(raw)
            if raw.endswith(b"\n"):
                try:
                    done.add(_line_key(raw))
                    good_end = end
                except ValueError:
                    pass
            pos = end
        if good_end < pos:
            f.truncate(good_end)
    return done


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


def _sorted_lines(path: Path, order: dict[tuple[str, str], int]) -> Iterator[bytes]:
    """The complete lines of ``path`` in input order, duplicates dropped, and stale ones (a path of this run
    whose content has changed since) dropped; lines of paths not among this run's inputs are kept, last."""
    index: list[tuple[tuple, int, int]] = []
    seen: set[tuple[str, str]] = set()
    current = {p for _, p in order}
    with open(path, "rb") as f:
        pos = 0
        for raw in f:
            n = len(raw)
            if raw.endswith(b"\n"):
                try:
                    key = _line_key(raw)
                except ValueError:
                    key = None
                if key is not None and key not in seen and (key in order or key[1] not in current):
                    seen.add(key)
                    index.append(((order.get(key, 1 << 62), key[1], key[0]), pos, n))
            pos += n
        index.sort()
        for _, pos, n in index:
            f.seek(pos)
            yield f.read(n)


def finalize(out: Path, formats: tuple[str, ...], order: dict[tuple[str, str], int],
             errors: list[tuple[int, dict]]) -> None:
    """Put documents.jsonl and errors.jsonl in input order and rewrite the derived files from them."""
    from .export import writer
    from .export.report import Report

    docs_path = out / DOCUMENTS
    tmp = out / (DOCUMENTS + ".tmp")
    with open(tmp, "wb") as f:
        for line in _sorted_lines(docs_path, order):
            f.write(line)
    os.replace(tmp, docs_path)
    errs = [e for _, e in sorted(errors, key=lambda x: (x[0], x[1].get("path") or ""))]
    _write_atomic(out / ERRORS, b"".join(json.dumps(e, ensure_ascii=False).encode("utf-8") + b"\n" for e in errs))

    files = {fmt: open(out / (OUTPUT_FILES[fmt][0] + ".tmp"), "wb") for fmt in formats if fmt != "report"}
    try:
        writers = {fmt: writer(fmt, fp) for fmt, fp in files.items()}
        report = Report() if "report" in formats else None
        with open(docs_path, "rb") as f:
            for raw in f:
                try:
                    d = json.loads(raw)
                except ValueError:  # a damaged line (not one we wrote): kept in documents.jsonl, not exported
                    continue
                for w in writers.values():
                    w.add(d)
                if report is not None:
                    report.add(d)
        for w in writers.values():
            w.close()
    finally:
        for fp in files.values():
            fp.close()
    for fmt in files:
        os.replace(out / (OUTPUT_FILES[fmt][0] + ".tmp"), out / OUTPUT_FILES[fmt][0])
    if report is not None:
        for e in errs:
            report.add_error(e)
        _write_atomic(out / "report.md", report.markdown().encode("utf-8"))
        _write_atomic(out / "report.html", report.html().encode("utf-8"))


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


def convert(inputs: Iterable[str | Path], output: str | Path, *, jobs: int | None = None,
            formats: str | Iterable[str] | None = None, resume: bool = False, engine: str = "local",
            scheduler: str | None = None, quiet: bool = False, timeout: float | None = None,
            settings: Settings | None = None, client=None, progress_stream=None) -> Stats:
    """Convert ``inputs`` into ``output``; returns the run's :class:`Stats` (``exit_code`` included).

    Raises :class:`UsageError` for bad arguments. ``client`` is an existing ``distributed.Client`` (tests,
    notebooks); otherwise ``engine="dask"`` connects to ``scheduler`` or starts a ``LocalCluster``.
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

    docs_path = out / DOCUMENTS
    done = read_done(docs_path) if resume else set()
    if not resume:
        docs_path.write_bytes(b"")
    kill_after = int(os.environ[KILL_AFTER_ENV]) if os.environ.get(KILL_AFTER_ENV) else None

    st = Stats(engine=engine, workers=jobs)
    order: dict[tuple[str, str], int] = {}
    errors: list[tuple[int, dict]] = []
    items: dict[int, Item] = {}
    sdict = settings.model_dump()
    progress = _Progress(quiet, progress_stream)
    t0 = time.perf_counter()
    expanded = False
    docs_f = open(docs_path, "ab")
    errs_f = open(out / ERRORS, "wb")
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
                progress.update(st, False)
                continue
            key = (hashlib.sha256(item.data).hexdigest(), item.path)
            if key in order:  # the same bytes under the same path twice (duplicate member names)
                st.skipped += 1
                continue
            order[key] = seq
            if key in done:
                st.skipped += 1
                progress.update(st, False)
                continue
            items[seq] = item
            yield seq, (item.data, item.name, item.member, item.path, sdict, timeout)
        expanded = True

    def on_result(seq: int, res: dict) -> None:
        nonlocal written
        item = items.pop(seq)
        if res.get("pid") and res.get("rss"):
            st.worker_peak_rss[res["pid"]] = max(st.worker_peak_rss.get(res["pid"], 0), res["rss"])
        if res.get("ok"):
            line = res["line"].encode("utf-8") + b"\n"
            if kill_after is not None and written >= kill_after:  # test hook: die in the middle of a write
                docs_f.write(line[: len(line) // 2])
                docs_f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            docs_f.write(line)
            docs_f.flush()
            written += 1
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
        progress.update(st, expanded)

    from .executors import drain

    ex = None
    try:
        ex = _make_executor(engine, jobs, settings, timeout, scheduler, client)
        st.workers = getattr(ex, "threads", None) or jobs
        drain(ex, tasks(), on_result)
        progress.update(st, True, force=True)
    except KeyboardInterrupt:
        progress.close()
        print(f"docproc convert: interrupted; {st.converted} documents kept in {docs_path} — rerun with --resume",
              file=sys.stderr)
        st.exit_code = 130
        st.elapsed = time.perf_counter() - t0
        return st
    finally:
        if ex is not None:
            ex.close()
        progress.close()
        docs_f.close()
        errs_f.close()
    t1 = time.perf_counter()
    finalize(out, fmts, order, errors)
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
