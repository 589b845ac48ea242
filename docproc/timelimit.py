"""A time limit for converting one document in the calling process (CLI commands, bulk-conversion workers,
library users): ``SIGALRM`` interrupts the work and :class:`~docproc.errors.ProcessingTimeout` comes out.

It applies in a process's main thread on systems with ``SIGALRM``; elsewhere it does nothing and the caller's
own backstop applies (bulk conversion and the service kill a worker that overruns). Work stuck inside one C
call that never returns to Python cannot be interrupted this way either — hence those backstops.

>>> import time
>>> try:
...     with time_limit(0.05, "too slow"):
...         while True:
...             time.sleep(0.01)
... except ProcessingTimeout as e:
...     print(e.code, e.message)
timeout too slow
>>> with time_limit(None):  # no limit
...     pass
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from .errors import ProcessingTimeout


class _Alarm(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` inside a stage cannot swallow it."""


@contextmanager
def time_limit(seconds: float | None, message: str | None = None):
    """Run the block with at most ``seconds`` of wall time (``None`` or ≤ 0: no limit); past it, raise
    :class:`ProcessingTimeout` with ``message`` (default: "conversion took longer than N s")."""
    if (not seconds or seconds <= 0 or not hasattr(signal, "SIGALRM")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def on_alarm(signum, frame):
        raise _Alarm()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Alarm:
        raise ProcessingTimeout(message or f"conversion took longer than {seconds:g} s") from None
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        except _Alarm:  # it fired just as the block finished: the block is done, keep its result
            pass
        signal.signal(signal.SIGALRM, old)
