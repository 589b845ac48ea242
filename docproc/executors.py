"""Where bulk conversion runs: local worker processes or a Dask cluster, behind one small interface.

An executor runs one picklable function ``fn(*args) -> dict`` per document and hands back ``(key, result)``
pairs as they finish; bulk conversion (:mod:`docproc.convert`) drives either kind the same way::

    ex.submit(key, *args)          # while len(ex) < ex.capacity
    for key, result in ex.poll(0.2): ...
    ex.close()

Both call ``initializer(*initargs)`` once per worker (the pipeline is loaded there, not per document) and
both enforce a per-document time limit from the outside as a backstop: a local worker that overruns the
limit by ``grace`` seconds is killed and replaced; on Dask (threads cannot be killed) the task is abandoned.
The result for such a document is :func:`timeout_result`. The worker function itself applies the soft limit
where it can (see :func:`docproc.convert.convert_one`).

Both keep a little work queued at each worker (``depth`` tasks per local worker, two per Dask thread), so a
worker never waits for the main process between documents. ``ready_at`` (``time.monotonic()``) is when every
worker had loaded the pipeline, ``None`` before: the start-up cost of a run.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import selectors
import signal
import sys
import time
from collections import deque
from typing import Any, Callable, Iterator


def timeout_result(limit: float, how: str) -> dict:
    return {"ok": False, "code": "timeout", "message": f"no result within the time limit of {limit:g} s ({how})"}


def crashed_result(exitcode: int | None) -> dict:
    return {"ok": False, "code": "worker_crashed",
            "message": f"the worker process died while converting this document (exit code {exitcode})"}


# -- local processes ---------------------------------------------------------------------------------------
#: one document per process: keep numeric libraries single-threaded, as Dask's nanny does for its workers
#: (N workers × N BLAS/OpenMP threads each fight over the cores)
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _worker_main(conn, fn, initializer, initargs) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    for k, v in SINGLE_THREAD_ENV.items():
        os.environ.setdefault(k, v)
    if initializer is not None:
        try:
            initializer(*initargs)
        except Exception:  # a failing warm-up shows up again, per document, with its reason
            pass
    conn.send(("__ready__", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if msg is None:  # done: leave without tearing the interpreter down (spaCy & co. take ~0.2 s to unload,
            # on the run's critical path); every result has been sent and nothing here is buffered
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        key, args = msg
        try:
            result = fn(*args)
        except BaseException as e:  # noqa: BLE001 — one document must never end the worker
            result = {"ok": False, "code": "internal_error", "message": f"{type(e).__name__}: {e}"}
        try:
            conn.send((key, result))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx, fn, initializer, initargs):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, initializer, initargs), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.tasks: deque = deque()  # (key, args, size) sent, in order; the first one is being converted
        self.since = 0.0  # when the first task started (sent to an idle worker, or its predecessor finished)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class LocalExecutor:
    """``jobs`` worker processes, each converting one document at a time (so a hung one can be killed alone)
    with up to ``depth`` documents sent ahead (small ones only: a big one waits until its worker is idle, so
    that sending never blocks on a full pipe). Documents queued behind one that hangs or crashes its worker are
    sent again to another worker."""

    kind = "local"
    #: only documents this small are queued behind a busy worker (the pipe's buffer takes them without blocking)
    QUEUE_BYTES = 48 << 10

    def __init__(self, fn: Callable[..., dict], jobs: int, initializer: Callable | None = None,
                 initargs: tuple = (), timeout: float | None = None, grace: float | None = None,
                 start_method: str = "spawn", depth: int = 2):
        self.fn, self.initializer, self.initargs = fn, initializer, initargs
        self.timeout = timeout
        self.grace = grace if grace is not None else (max(1.0, 0.25 * timeout) if timeout else 0.0)
        self.ctx = mp.get_context(start_method)
        self.jobs = max(1, int(jobs))
        self.depth = max(1, int(depth))
        # one selector for the run (``multiprocessing.connection.wait`` builds one per call: ~25 µs a poll)
        self._selector = selectors.DefaultSelector()
        self.workers = [self._spawn() for _ in range(self.jobs)]
        self.waiting: deque = deque()  # submitted, not sent to a worker yet
        self.killed = 0
        self.ready_at: float | None = None

    def _spawn(self) -> _Worker:
        w = _Worker(self.ctx, self.fn, self.initializer, self.initargs)
        self._selector.register(w.conn, selectors.EVENT_READ, w)
        self._selector.register(w.proc.sentinel, selectors.EVENT_READ, w)
        return w

    def _forget(self, w: _Worker) -> None:
        for obj in (w.conn, w.proc.sentinel):
            try:
                self._selector.unregister(obj)
            except (KeyError, ValueError):
                pass

    @property
    def capacity(self) -> int:
        return self.jobs * self.depth

    def __len__(self) -> int:
        return len(self.waiting) + sum(len(w.tasks) for w in self.workers)

    def submit(self, key: Any, *args: Any) -> None:
        size = sum(len(a) for a in args if isinstance(a, (bytes, bytearray, str)))
        self.waiting.append((key, args, size))
        self._dispatch()

    def _dispatch(self) -> None:
        while self.waiting:
            # the idle workers first, then those with the shortest queue
            w = min((w for w in self.workers if w.ready), key=lambda w: len(w.tasks), default=None)
            if w is None or len(w.tasks) >= self.depth:
                return
            task = self.waiting[0]
            if w.tasks and (task[2] > self.QUEUE_BYTES or sum(t[2] for t in w.tasks) > self.QUEUE_BYTES):
                return
            self.waiting.popleft()
            if not w.tasks:
                w.since = time.monotonic()
            w.tasks.append(task)
            w.conn.send((task[0], task[1]))

    def _replace(self, w: _Worker) -> None:
        """Kill ``w`` and start another; the documents queued behind its first one go back to the front."""
        for task in reversed(list(w.tasks)[1:]):
            self.waiting.appendleft(task)
        w.tasks.clear()
        self._forget(w)
        w.kill()
        self.workers[self.workers.index(w)] = self._spawn()

    def _received(self, w: _Worker, key: Any, result: Any, out: list) -> None:
        if key == "__ready__":
            w.ready = True
            if self.ready_at is None and all(x.ready for x in self.workers):
                self.ready_at = time.monotonic()
        elif w.tasks and key == w.tasks[0][0]:
            out.append((key, result))
            w.tasks.popleft()
            w.since = time.monotonic()

    def poll(self, timeout: float = 0.2) -> list[tuple[Any, dict]]:
        out: list[tuple[Any, dict]] = []
        events = self._selector.select(timeout)
        readable = {key.data for key, _ in events if key.fileobj is key.data.conn}
        ended = {key.data for key, _ in events if key.fileobj is not key.data.conn}
        dead: set[_Worker] = set()
        for w in readable | ended:
            broken = False
            try:
                if w in ended:  # its process ended: take whatever it sent before
                    while w.conn.poll():
                        self._received(w, *w.conn.recv(), out)
                else:  # one message; if more are waiting, the next select reports the pipe again
                    self._received(w, *w.conn.recv(), out)
            except (EOFError, OSError):
                broken = True
            if broken or not w.proc.is_alive():
                w.proc.join(1)
                if w.tasks:
                    out.append((w.tasks[0][0], crashed_result(w.proc.exitcode)))
                dead.add(w)
        for w in dead:
            self._replace(w)
        if self.timeout:
            limit = self.timeout + self.grace
            now = time.monotonic()
            for w in list(self.workers):
                if w.tasks and now - w.since > limit:
                    out.append((w.tasks[0][0], timeout_result(self.timeout, "worker killed")))
                    self.killed += 1
                    self._replace(w)
        self._dispatch()
        return out

    def close(self) -> None:
        for w in self.workers:
            try:
                if w.proc.is_alive() and not w.tasks:
                    w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for w in self.workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            self._forget(w)
            w.kill()
        self._selector.close()


# -- dask --------------------------------------------------------------------------------------------------
def _run_batch(fn: Callable[..., dict], batch: list[tuple]) -> list[dict]:
    """Runs on a Dask worker: ``fn`` over a batch of documents, one result each (an exception is that
    document's result, never the batch's)."""
    out = []
    for args in batch:
        try:
            out.append(fn(*args))
        except Exception as e:  # noqa: BLE001 — one document must never sink the others
            out.append({"ok": False, "code": "internal_error", "message": f"{type(e).__name__}: {e}"})
    return out


class DaskExecutor:
    """The same function on a Dask distributed cluster (``client`` given, or a ``LocalCluster`` of ``jobs``).

    Small documents travel in batches of up to ``batch`` (``BATCH_BYTES`` at most) per Dask task: a task costs
    the scheduler about a millisecond, as much as a fifth of converting a notice, and a scheduler handles a few
    thousand tasks a second — one task per notice would cap a cluster there. A batch that overruns the time
    limit of one document (``timeout`` + ``grace``) is abandoned and its documents are sent again one per task,
    so only a document that hangs ends with ``timeout``.
    """

    kind = "dask"
    SCATTER_BYTES = 1 << 20
    BATCH_BYTES = 256 << 10

    def __init__(self, fn: Callable[..., dict], client=None, scheduler: str | None = None, jobs: int = 1,
                 initializer: Callable | None = None, initargs: tuple = (), timeout: float | None = None,
                 grace: float | None = None, batch: int = 8):
        from distributed import Client, LocalCluster

        self.fn = fn
        self._own: list = []
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout="15s")
                except (OSError, TimeoutError) as e:
                    raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
            else:
                cluster = LocalCluster(n_workers=max(1, int(jobs)), threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
                self._own.append(cluster)
            self._own.insert(0, client)
        self.client = client
        self.timeout = timeout
        # measured from submission (a task's start is not visible from here), so allow the queue wait
        self.grace = grace if grace is not None else (max(1.0, timeout) if timeout else 0.0)
        if initializer is not None:
            try:
                client.run(initializer, *initargs)
            except Exception:
                pass
        self.threads = max(1, sum(client.nthreads().values()))
        self.batch = max(1, int(batch))
        self.pending: dict = {}  # future → (keys, argument tuples, submitted at)
        self._buffer: list[tuple[Any, tuple]] = []  # submitted, not yet sent: the next batch
        self._buffer_bytes = 0
        self.abandoned = 0
        self.ready_at = time.monotonic()

    @property
    def capacity(self) -> int:
        return 2 * self.threads * self.batch

    def __len__(self) -> int:
        return len(self._buffer) + sum(len(keys) for keys, _, _ in self.pending.values())

    def submit(self, key: Any, *args: Any) -> None:
        size = sum(len(a) for a in args if isinstance(a, (bytes, bytearray, str)))
        if size > self.SCATTER_BYTES:
            # a big document goes to the cluster as data, not inside the task graph (which Dask warns about),
            # in a task of its own
            args = tuple(self.client.scatter(a, hash=False) if isinstance(a, bytes) and len(a) > self.SCATTER_BYTES
                         else a for a in args)
            self._send([(key, args)])
            return
        self._buffer.append((key, args))
        self._buffer_bytes += size
        if len(self._buffer) >= self.batch or self._buffer_bytes >= self.BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._send(self._buffer)
            self._buffer, self._buffer_bytes = [], 0

    def _send(self, items: list[tuple[Any, tuple]]) -> None:
        keys, batch = [k for k, _ in items], [a for _, a in items]
        fut = self.client.submit(_run_batch, self.fn, batch, pure=False)
        self.pending[fut] = (keys, batch, time.monotonic())

    def poll(self, timeout: float = 0.2) -> list[tuple[Any, dict]]:
        from distributed import wait

        self._flush()  # a part batch goes now: drain polls when it has nothing more to submit
        out: list[tuple[Any, dict]] = []
        if not self.pending:
            time.sleep(min(timeout, 0.05))
            return out
        try:
            done, _ = wait(list(self.pending), timeout=timeout, return_when="FIRST_COMPLETED")
        except Exception:  # distributed raises TimeoutError when nothing finished in time
            done = set()
        for fut in done:
            keys, _, _ = self.pending.pop(fut)
            if fut.status == "finished":
                out.extend(zip(keys, fut.result()))
            else:
                exc = fut.exception() if fut.status == "error" else None
                err = {"ok": False, "code": "internal_error",
                       "message": f"dask task {fut.status}: {type(exc).__name__ + ': ' if exc else ''}{exc or ''}"}
                out.extend((k, dict(err)) for k in keys)
            fut.release()
        if self.timeout:
            now = time.monotonic()
            for fut, (keys, batch, t0) in list(self.pending.items()):
                if now - t0 > self.timeout + self.grace:  # a batch of small documents: far less than one's limit
                    self.pending.pop(fut)
                    fut.cancel()
                    if len(keys) > 1:  # which one hangs is not known here: each again, alone
                        for k, a in zip(keys, batch):
                            self._send([(k, a)])
                        continue
                    self.abandoned += 1
                    out.append((keys[0], timeout_result(self.timeout, "task abandoned")))
        return out

    def close(self) -> None:
        for fut in self.pending:
            fut.cancel()
        self.pending.clear()
        self._buffer.clear()
        for obj in self._own:
            try:
                obj.close()
            except Exception:
                pass


def drain(ex, items: Iterator[tuple[Any, tuple]], on_result: Callable[[Any, dict], None], *,
          readahead: int = 0, readahead_bytes: int = 64 << 20) -> None:
    """Feed ``(key, args)`` pairs through ``ex`` and call ``on_result`` for each finished one.

    With ``readahead``, up to that many pairs (and ``readahead_bytes`` of their ``bytes`` arguments) are taken
    from ``items`` ahead of the executor while it is busy or still starting — expanding the inputs overlaps
    the workers' start-up instead of following it.
    """
    it = iter(items)
    buf: deque = deque()
    held = 0
    exhausted = False
    while True:
        while len(ex) < ex.capacity:
            if buf:
                key, args = buf.popleft()
                held -= _nbytes(args)
            elif exhausted:
                break
            else:
                try:
                    key, args = next(it)
                except StopIteration:
                    exhausted = True
                    break
            ex.submit(key, *args)
        if exhausted and not buf and len(ex) == 0:
            return
        wait = 0.2
        if not exhausted and len(buf) < readahead and held < readahead_bytes:
            try:
                pair = next(it)
            except StopIteration:
                exhausted = True
            else:
                buf.append(pair)
                held += _nbytes(pair[1])
            wait = 0.0  # only look for results; go on reading ahead
        for key, result in ex.poll(wait):
            on_result(key, result)


def _nbytes(args: tuple) -> int:
    return sum(len(a) for a in args if isinstance(a, (bytes, bytearray)))
