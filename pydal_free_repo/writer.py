"""``BufferedWriter``: high-volume LLM calls, API calls and generations, written in batches.

For agents that log thousands of calls a second (document 000's "batch commit" and
"asynchronous logging"). The calling thread only checks a row and puts it on a bounded
queue; background threads (``connections``, 2 by default, each on its own pooled
connection) write the queue with ``COPY`` (``sql/writer/*.sql``), one transaction per
table batch, when ``batch_size`` rows are waiting or ``flush_interval`` seconds after the
first of them. Batches may commit out of order; the rows of one batch keep theirs.

Policies (the guarantees a caller can rely on):

- **Bad values fail at the call.** Each row is built by the table's one row builder
  (``rows.issues``, ``rows.workflows``: the same the repositories and loggers use), which
  checks it against the table's CHECK rules and lengths (``InvalidValue`` raised to the
  caller), so a queued row is one the database will take.
- **Queue full: block, then raise.** ``put`` waits up to ``put_timeout`` seconds for
  room, then raises ``QueueFull``; nothing already queued is dropped.
- **Database down: hold and retry.** A flush that fails for any reason other than a
  bad row (server stopped, connection lost, pool timeout) keeps its rows and retries
  with exponential backoff (``retry_initial`` doubling up to ``retry_max`` seconds)
  until it succeeds or the writer is closed; meanwhile rows keep queueing while there
  is room.
- **A refused row does not poison the queue.** If the database still refuses a batch
  for its data (a foreign key to a run that does not exist, say), that batch is written
  again row by row, each in a savepoint: the good rows are written, each refused row is
  counted in ``rejected``, logged with the reason and kept in ``rejected_rows``.
- **Nothing silently lost at shutdown.** ``close(timeout)`` writes what is queued and
  returns a ``WriterReport``; if it cannot within ``timeout`` it raises ``WriteIncomplete``
  carrying the counts, and the rows it could not write are in ``unwritten_rows``. An
  ``atexit`` hook closes a writer the program forgot to close and logs the same counts.
- **SIGTERM writes what was accepted.** The first writer made in the main thread
  installs a SIGTERM handler that chains to the one before it (``shutdown.py``): the
  application's own handler still runs, and the default action becomes an orderly exit
  (status 143) during which ``atexit`` writes the rows. SIGKILL loses what is queued.
- **At least once.** If the connection breaks after the server committed a batch but
  before the acknowledgement arrived, the retry writes that batch again.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import operator
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydal_free_repo import pricing, queries, shutdown, writer_partitions
from pydal_free_repo.database import Database
from pydal_free_repo.errors import (
    REFUSED_VALUES,
    DatabaseClosed,
    InvalidTransition,
    InvalidValue,
    PfrError,
)
from pydal_free_repo.rows import issues as issue_rows
from pydal_free_repo.rows import workflows as workflow_rows
from pydal_free_repo.writer_queue import RowQueue

log = logging.getLogger(__name__)

QUERIES = {
    "llm_call_history": "writer/copy_llm_call_history",
    "bitbucket_api_history": "writer/copy_bitbucket_api_history",
    "generations": "writer/copy_generations",
}
# The {target} of a COPY that has one: the parent, unless the rows go straight into their
# monthly partition (BufferedWriter._copy_llm_calls).
COPY_TARGETS = {"llm_call_history": {"target": writer_partitions.PARENT}}
# The runs' issue_keys, looked up once per batch of LLM or API calls (see _with_issue_keys).
RUN_ISSUE_KEYS = "writer/run_issue_keys"
# The column types of a binary COPY, read in each batch's transaction (see the SQL files).
COPY_TYPES = {"llm_call_history": "writer/llm_call_copy_types"}
# The foreign key a row for an unknown run would break, named in the refusal.
RUN_FOREIGN_KEYS = {
    "llm_call_history": "fk_lch_history_id",
    "bitbucket_api_history": "fk_bah_history_id",
}
# How many refused rows are kept for inspection (all are counted).
REJECTED_KEPT = 1000


class QueueFull(PfrError):
    """The writer's queue stayed full for ``put_timeout`` seconds (the database is slow or down)."""


class WriteIncomplete(PfrError):
    """Rows accepted by the writer are not (yet) in the database; ``report`` has the counts."""

    def __init__(self, message: str, report: WriterReport):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class WriterReport:
    accepted: int
    written: int
    rejected: int
    unwritten: int
    written_by_table: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectedRow:
    table: str
    row: dict[str, Any]
    error: str


@cache
def columns(table: str) -> tuple[str, ...]:
    """The column list of the table's COPY statement: the SQL file is the one source."""
    text = queries.load(QUERIES[table]).text
    match = re.search(r"COPY\s+(?:\w+|\{\w+\})\s*\((.*?)\)\s*FROM\s+STDIN", text, re.S | re.I)
    if match is None:  # pragma: no cover - guarded by a test on the shipped files
        raise PfrError(f"{QUERIES[table]} is not a COPY ... (columns) FROM STDIN statement")
    return tuple(name.strip() for name in match.group(1).split(","))


@cache
def _values_getter(table: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values in the COPY statement's column order."""
    return operator.itemgetter(*columns(table))


def _columns(table: str) -> dict[str, list[str]]:
    return {"columns": list(columns(table))}


def _types(table: str, found: list[dict[str, Any]]) -> list[int]:
    """The type oids ``COPY_TYPES`` read, one per column of the table's COPY."""
    if len(found) != len(columns(table)):
        raise PfrError(f"{table} lacks a column the writer's COPY sends")
    return [row["type_oid"] for row in found]


def _run_ids(rows: Iterable[dict[str, Any]]) -> dict[str, list[int]]:
    return {"history_ids": sorted({row["history_id"] for row in rows})}


def _with_issue_keys(
    table: str, runs: list[dict[str, Any]], rows: Iterable[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[RejectedRow]]:
    """The rows with their run's issue_key added (the distribution column on Citus; ``runs``
    from ``RUN_ISSUE_KEYS``), and the rows whose run does not exist, refused."""
    keys = {run["id"]: run["issue_key"] for run in runs}
    keyed = []
    refused = []
    for row in rows:
        key = keys.get(row["history_id"])
        if key is not None:
            row["issue_key"] = key  # the writer's own copy of the row
            keyed.append(row)
        else:
            refused.append(
                RejectedRow(
                    table,
                    row,
                    f"referenced row does not exist ({RUN_FOREIGN_KEYS[table]} on {table}): "
                    f"no issue history row with id {row['history_id']}",
                )
            )
    return keyed, refused


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _stamped(row: dict[str, Any]) -> dict[str, Any]:
    """The writer stamps a row with the time it accepted it (the call's time)."""
    row["created_at"] = row["created_at"] or _now()
    return row


# The tables whose rows the writer prices (model column, provider column).
PRICED = {
    "llm_call_history": ("model", "model_provider"),
    "generations": ("model_name", "model_provider"),
}


def _pricer(
    db: Database, table: str
) -> Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]]:
    """What prices a table's rows as the COPY reaches them (``pricing.priced``): the
    server inserts the rows already sent while the next are priced."""
    if table not in PRICED:
        return lambda rows: rows
    prices = pricing.book(db)  # before the COPY starts: it may read the database
    model_key, provider_key = PRICED[table]
    return lambda rows: pricing.priced(prices, rows, model_key, provider_key)


def llm_call_row(
    history_id: int, call_type: str, model: str | None = None, **fields: Any
) -> dict[str, Any]:
    """An llm_call_history row (``rows.issues.llm_call``), stamped now if not given."""
    return _stamped(issue_rows.llm_call(history_id, call_type, model, **fields))


def api_call_row(history_id: int, api_method: str, endpoint: str, **fields: Any) -> dict[str, Any]:
    """A bitbucket_api_history row (``rows.issues.api_call``), stamped now if not given."""
    return _stamped(issue_rows.api_call(history_id, api_method, endpoint, **fields))


def generation_row(workflow_id: int, model_name: str | None, **fields: Any) -> dict[str, Any]:
    """A generations row (``rows.workflows.generation``), stamped now if not given."""
    return _stamped(
        workflow_rows.generation(workflow_id=workflow_id, model_name=model_name, **fields)
    )


class BufferedWriter:
    """Queue rows for ``llm_call_history``, ``bitbucket_api_history`` and ``generations``
    and write them in the background with COPY. See the module documentation for the
    policies; ``with BufferedWriter(db) as writer:`` closes it on exit."""

    def __init__(
        self,
        db: Database,
        *,
        max_queue: int = 50_000,
        batch_size: int = 5_000,
        flush_interval: float = 0.5,
        put_timeout: float = 10.0,
        retry_initial: float = 0.1,
        retry_max: float = 5.0,
        connect_timeout: float = 5.0,
        atexit_timeout: float = 30.0,
        flush_on_sigterm: bool = True,
        connections: int = 2,
    ):
        if max_queue < 1 or batch_size < 1 or connections < 1:
            raise InvalidValue("max_queue, batch_size and connections must be at least 1")
        self.db = db
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.put_timeout = put_timeout
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.connect_timeout = connect_timeout
        self.atexit_timeout = atexit_timeout
        self.rejected_rows: list[RejectedRow] = []
        self.unwritten_rows: list[tuple[str, dict[str, Any]]] = []
        self._queue = RowQueue(max_queue, batch_size)
        self._progress = threading.Condition()
        self._written: Counter[str] = Counter()
        self._rejected = 0
        # The batch each writer thread holds (by thread ident), until it is written.
        self._in_hand: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        self._closing = threading.Event()
        self._abandon = threading.Event()
        self._hurry = threading.Event()
        self._closed = False
        self._report: WriterReport | None = None
        # Two threads, each with its own connection: while one batch's COPY is being
        # inserted by the server, the next is priced and sent on the other (``make bench``
        # measures the gain). Never more than the pool lends.
        self._threads = [
            threading.Thread(target=self._run, name=f"pfr-buffered-writer-{i}", daemon=True)
            for i in range(1, min(connections, db.pool.max_size) + 1)
        ]
        for thread in self._threads:
            thread.start()
        atexit.register(self._at_exit)
        if flush_on_sigterm:
            shutdown.watch(self)  # chains to the application's handler; see shutdown.py

    def __enter__(self) -> BufferedWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- producers -------------------------------------------------------------------

    def llm_call(
        self, history_id: int, call_type: str, model: str | None = None, **fields: Any
    ) -> None:
        """Queue an LLM call of an issue run (the fields of ``IssueHistory.record_llm_call``)."""
        self._enqueue("llm_call_history", llm_call_row(history_id, call_type, model, **fields))

    def api_call(self, history_id: int, api_method: str, endpoint: str, **fields: Any) -> None:
        """Queue an API call of an issue run (status_code, duration_seconds, error_message)."""
        self._enqueue(
            "bitbucket_api_history", api_call_row(history_id, api_method, endpoint, **fields)
        )

    def generation(self, workflow_id: int, model_name: str | None, **fields: Any) -> None:
        """Queue an LLM generation of a workflow run (the fields of ``log_generation``)."""
        self._enqueue("generations", generation_row(workflow_id, model_name, **fields))

    def put(self, table: str, row: Mapping[str, Any]) -> None:
        """Queue a row built by ``llm_call_row``, ``api_call_row`` or ``generation_row``."""
        if table not in QUERIES:
            raise InvalidValue(f"the writer does not write {table!r} (one of {', '.join(QUERIES)})")
        # issue_key is the run's: the writer adds it per batch (_with_issue_keys).
        missing = [name for name in columns(table) if name not in row and name != "issue_key"]
        if missing:
            raise InvalidValue(f"{table} row lacks {', '.join(missing)}: build it with *_row()")
        self._enqueue(table, dict(row))

    def _enqueue(self, table: str, row: dict[str, Any]) -> None:
        """Queue a row the writer owns (built here or copied by ``put``)."""
        if self._closing.is_set() or self._abandon.is_set():
            raise InvalidTransition("the writer is closed (or its database pool was closed)")
        if not self._queue.put((table, row), self.put_timeout):
            raise QueueFull(
                f"writer queue full ({self._queue.maxsize} rows) for {self.put_timeout:g}s: "
                "the database is slow or unreachable"
            )

    # -- flushing and closing ------------------------------------------------------------

    @property
    def stats(self) -> WriterReport:
        with self._progress:
            written = sum(self._written.values())
            return WriterReport(
                accepted=self._queue.accepted,
                written=written,
                rejected=self._rejected,
                unwritten=self._queue.accepted - written - self._rejected,
                written_by_table=dict(self._written),
            )

    def hurry(self) -> None:
        """Write what is queued now instead of after ``flush_interval`` (never blocks)."""
        self._hurry.set()
        self._queue.wake()

    def flush(self, timeout: float | None = None) -> WriterReport:
        """Wait until every row accepted so far is written (or rejected).

        Raises ``WriteIncomplete`` if that takes longer than ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._progress:
            target = self._queue.accepted
            self.hurry()
            while sum(self._written.values()) + self._rejected < target:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    report = self.stats
                    raise WriteIncomplete(
                        f"flush timed out: {report.unwritten} rows not written yet", report
                    )
                self._progress.wait(remaining)
        return self.stats

    def close(self, timeout: float | None = 30.0) -> WriterReport:
        """Write what is queued, stop the thread, and report the counts.

        Raises ``WriteIncomplete`` (with the report) when rows remain unwritten after
        ``timeout`` seconds; those rows are then in ``unwritten_rows``."""
        if self._report is None:
            self._closing.set()
            self._queue.wake()
            self._join(timeout)
            if any(thread.is_alive() for thread in self._threads):
                self._abandon.set()
                self._join(self.connect_timeout + 5)
            atexit.unregister(self._at_exit)
            self._collect_unwritten()
            self._report = self.stats
            if self._report.unwritten:
                log.error(
                    "buffered writer closed with %d of %d rows unwritten (%d written, %d rejected)",
                    self._report.unwritten,
                    self._report.accepted,
                    self._report.written,
                    self._report.rejected,
                )
        if self._report.unwritten:
            raise WriteIncomplete(
                f"{self._report.unwritten} rows could not be written "
                f"({self._report.written} written, {self._report.rejected} rejected); "
                "they are in writer.unwritten_rows",
                self._report,
            )
        return self._report

    def _join(self, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0))

    def _collect_unwritten(self) -> None:
        with self._progress:
            for held in self._in_hand.values():
                self.unwritten_rows.extend(held)
        self.unwritten_rows.extend(self._queue.drain())

    def _at_exit(self) -> None:
        try:
            self.close(self.atexit_timeout)
        except WriteIncomplete as exc:
            log.error("at exit: %s", exc)

    # -- the background thread -----------------------------------------------------------

    def _run(self) -> None:
        while not self._abandon.is_set():
            batch = self._take()
            if batch:
                try:
                    self._write(batch)
                except Exception as exc:  # a bug must not kill the thread and strand the queue
                    log.exception("buffered writer: unexpected error writing a batch")
                    self._reject_in_hand(exc)
            elif self._closing.is_set() and self._queue.empty():
                return

    def _reject_in_hand(self, exc: Exception) -> None:
        with self._progress:
            held = self._in_hand.pop(threading.get_ident(), [])
        by_table = Counter(table for table, _ in held)
        for table in by_table:
            rows = [row for t, row in held if t == table]
            self._settle(table, 0, [RejectedRow(table, row, repr(exc)) for row in rows])

    def _take(self) -> list[tuple[str, dict[str, Any]]]:
        since = self._queue.wakes  # a flush or close from here on ends the waits below
        closing = self._closing.is_set()
        hurried = closing or self._hurry.is_set()
        batch = self._queue.take(
            wait=0.05 if closing else self.flush_interval,
            gather=0.0 if hurried else self.flush_interval,
            since=since,
        )
        if not batch:
            self._hurry.clear()
            return []
        with self._progress:
            self._in_hand[threading.get_ident()] = batch
        return batch

    def _write(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, row in batch:
            by_table.setdefault(table, []).append(row)
        me = threading.get_ident()
        for table, rows in by_table.items():
            if not self._write_with_retry(table, rows):
                return  # abandoned: the rows stay in _in_hand and are reported unwritten
            with self._progress:
                self._in_hand[me] = [item for item in self._in_hand[me] if item[0] != table]
        with self._progress:
            del self._in_hand[me]

    def _write_with_retry(self, table: str, rows: list[dict[str, Any]]) -> bool:
        delay = self.retry_initial
        failures = 0
        one_by_one = False
        while True:
            try:
                rejected = self._copy(table, rows, one_by_one=one_by_one)
            except DatabaseClosed:
                # Nothing can ever write through a closed pool: stop now and let close()
                # report the rows, rather than retrying until the close timeout.
                log.error("the writer's database pool was closed; %d rows not written", len(rows))
                self._abandon.set()
                return False
            except PfrError as exc:
                if isinstance(exc, REFUSED_VALUES) and not one_by_one:
                    log.warning("%s batch refused (%s); writing it row by row", table, exc)
                    one_by_one = True
                    continue
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    log.warning(
                        "writing %d rows to %s failed (attempt %d, retry in %.1fs): %s",
                        len(rows),
                        table,
                        failures,
                        delay,
                        exc,
                    )
                if self._abandon.wait(delay * random.uniform(0.8, 1.2)):
                    return False
                delay = min(self.retry_max, delay * 2)
                continue
            if failures:
                log.warning(
                    "wrote %d held rows to %s after %d failed attempts", len(rows), table, failures
                )
            self._settle(table, len(rows) - len(rejected), rejected)
            return True

    def _copy(
        self, table: str, rows: list[dict[str, Any]], *, one_by_one: bool
    ) -> list[RejectedRow]:
        """COPY the rows in one transaction; with ``one_by_one`` each row in a savepoint,
        returning the rows the database refused."""
        name = QUERIES[table]
        names = columns(table)
        values = _values_getter(table)
        rejected: list[RejectedRow] = []
        priced = _pricer(self.db, table)
        with self.db.transaction(timeout=self.connect_timeout) as conn:
            if table == "llm_call_history" and not one_by_one:
                return self._copy_llm_calls(conn, rows, priced)
            if "issue_key" in names:
                runs = self.db.fetch_all(RUN_ISSUE_KEYS, _run_ids(rows), conn=conn)
                rows, rejected = _with_issue_keys(table, runs, rows)
            target = COPY_TARGETS.get(table)
            types = None
            if table in COPY_TYPES:
                types = _types(
                    table, self.db.fetch_all(COPY_TYPES[table], _columns(table), conn=conn)
                )
            if not one_by_one:
                self.db.copy_rows(
                    name, map(values, priced(rows)), conn=conn, identifiers=target, types=types
                )
                return rejected
            for row in priced(rows):
                try:
                    self.db.copy_rows(
                        name,
                        [values(row)],
                        conn=conn,
                        savepoint=True,
                        identifiers=target,
                        types=types,
                    )
                except REFUSED_VALUES as exc:
                    rejected.append(RejectedRow(table, row, str(exc)))
        return rejected

    def _copy_llm_calls(
        self,
        conn: Any,
        rows: list[dict[str, Any]],
        priced: Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]],
    ) -> list[RejectedRow]:
        """COPY a batch of LLM calls straight into their monthly partitions where allowed
        (``writer_partitions``), the rest through the parent, in the caller's transaction:
        the lock, the partitions, the runs and the column types are read in one round trip."""
        *_, partitions, runs, types = self.db.fetch_all_together(
            [
                *writer_partitions.LOOKUP,
                (RUN_ISSUE_KEYS, _run_ids(rows)),
                (COPY_TYPES["llm_call_history"], _columns("llm_call_history")),
            ],
            conn=conn,
        )
        type_oids = _types("llm_call_history", types)
        keyed, rejected = _with_issue_keys("llm_call_history", runs, rows)
        values = _values_getter("llm_call_history")
        split = writer_partitions.split(partitions, keyed)
        for target, group in split.groups.items():
            self.db.copy_rows(
                QUERIES["llm_call_history"],
                map(values, priced(group)),
                conn=conn,
                identifiers={"target": target},
                types=type_oids,
            )
        if split.hours:
            self.db.execute(writer_partitions.MARK_HOURS, {"hours": sorted(split.hours)}, conn=conn)
        return rejected

    def _settle(self, table: str, written: int, rejected: list[RejectedRow]) -> None:
        for item in rejected:
            log.error("%s row refused by the database and dropped: %s", table, item.error)
        with self._progress:
            self._written[table] += written
            self._rejected += len(rejected)
            room = REJECTED_KEPT - len(self.rejected_rows)
            self.rejected_rows.extend(rejected[: max(room, 0)])
            self._progress.notify_all()
