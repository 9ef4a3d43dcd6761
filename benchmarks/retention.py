"""Retention of one month of LLM calls: DROP of its partition against DELETE of its rows.

Two past months of the same size are generated in a fresh database. The first is
removed the way document 004 does retention (``DELETE ... WHERE created_at ...``), the
second the way the package's retention job does (``maintenance/retention_drop_partition``,
the job's own statement). Sizes are of every partition of llm_call_history (heap,
indexes, TOAST), after each step; DELETE also gets a plain VACUUM, timed, since its
space is only reusable after one. The rollups stay exact after both (checked).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import psycopg

from benchmarks import exactness
from benchmarks.common import Server, log
from benchmarks.generate import sql_text
from pydal_free_repo import Database

DBNAME = "pfr_bench_retention"
RUNS = 1000


@dataclass(frozen=True)
class RetentionReport:
    rows_per_month: int
    size_before: int
    delete_seconds: float
    deleted: int
    size_after_delete: int
    vacuum_seconds: float
    size_after_vacuum: int
    drop_seconds: float
    size_after_drop: int
    remaining_rows: int
    mismatches: list[str]

    @property
    def speedup(self) -> float:
        return self.delete_seconds / self.drop_seconds if self.drop_seconds else float("inf")


def _size(conn: psycopg.Connection) -> int:
    return conn.execute(sql_text("llm_call_history_size")).fetchone()[0]


def run(server: Server, rows_per_month: int, *, quiet: bool = False) -> RetentionReport:
    dsn = server.fresh(DBNAME)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        this_month = conn.execute(
            "SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::DATE"
        ).fetchone()[0]
        months = [_months_before(this_month, 3), _months_before(this_month, 2)]
        for month in months:
            conn.execute(
                "SELECT pfr_create_month_partition('llm_call_history'::REGCLASS, %s)", (month,)
            )
        conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) "
            "SELECT 'RETENTION-' || g, 'completed' FROM generate_series(1, %s) AS g",
            (RUNS,),
        )
        first_id = conn.execute("SELECT min(id) FROM issue_processing_history").fetchone()[0]
        started = time.perf_counter()
        for month in months:
            conn.execute(
                sql_text("generate_month_llm_calls"),
                {
                    "rows": rows_per_month,
                    "month_start": dt.datetime.combine(month, dt.time(), dt.timezone.utc),
                    "first_id": first_id,
                    "runs": RUNS,
                },
            )
        conn.execute("SELECT count(*) FROM pfr_rollup_refresh()")
        conn.execute("VACUUM (ANALYZE) llm_call_history")
        log(
            f"  generated 2 x {rows_per_month:,} rows in {time.perf_counter() - started:.1f} s",
            quiet=quiet,
        )
        size_before = _size(conn)

        first = dt.datetime.combine(months[0], dt.time(), dt.timezone.utc)
        started = time.perf_counter()
        deleted = conn.execute(
            "DELETE FROM llm_call_history WHERE created_at >= %s AND created_at < %s",
            (first, dt.datetime.combine(months[1], dt.time(), dt.timezone.utc)),
        ).rowcount
        delete_seconds = time.perf_counter() - started
        size_after_delete = _size(conn)
        started = time.perf_counter()
        conn.execute("VACUUM llm_call_history")
        vacuum_seconds = time.perf_counter() - started
        size_after_vacuum = _size(conn)

        partition = conn.execute(
            "SELECT pfr_month_partition_name('llm_call_history'::REGCLASS, %s)", (months[1],)
        ).fetchone()[0]
    with Database.connect(dsn, min_size=1, max_size=1) as db:
        started = time.perf_counter()
        db.execute(
            "maintenance/retention_drop_partition",
            identifiers={"schema": "public", "partition": partition},
        )
        drop_seconds = time.perf_counter() - started
    with psycopg.connect(dsn, autocommit=True) as conn:
        size_after_drop = _size(conn)
        remaining = conn.execute("SELECT count(*) FROM llm_call_history").fetchone()[0]
    found = exactness.mismatches(dsn)
    log(
        f"  DELETE {deleted:,} rows: {delete_seconds:.2f} s; DROP partition: "
        f"{1000 * drop_seconds:.1f} ms",
        quiet=quiet,
    )
    return RetentionReport(
        rows_per_month=rows_per_month,
        size_before=size_before,
        delete_seconds=delete_seconds,
        deleted=deleted,
        size_after_delete=size_after_delete,
        vacuum_seconds=vacuum_seconds,
        size_after_vacuum=size_after_vacuum,
        drop_seconds=drop_seconds,
        size_after_drop=size_after_drop,
        remaining_rows=remaining,
        mismatches=found,
    )


def _months_before(month: dt.date, count: int) -> dt.date:
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return dt.date(year, index + 1, 1)
