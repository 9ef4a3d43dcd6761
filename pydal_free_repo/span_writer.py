"""``SpanWriter``: span rows into workflows, nodes and generations, in the background.

The OpenTelemetry exporter and the LangChain handler put rows built by ``spans.span_row``;
a background thread writes them in batches, each in one transaction:

1. ``COPY`` into a session temp table (``sql/spans/stage_*.sql``): COPY is the fast path,
   but it cannot skip rows already stored, so it never writes the real tables directly;
2. under an advisory lock per trace, spans already in ``workflow_spans`` (or twice in the
   batch) are dropped: the same span exported twice is stored once;
3. new traces get a running workflow, root spans complete theirs, node spans become nodes,
   LLM-call spans become generations (priced in this thread first, as every writer does),
   and generations whose node span arrived only now are attached to it.

Policies: ``put`` never blocks the calling thread; when the queue is full the rows are
dropped and counted (``stats.dropped``), as OpenTelemetry's processors do. A database that
is down is retried with exponential backoff while rows queue. A batch the database refuses
for its data is written again one span per transaction; a span still refused is counted in
``stats.rejected`` and logged.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import PoolClosed

from pydal_free_repo import pricing, queries
from pydal_free_repo.database import Database
from pydal_free_repo.errors import DatabaseUnavailable, translate
from pydal_free_repo.spans import COLUMNS

log = logging.getLogger(__name__)

Row = dict[str, Any]

# The statements after the COPY, in order (see the module documentation).
PIPELINE = (
    "spans/stage_analyze",
    "spans/stage_lock_traces",
    "spans/stage_drop_known",
    "spans/stage_known_workflows",
    "spans/stage_new_workflows",
    "spans/users_ensure",
    "spans/workflows_insert",
    "spans/traces_insert",
    "spans/workflows_finish",
    "spans/stage_number_nodes",
    "spans/nodes_insert",
    "spans/stage_number_generations",
    "spans/generations_insert",
    "spans/spans_insert",
    "spans/generations_attach_nodes",
)


@dataclass(frozen=True)
class SpanWriterStats:
    accepted: int
    written: int
    duplicates: int
    rejected: int
    dropped: int
    problems: int

    @property
    def pending(self) -> int:
        return self.accepted - self.written - self.duplicates - self.rejected


def price_generations(db: Database, rows: Iterable[Row]) -> None:
    """Price the LLM-call rows as every other path does (``pricing.price_row``: the user's
    price, else the catalogue, at the call's time, the span's start)."""
    prices = pricing.book(db)
    for row in rows:
        if row["kind"] == "generation":
            row["created_at"] = row["started_at"]
            pricing.price_row(prices, row, "model_name", "model_provider")


def write_batch(conn: psycopg.Connection, rows: Iterable[Row]) -> tuple[int, int]:
    """Write one batch in the caller's transaction; returns (written, duplicates)."""
    with conn.cursor() as cur:
        cur.execute(queries.load("spans/stage_create").composed())
        cur.execute(queries.load("spans/stage_index").composed())
        staged = 0
        with cur.copy(queries.load("spans/stage_copy").composed()) as copy:
            for row in rows:
                copy.write_row([row[name] for name in COLUMNS])
                staged += 1
        duplicates = 0
        for name in PIPELINE:
            cur.execute(queries.load(name).composed())
            if name == "spans/stage_drop_known":
                duplicates = cur.rowcount
    return staged - duplicates, duplicates


class SpanWriter:
    """Queue span rows and write them in the background (see the module documentation)."""

    def __init__(
        self,
        db: Database,
        *,
        max_queue: int = 100_000,
        batch_size: int = 2_000,
        flush_interval: float = 0.5,
        retry_initial: float = 0.1,
        retry_max: float = 5.0,
        connect_timeout: float = 5.0,
        name: str = "pfr-span-writer",
    ):
        self.db = db
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.connect_timeout = connect_timeout
        self._queue: queue.Queue[Row | None] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Condition()
        self._counts = dict.fromkeys(
            ("accepted", "written", "duplicates", "rejected", "dropped", "problems"), 0
        )
        self._closing = threading.Event()
        self._hurry = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- producers ------------------------------------------------------------------------

    def put(self, rows: Sequence[Row], problems: int = 0) -> int:
        """Queue ``rows`` without waiting; returns how many were dropped (queue full)."""
        dropped = 0
        with self._lock:
            self._counts["problems"] += problems
        if self._closing.is_set():
            dropped = len(rows)
        else:
            for row in rows:
                try:
                    self._queue.put_nowait(row)
                except queue.Full:
                    dropped += 1
                    continue
                with self._lock:
                    self._counts["accepted"] += 1
        if dropped:
            with self._lock:
                self._counts["dropped"] += dropped
            log.error("span writer queue full or closed: %d spans dropped", dropped)
        return dropped

    @property
    def stats(self) -> SpanWriterStats:
        with self._lock:
            return SpanWriterStats(**self._counts)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every span accepted so far is written; False after ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._counts["accepted"]
            self._hurry.set()
            while self._settled() < target:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._lock.wait(remaining if remaining is not None else 1.0)
        return True

    def close(self, timeout: float | None = 30.0) -> SpanWriterStats:
        """Write what is queued (up to ``timeout`` seconds) and stop the thread."""
        if not self._closing.is_set():
            self.flush(timeout)
            self._closing.set()
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)
            self._thread.join(timeout)
            atexit.unregister(self.close)
            left = self.stats.pending
            if left:
                log.error("span writer closed with %d spans unwritten", left)
        return self.stats

    def _settled(self) -> int:
        c = self._counts
        return c["written"] + c["duplicates"] + c["rejected"]

    # -- the background thread --------------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch:
                try:
                    self._write(batch)
                except Exception:  # a bug must not kill the thread and strand the queue
                    log.exception("span writer: unexpected error; %d spans lost", len(batch))
                    self._settle(rejected=len(batch))
            elif self._closing.is_set():
                return

    def _take(self) -> list[Row]:
        try:
            first = self._queue.get(timeout=self.flush_interval)
        except queue.Empty:
            self._hurry.clear()
            return []
        if first is None:
            return []
        batch = [first]
        deadline = time.monotonic() + self.flush_interval
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get(timeout=0.01)
            except queue.Empty:
                if self._hurry.is_set() or self._closing.is_set() or time.monotonic() >= deadline:
                    break
                continue
            if item is None:
                self._queue.put(None)  # keep the wake-up for the loop
                break
            batch.append(item)
        return batch

    def _write(self, batch: list[Row]) -> None:
        delay = self.retry_initial
        failures = 0
        while True:
            try:
                price_generations(self.db, batch)
                with self.db.pool.connection(timeout=self.connect_timeout) as conn:
                    written, duplicates = write_batch(conn, batch)
                self._settle(written=written, duplicates=duplicates)
                return
            except PoolClosed:
                log.error("span writer: the database pool is closed; %d spans lost", len(batch))
                self._settle(rejected=len(batch))
                return
            except (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError) as exc:
                if len(batch) > 1:
                    log.warning("span batch refused (%s); writing it span by span", exc)
                    for row in batch:
                        self._write([row])
                    return
                log.error("span refused by the database and dropped: %s", translate(exc))
                self._settle(rejected=1)
                return
            except (psycopg.Error, DatabaseUnavailable) as exc:
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    log.warning(
                        "writing %d spans failed (attempt %d, retry in %.1fs): %s",
                        len(batch),
                        failures,
                        delay,
                        translate(exc) if isinstance(exc, psycopg.Error) else exc,
                    )
                if self._closing.is_set() and failures >= 3:
                    self._settle(rejected=len(batch))
                    return
                time.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(self.retry_max, delay * 2)

    def _settle(self, *, written: int = 0, duplicates: int = 0, rejected: int = 0) -> None:
        with self._lock:
            self._counts["written"] += written
            self._counts["duplicates"] += duplicates
            self._counts["rejected"] += rejected
            self._lock.notify_all()
