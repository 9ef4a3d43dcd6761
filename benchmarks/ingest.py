"""Ingestion of LLM-call rows, two comparisons on the same rows in one fresh database.

a. ``IssueHistory.record_llm_call``, one call per transaction, against the document's
   SQLAlchemy ORM ``session.add`` + ``commit`` per call (``orm_baseline``). Twice: as the
   API does by default (each call borrows a pooled connection and runs its one statement
   in autocommit; the pool checks a connection first only when it was idle for a second
   or more), and with a connection the caller holds in autocommit mode. Either way a
   call is one statement, one transaction, one round trip.
b. ``BufferedWriter`` (rows checked and priced in Python, binary COPY in batches on its
   default two connections) against one raw ``COPY`` of the same rows into the same
   table on one connection, and against one ``COPY`` into a plain table with the same
   columns and indexes (``CREATE TABLE ... (LIKE llm_call_history INCLUDING ALL)``: no
   partitions, no foreign key, no triggers). The writer on one connection
   (``connections=1``) is measured too, to show what the second one adds. They run in
   ``ROUNDS`` interleaved rounds (plain, raw, writer, plain, raw, ...) and each ratio is
   the median of the rounds' ratios: on a shared machine a burst of load then hits one
   round, not one path.

Every row written to llm_call_history goes through the rollup marker trigger.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from benchmarks import orm_baseline
from benchmarks.common import Progress, Server, log
from pydal_free_repo import BufferedWriter, Database, IssueHistory
from pydal_free_repo.writer import columns

DBNAME = "pfr_bench_ingest"
CALL_TYPES = ("spec_conversion", "code_diff", "new_file", "other")
MODELS = ("gpt-4o", "gpt-4-turbo-preview", "gpt-3.5-turbo", "local-llama")


@dataclass(frozen=True)
class Rate:
    label: str
    rows: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")


ROUNDS = 3


@dataclass(frozen=True)
class IngestReport:
    rows: int
    orm: Rate
    repository: Rate
    held: Rate
    copies: list[Rate]
    plains: list[Rate]
    plains_fk: list[Rate]
    writers: list[Rate]
    writers_one: list[Rate]
    counted: int
    expected: int

    @property
    def copy(self) -> Rate:
        return _median_rate(self.copies)

    @property
    def plain(self) -> Rate:
        return _median_rate(self.plains)

    @property
    def plain_fk(self) -> Rate:
        return _median_rate(self.plains_fk)

    @property
    def writer(self) -> Rate:
        return _median_rate(self.writers)

    @property
    def writer_one(self) -> Rate:
        return _median_rate(self.writers_one)

    @property
    def writer_one_ratio(self) -> float:
        pairs = zip(self.writers_one, self.copies, strict=True)
        return statistics.median(w.per_second / c.per_second for w, c in pairs)

    @property
    def repository_ratio(self) -> float:
        return self.repository.per_second / self.orm.per_second

    @property
    def held_ratio(self) -> float:
        return self.held.per_second / self.orm.per_second

    @property
    def writer_ratios(self) -> list[float]:
        return [w.per_second / c.per_second for w, c in zip(self.writers, self.copies, strict=True)]

    @property
    def writer_plain_ratios(self) -> list[float]:
        return [w.per_second / p.per_second for w, p in zip(self.writers, self.plains, strict=True)]

    @property
    def writer_ratio(self) -> float:
        return statistics.median(self.writer_ratios)

    @property
    def writer_plain_ratio(self) -> float:
        return statistics.median(self.writer_plain_ratios)


def _median_rate(rates: list[Rate]) -> Rate:
    return sorted(rates, key=lambda r: r.per_second)[len(rates) // 2]


def calls(n: int) -> list[dict[str, Any]]:
    """``n`` deterministic LLM calls (as the caller knows them)."""
    rows = []
    for i in range(n):
        prompt = 500 + (i * 31) % 4000
        completion = 100 + (i * 13) % 1500
        rows.append(
            {
                "call_type": CALL_TYPES[i % 4],
                "model": MODELS[(i // 4) % 4],
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "cache_hit": i % 5 == 0,
                "cache_key": f"cache:{i}",
                "duration_seconds": (i % 20000) / 1000,
            }
        )
    return rows


def run(server: Server, n: int, *, quiet: bool = False) -> IngestReport:
    dsn = server.fresh(DBNAME)
    rows = calls(n)
    with Database.connect(dsn, min_size=1, max_size=4) as db:
        history = IssueHistory(db)
        run_id = history.claim(
            {"key": "BENCH-INGEST", "fields": {"summary": "ingestion"}}
        ).history_id
        orm = _orm(dsn, run_id, rows, quiet)
        repository = _repository(history, run_id, rows, quiet)
        with psycopg.connect(dsn, autocommit=True) as conn:
            held = _repository(history, run_id, rows, quiet, conn=conn)
        _create_plain_table(dsn)
        plains, plains_fk, copies, writers, writers_one = [], [], [], [], []
        for _ in range(ROUNDS):
            plains.append(_copy(dsn, run_id, rows, quiet, table=PLAIN_TABLE))
            plains_fk.append(_copy(dsn, run_id, rows, quiet, table=PLAIN_FK_TABLE))
            copies.append(_copy(dsn, run_id, rows, quiet))
            writers.append(_writer(db, run_id, rows, quiet))
            writers_one.append(_writer(db, run_id, rows, quiet, connections=1))
    with psycopg.connect(dsn) as conn:
        counted = conn.execute("SELECT count(*) FROM llm_call_history").fetchone()[0]
    return IngestReport(
        n,
        orm,
        repository,
        held,
        copies,
        plains,
        plains_fk,
        writers,
        writers_one,
        counted,
        expected=(3 + 3 * ROUNDS) * n,
    )


def _create_plain_table(dsn: str) -> None:
    like = psycopg.sql.SQL("CREATE TABLE {} (LIKE llm_call_history INCLUDING ALL)")
    foreign_key = psycopg.sql.SQL(
        "ALTER TABLE {} ADD FOREIGN KEY (history_id) REFERENCES issue_processing_history (id)"
    )
    with psycopg.connect(dsn) as conn:
        for table in (PLAIN_TABLE, PLAIN_FK_TABLE):
            conn.execute(like.format(psycopg.sql.Identifier(table)))
        conn.execute(foreign_key.format(psycopg.sql.Identifier(PLAIN_FK_TABLE)))


def _orm(dsn: str, run_id: int, rows: list[dict[str, Any]], quiet: bool) -> Rate:
    recorder = orm_baseline.DocumentRecorder(dsn)
    progress = Progress("ORM add+commit", len(rows), quiet=quiet)
    try:
        started = time.perf_counter()
        for i, row in enumerate(rows):
            recorder.record(
                run_id,
                row["call_type"],
                row["duration_seconds"],
                model=row["model"],
                tokens={
                    "prompt_tokens": row["prompt_tokens"],
                    "completion_tokens": row["completion_tokens"],
                    "total_tokens": row["total_tokens"],
                },
                cache_hit=row["cache_hit"],
                cache_key=row["cache_key"],
            )
            if i % 1000 == 0:
                progress.advance(1000)
        seconds = time.perf_counter() - started
    finally:
        recorder.close()
    progress.finish()
    return Rate("document ORM, add + commit per call", len(rows), seconds)


def _repository(
    history: IssueHistory,
    run_id: int,
    rows: list[dict[str, Any]],
    quiet: bool,
    conn: psycopg.Connection | None = None,
) -> Rate:
    label = "record_llm_call" if conn is None else "record_llm_call(conn)"
    progress = Progress(label, len(rows), quiet=quiet)
    started = time.perf_counter()
    for i, row in enumerate(rows):
        history.record_llm_call(run_id, **row, conn=conn)
        if i % 1000 == 0:
            progress.advance(1000)
    seconds = time.perf_counter() - started
    progress.finish()
    if conn is None:
        return Rate("record_llm_call, pooled connection per call", len(rows), seconds)
    return Rate("record_llm_call(conn=held autocommit connection)", len(rows), seconds)


PLAIN_TABLE = "llm_call_plain"
# The plain table plus llm_call_history's one foreign key: what that check costs per row.
PLAIN_FK_TABLE = "llm_call_plain_fk"


def _copy(
    dsn: str,
    run_id: int,
    rows: list[dict[str, Any]],
    quiet: bool,
    table: str = "llm_call_history",
) -> Rate:
    """One COPY of the writer's own column list, in one transaction, into ``table``."""
    names = columns("llm_call_history")
    statement = psycopg.sql.SQL("COPY {} ({}) FROM STDIN").format(
        psycopg.sql.Identifier(table),
        psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(name) for name in names),
    )
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        now = dt.datetime.now(dt.timezone.utc)
        with conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                full = {"history_id": run_id, "created_at": now, **row}
                copy.write_row([full.get(name) for name in names])
        conn.commit()
        seconds = time.perf_counter() - started
    if table == PLAIN_TABLE:
        log(f"  COPY into a plain table: {len(rows):,} rows in {seconds:.2f} s", quiet=quiet)
        return Rate("COPY into a plain table, same columns and indexes", len(rows), seconds)
    if table == PLAIN_FK_TABLE:
        log(f"  COPY into the plain table + FK: {len(rows):,} rows in {seconds:.2f} s", quiet=quiet)
        return Rate("COPY into the plain table plus the run foreign key", len(rows), seconds)
    log(f"  raw COPY: {len(rows):,} rows in {seconds:.2f} s", quiet=quiet)
    return Rate("raw COPY into llm_call_history, one transaction", len(rows), seconds)


def _writer(
    db: Database, run_id: int, rows: list[dict[str, Any]], quiet: bool, connections: int = 2
) -> Rate:
    started = time.perf_counter()
    writer = BufferedWriter(db, connections=connections)
    for row in rows:
        writer.llm_call(run_id, **row)
    report = writer.close()
    seconds = time.perf_counter() - started
    label = f"BufferedWriter(connections={connections})"
    log(f"  {label}: {len(rows):,} rows in {seconds:.2f} s ({report})", quiet=quiet)
    return Rate(f"{label}, put ... close", len(rows), seconds)
