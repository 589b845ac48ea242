"""Worker processes owned by the service: each runs ``docproc.process`` on bytes it is sent.

A small supervisor (one thread) hands work to idle workers over pipes, enforces the per-document time limit
(``DOCPROC_DOCUMENT_TIMEOUT_S``: the worker is killed and replaced, the document fails with ``timeout``),
replaces a worker that dies (the document fails with ``worker_crashed``) and never lets one bad file take the
service down. Workers are started with ``spawn`` (no fork of a threaded server) and exit when the service's end
of their pipe closes, so a killed service leaves no orphans behind.

Results come back as plain data, never pickled exceptions: ``("ok", document_dict)`` or
``("error", {"code", "message", "http_status", …})``.
"""
from __future__ import annotations

import logging
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


def _worker_main(conn: Connection, settings_data: dict) -> None:  # pragma: no cover - runs in a child process
    from docproc.config import Settings
    from docproc.pipeline import WARMUP_NOTICE

    settings = Settings(**settings_data)
    try:
        run_one(settings, WARMUP_NOTICE, "warmup.txt", None)  # load the pipeline (spaCy, OpenCC, patterns) once
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


class WorkerPool:
    def __init__(self, size: int, settings, timeout_s: float | None = None):
        self.size = max(1, int(size))
        self._settings_data = settings.model_dump()
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
    def busy(self) -> int:
        return sum(1 for w in self._workers if w.ticket is not None)

    def submit(self, data: bytes, name: str | None = None, member: str | None = None) -> Future:
        fut: Future = Future()
        if self._stop:
            fut.set_result(("error", {"http_status": 503, "code": "shutting_down", "message": "service is stopping"}))
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
        p = self._ctx.Process(target=_worker_main, args=(child, self._settings_data), name="docproc-worker",
                              daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def _finish(self, ticket: int, result) -> None:
        with self._lock:
            entry = self._futures.pop(ticket, None)
        if entry and not entry[0].done():
            entry[0].set_result(result)

    def _replace(self, w: _Worker, reason: dict | None) -> None:
        if w.ticket is not None and reason is not None:
            self._finish(w.ticket, ("error", reason))
        try:
            w.proc.kill()
        except Exception:
            pass
        w.proc.join(1)
        w.conn.close()
        i = self._workers.index(w)
        if time.monotonic() - w.started < 2.0:
            time.sleep(0.5)  # a worker that dies at start: do not spin
        if not self._stop:
            self._workers[i] = self._spawn()

    def _assign(self) -> None:
        for w in self._workers:
            if not (w.ready and w.ticket is None):
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
                self._assign()
                conns = {w.conn: w for w in self._workers}
                sentinels = {w.proc.sentinel: w for w in self._workers}
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
                        elif msg[0] == "result" and msg[1] == w.ticket:
                            w.ticket = None
                            self._finish(msg[1], msg[2])
                for r in ready:
                    if r in sentinels:
                        w = sentinels[r]
                        if w in self._workers:
                            self.crashes += 1
                            log.warning("docproc worker %s exited (code %s)", w.proc.pid, w.proc.exitcode)
                            self._replace(w, {"http_status": 422, "code": "worker_crashed",
                                              "message": "the document crashed its worker process"})
                now = time.monotonic()
                for w in list(self._workers):
                    if w.ticket is not None and now > w.deadline:
                        log.warning("docproc worker %s over the time limit; replacing it", w.proc.pid)
                        self._replace(w, {"http_status": 422, "code": "timeout",
                                          "message": f"processing took longer than {self.timeout_s - 5:g} s "
                                                     "(DOCPROC_DOCUMENT_TIMEOUT_S)"})
            except Exception:  # pragma: no cover - keep supervising whatever happens
                log.exception("worker pool supervisor error")
                time.sleep(0.2)
