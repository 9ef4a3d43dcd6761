"""SIGTERM (how systemd, Docker and Kubernetes stop a service) without losing buffered rows.

Python's default action for SIGTERM ends the process at once: no ``finally`` blocks, no
``atexit`` hooks, so rows a ``BufferedWriter`` accepted but had not written yet were
lost. The first writer created in the main thread installs ``on_sigterm`` here, which:

1. asks every live writer to write what it holds now (no lock taken in the handler);
2. hands the signal on to the handler that was installed before it, if it was a Python
   function: the application's own shutdown logic runs unchanged (its exit, normal or
   ``sys.exit``, then runs the writers' ``atexit`` close, which waits for the rows);
3. if the previous handler was ``SIG_IGN``, the signal stays ignored;
4. if it was the default action, raises ``SystemExit(128 + SIGTERM)`` (exit status 143,
   what a shell reports for a process ended by SIGTERM): the stack unwinds and
   ``atexit`` closes each writer, waiting up to its ``atexit_timeout`` for the rows.

Installed only from the main thread (``signal.signal`` works nowhere else) and only
once; a handler the application installs later replaces it, and then the application's
exit path (``atexit``) still writes the rows. SIGKILL cannot be caught: the rows
accepted but not yet committed (the queue and the batch being written, at most
``max_queue`` + ``batch_size`` rows) are lost; call ``writer.flush()`` at the points
where losing nothing matters.
"""

from __future__ import annotations

import signal
import threading
import weakref
from types import FrameType
from typing import Any, Protocol


class Flushable(Protocol):
    def hurry(self) -> None: ...


_writers: weakref.WeakSet[Any] = weakref.WeakSet()
_previous: Any = None
_installed = False
_lock = threading.Lock()


def watch(writer: Flushable) -> bool:
    """Flush ``writer`` on SIGTERM; True when the handler is (now or already) installed."""
    global _installed, _previous
    _writers.add(writer)
    with _lock:
        if _installed:
            return True
        if threading.current_thread() is not threading.main_thread():
            return False
        _previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, on_sigterm)
        _installed = True
        return True


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    for writer in list(_writers):
        writer.hurry()
    previous = _previous
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    raise SystemExit(128 + signum)
