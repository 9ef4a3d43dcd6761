"""The buffered writer's queue: rows in from the callers' threads, batches out to its thread.

Why not ``queue.Queue``: it hands rows over one at a time, each ``put`` and ``get`` taking
its lock and notifying a condition, which cost more per row than checking and pricing the
row together (the writer exists for agents that log thousands of calls a second). Here a
caller's ``put`` appends under one plain lock and wakes a writer thread only when one is
waiting and has something to do (the first row, or a full batch); a thread takes up to a
whole batch per lock.

Bounded: ``put`` waits up to its timeout for room and returns False when there is none.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

Item = tuple[str, dict[str, Any]]


class RowQueue:
    def __init__(self, maxsize: int, batch_size: int):
        self.maxsize = maxsize
        self.batch_size = batch_size
        self.accepted = 0  # rows ever put; read without the lock (an int read is atomic)
        self._items: collections.deque[Item] = collections.deque()
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._rows = threading.Condition(self._lock)
        self._takers_waiting = 0
        self._putters_waiting = 0
        # wake() ends every wait begun before it: each take compares it with its start.
        self._wakes = 0

    def put(self, item: Item, timeout: float) -> bool:
        """Queue ``item`` (counted in ``accepted``); False if no room came within ``timeout``."""
        with self._lock:
            items = self._items
            if len(items) >= self.maxsize:
                deadline = time.monotonic() + timeout
                self._putters_waiting += 1
                try:
                    while len(items) >= self.maxsize:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            return False
                        self._room.wait(remaining)
                finally:
                    self._putters_waiting -= 1
            items.append(item)
            self.accepted += 1
            if self._takers_waiting and (len(items) == 1 or len(items) >= self.batch_size):
                self._rows.notify()
            return True

    def wake(self) -> None:
        """End the threads' current waits for rows at once (flush, close)."""
        with self._lock:
            self._wakes += 1
            self._rows.notify_all()

    @property
    def wakes(self) -> int:
        """How many times ``wake`` was called (read without the lock: an int read is atomic)."""
        return self._wakes

    def take(self, wait: float, gather: float, since: int | None = None) -> list[Item]:
        """Up to ``batch_size`` rows: waits up to ``wait`` seconds for a first row, then up
        to ``gather`` seconds more for a full batch, unless woken (after ``since``, a
        ``wakes`` the caller read before deciding the waits; else after the call).
        [] if none came."""
        with self._lock:
            items = self._items
            woken = self._wakes if since is None else since
            if not items and not self._wait(wait, lambda: bool(items), woken):
                return []
            if len(items) < self.batch_size and self._wakes == woken:
                self._wait(gather, lambda: len(items) >= self.batch_size, woken)
            count = min(len(items), self.batch_size)
            batch = [items.popleft() for _ in range(count)]
            if self._putters_waiting:
                self._room.notify_all()
            return batch

    def _wait(self, seconds: float, done: Callable[[], bool], woken: int) -> bool:
        deadline = time.monotonic() + seconds
        self._takers_waiting += 1
        try:
            while not done() and self._wakes == woken:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._rows.wait(remaining)
        finally:
            self._takers_waiting -= 1
        return done()

    def drain(self) -> list[Item]:
        """Every row still queued, removed (close: the rows that will not be written)."""
        with self._lock:
            drained = list(self._items)
            self._items.clear()
            self._room.notify_all()
            return drained

    def empty(self) -> bool:
        return not self._items
