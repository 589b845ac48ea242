"""Worker processes owned by the service: each runs ``docproc.process`` on bytes it is sent.

A small supervisor (one thread) hands work to idle workers over pipes, enforces the per-document time limit
(``DOCPROC_DOCUMENT_TIMEOUT_S``: the worker is killed and replaced, the document fails with ``timeout``),
replaces a worker that dies (the document fails with ``worker_crashed``) and never lets one bad file take the
service down. Workers are started with ``spawn`` (no fork of a threaded server) and exit when the service's end
of their pipe closes, so a killed service leaves no orphans behind.

Workers that die (or hang past ``start_timeout_s``) at start-up are restarted with growing pauses; after
``max_start_failures`` start-up deaths in a row with no worker ready, the queued documents — and new ones, until a
worker starts again — fail with ``worker_start_failed`` (the message names the cause) instead of waiting forever.

Results come back as plain data, never pickled exceptions: ``("ok", document_dict)`` or
``("error", {"code", "message", "http_status", …})``.
"""
from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger("docproc.service.pool")

START_FAILURES_MAX = 3  # start-up deaths in a row (no worker ready) before queued documents fail
START_TIMEOUT_S = 300.0  # a worker not ready by then (imports, warm-up) is killed: a start-up death
START_BACKOFF_MAX_S = 10.0  # longest pause before restarting a worker that keeps dying at start-up


def run_one(settings, data: bytes, name: str | None, member: str | None) -> tuple[str, Any]:
    """Process one document; never raises (the error becomes data)."""
    from docproc.errors import DocprocError
    from docproc.pipeline import process

    try:
        doc = process(data, settings, name=name, archive_member=member)
        return "ok", doc.to_dict()
    except DocprocError as e:
        return "error", {"http_status": e.http_status, **e.to_dict()}
    except MemoryError:
        return "error", {"http_status": 422, "code": "too_large", "message": "out of memory processing the document"}
    except RecursionError:
        return "error", {"http_status": 422, "code": "unreadable", "message": "document structure too deeply nested"}
    except Exception as e:  # a library bug must not lose the document's line
        return "error", {"http_status": 500, "code": "internal_error", "message": f"{type(e).__name__}: {e}"}


def _worker_main(conn: Connection, settings_data: dict, initializer=None) -> None:  # pragma: no cover - child
    try:
        from docproc.config import Settings
        from docproc.pipeline import warm_up

        settings = Settings(**settings_data)
        if initializer is not None:
            initializer()
    except Exception as e:  # tell the supervisor why, then die: it counts start-up deaths
        try:
            conn.send(("start_failed", f"{type(e).__name__}: {e}"[:500]))
        except Exception:
            pass
        raise SystemExit(1)
    try:
        warm_up(settings)  # load the pipeline (spaCy, OpenCC, patterns, the date grammar) once
    except Exception:
        pass
    try:
        conn.send(("ready", os.getpid()))
        while True:
            msg = conn.recv()
            if msg is None:
                return
            ticket, data, name, member = msg
            conn.send(("result", ticket, run_one(settings, data, name, member)))
    except (EOFError, OSError, KeyboardInterrupt):
        return


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    ready: bool = False
    ticket: int | None = None
    deadline: float = 0.0
    started: float = field(default_factory=time.monotonic)
    start_error: str | None = None  # what the worker reported before dying at start-up
    respawn_at: float | None = None  # set once dead: when its replacement starts (inf: never)


class WorkerPool:
    """``size`` worker processes fed from one queue.

    ``initializer`` (a picklable callable) runs in each worker before it reports ready; one that raises or
    exits is a start-up death. ``max_start_failures`` and ``start_timeout_s`` bound how long queued work
    waits for workers that cannot start.
    """

    def __init__(self, size: int, settings, timeout_s: float | None = None, *, initializer=None,
                 max_start_failures: int = START_FAILURES_MAX, start_timeout_s: float = START_TIMEOUT_S):
        self.size = max(1, int(size))
        self._settings_data = settings.model_dump()
        self._initializer = initializer
        self.max_start_failures = max(1, int(max_start_failures))
        self.start_timeout_s = float(start_timeout_s)
        self.start_failures = 0  # start-up deaths since a worker last became ready
        self.start_error: str | None = None  # the cause of the last one
        self.timeout_s = float(timeout_s if timeout_s is not None else settings.document_timeout_s) + 5.0
        self._ctx = mp.get_context("spawn")
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._futures: dict[int, tuple[Future, tuple]] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._stop = False
        self._thread: threading.Thread | None = None
        self.crashes = 0

    # -- public -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        for _ in range(self.size):
            self._workers.append(self._spawn())
        self._thread = threading.Thread(target=self._supervise, name="docproc-pool", daemon=True)
        self._thread.start()

    @property
    def ready(self) -> bool:
        return any(w.ready for w in self._workers)

    @property
    def broken(self) -> bool:
        """No worker is up and the last ``max_start_failures`` starts all died: work would wait forever."""
        return self.start_failures >= self.max_start_failures and not self.ready

    @property
    def busy(self) -> int:
        return sum(1 for w in self._workers if w.ticket is not None)

    def submit(self, data: bytes, name: str | None = None, member: str | None = None) -> Future:
        fut: Future = Future()
        if self._stop:
            fut.set_result(("error", {"http_status": 503, "code": "shutting_down", "message": "service is stopping"}))
            return fut
        if self.broken:
            fut.set_result(("error", self._start_failed_error()))
            return fut
        with self._lock:
            self._next += 1
            ticket = self._next
            self._futures[ticket] = (fut, (ticket, data, name, member))
        self._queue.put(ticket)
        self._wake()
        return fut

    def shutdown(self, timeout: float = 5.0) -> None:
        self._stop = True
        self._wake()
        if self._thread:
            self._thread.join(timeout)
        for w in self._workers:
            try:
                w.conn.send(None)
            except Exception:
                pass
        end = time.monotonic() + timeout
        for w in self._workers:
            w.proc.join(max(0.1, end - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(1)
        with self._lock:
            pending = list(self._futures.values())
            self._futures.clear()
        for fut, _ in pending:
            if not fut.done():
                fut.set_result(("error", {"http_status": 503, "code": "shutting_down", "message": "service stopped"}))

    # -- supervisor ---------------------------------------------------------------------------------------------
    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b"x")
        except Exception:
            pass

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        p = self._ctx.Process(target=_worker_main, args=(child, self._settings_data, self._initializer),
                              name="docproc-worker", daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def _finish(self, ticket: int, result) -> None:
        with self._lock:
            entry = self._futures.pop(ticket, None)
        if entry and not entry[0].done():
            entry[0].set_result(result)

    def _replace(self, w: _Worker, reason: dict | None) -> None:
        """Stop ``w`` (failing its document with ``reason``) and schedule its replacement."""
        if w.ticket is not None and reason is not None:
            self._finish(w.ticket, ("error", reason))
        try:
            w.proc.kill()
        except Exception:
            pass
        w.proc.join(1)
        w.conn.close()
        delay = 0.5 if time.monotonic() - w.started < 2.0 else 0.0  # a worker that dies at start: do not spin
        if not w.ready and self.start_failures:  # keeps dying at start-up: slower and slower
            delay = max(delay, min(0.5 * 2 ** (self.start_failures - 1), START_BACKOFF_MAX_S))
        w.ready, w.ticket = False, None
        w.respawn_at = math.inf if self._stop else time.monotonic() + delay

    def _respawn_due(self) -> None:
        now = time.monotonic()
        for i, w in enumerate(self._workers):
            if w.respawn_at is not None and now >= w.respawn_at and not self._stop:
                self._workers[i] = self._spawn()

    def _last_words(self, w: _Worker) -> None:
        """Read what a dead worker sent before it went (its start-up error)."""
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg and msg[0] == "start_failed":
                    w.start_error = msg[1]
        except (EOFError, OSError):
            pass

    def _start_failed_error(self) -> dict:
        return {"http_status": 503, "code": "worker_start_failed",
                "message": f"the worker processes die at start-up ({self.start_failures} times in a row; last: "
                           f"{self.start_error}); no document can be processed until that is fixed"}

    def _start_death(self, w: _Worker, cause: str | None = None) -> None:
        """``w`` died (or hung) before it was ready: count it; too many in a row fail the queue."""
        self._last_words(w)
        if cause is None:
            w.proc.join(1)
            code = w.proc.exitcode
            cause = w.start_error or (f"killed by signal {-code}" if code is not None and code < 0
                                      else f"exit code {code}")
        self.start_failures += 1
        self.start_error = cause
        log.warning("docproc worker %s died at start-up (%d in a row): %s", w.proc.pid, self.start_failures, cause)
        self._replace(w, None)
        if self.broken:
            self._fail_queued(self._start_failed_error())

    def _fail_queued(self, error: dict) -> None:
        n = 0
        while True:
            try:
                ticket = self._queue.get_nowait()
            except queue.Empty:
                break
            self._finish(ticket, ("error", error))
            n += 1
        if n:
            log.error("failed %d queued document(s): %s", n, error["message"])

    def _assign(self) -> None:
        for w in self._workers:
            if not (w.ready and w.ticket is None and w.respawn_at is None):
                continue
            try:
                ticket = self._queue.get_nowait()
            except queue.Empty:
                return
            with self._lock:
                entry = self._futures.get(ticket)
            if entry is None:
                continue
            try:
                w.conn.send(entry[1])
            except Exception:
                self._queue.put(ticket)
                self._replace(w, None)
                continue
            w.ticket, w.deadline = ticket, time.monotonic() + self.timeout_s

    def _supervise(self) -> None:
        while not self._stop:
            try:
                self._respawn_due()
                self._assign()
                live = [w for w in self._workers if w.respawn_at is None]
                conns = {w.conn: w for w in live}
                sentinels = {w.proc.sentinel: w for w in live}
                ready = wait([self._wake_r, *conns, *sentinels], timeout=0.5)
                for r in ready:
                    if r is self._wake_r:
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                    elif r in conns:
                        w = conns[r]
                        try:
                            msg = w.conn.recv()
                        except (EOFError, OSError):
                            continue  # the sentinel reports the death
                        if msg[0] == "ready":
                            w.ready = True
                            self.start_failures, self.start_error = 0, None
                        elif msg[0] == "start_failed":
                            w.start_error = msg[1]
                        elif msg[0] == "result" and msg[1] == w.ticket:
                            w.ticket = None
                            self._finish(msg[1], msg[2])
                for r in ready:
                    if r in sentinels:
                        w = sentinels[r]
                        if w not in self._workers or w.respawn_at is not None:
                            continue
                        if not w.ready:
                            self._start_death(w)
                        else:
                            self.crashes += 1
                            log.warning("docproc worker %s exited (code %s)", w.proc.pid, w.proc.exitcode)
                            self._replace(w, {"http_status": 422, "code": "worker_crashed",
                                              "message": "the document crashed its worker process"})
                now = time.monotonic()
                for w in list(self._workers):
                    if w.respawn_at is None and not w.ready and now - w.started > self.start_timeout_s:
                        self._start_death(w, f"not ready after {self.start_timeout_s:g} s")
                    elif w.respawn_at is None and w.ticket is not None and now > w.deadline:
                        log.warning("docproc worker %s over the time limit; replacing it", w.proc.pid)
                        self._replace(w, {"http_status": 422, "code": "timeout",
                                          "message": f"processing took longer than {self.timeout_s - 5:g} s "
                                                     "(DOCPROC_DOCUMENT_TIMEOUT_S)"})
            except Exception:  # pragma: no cover - keep supervising whatever happens
                log.exception("worker pool supervisor error")
                time.sleep(0.2)
