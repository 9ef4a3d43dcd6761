"""The dashboard data set: 1M issue runs with 10M LLM calls over 12 months (at scale 1).

Generated server-side with ``INSERT ... SELECT FROM generate_series`` (no rows cross the
wire), month by month with a progress bar, into a database of its own. Every insert goes
through the parent tables, so the pricing trigger and the rollup markers fire as they do
in production. A marker table (``bench_dataset``) records the finished data set, and a
later run reuses it instead of generating it again (unless it is more than a day old, so
the "last 7 days" windows keep their data, or ``--regenerate`` is given).
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from benchmarks.common import Progress, Server, log
from pydal_free_repo.schema import migrate

SQL = Path(__file__).resolve().parent / "sql"
PARTITIONED = (
    "llm_call_history",
    "file_modification_history",
    "bitbucket_api_history",
    "generations",
)
LLM_CALLS_PER_ISSUE = 10
FILES_PER_ISSUE = 2
MONTHS = 12
CHUNKS_PER_MONTH = 4
MAX_AGE = dt.timedelta(days=1)
WORKERS = 2


@dataclass(frozen=True)
class Sizes:
    issues: int
    workflows: int
    users: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            issues=max(MONTHS * CHUNKS_PER_MONTH, round(1_000_000 * scale)),
            workflows=max(MONTHS * CHUNKS_PER_MONTH, round(100_000 * scale)),
            users=max(10, round(1_000 * scale)),
        )

    @property
    def llm_calls(self) -> int:
        return self.issues * LLM_CALLS_PER_ISSUE


@dataclass(frozen=True)
class Dataset:
    dsn: str
    dbname: str
    sizes: Sizes
    anchor: dt.datetime
    generated_seconds: float
    children_seconds: float
    reused: bool


def database_name(scale: float) -> str:
    return "pfr_bench_" + f"{scale:g}".replace(".", "_").replace("-", "_")


def sql_text(name: str) -> str:
    return (SQL / f"{name}.sql").read_text()


def ensure(
    server: Server, scale: float, *, regenerate: bool = False, quiet: bool = False
) -> Dataset:
    """The data set for ``scale``: reused when a complete, recent one exists, else made."""
    dbname = database_name(scale)
    sizes = Sizes.at(scale)
    if not regenerate and server.exists(dbname):
        dsn = server.dsn(dbname)
        marker = _marker(dsn)
        if marker and marker["issues"] == sizes.issues and _recent(marker["anchor"]):
            migrate(dsn)  # a migration added since the data was made
            log(
                f"reusing data set {dbname} generated at {marker['anchor']:%Y-%m-%d %H:%M}",
                quiet=quiet,
            )
            return Dataset(
                dsn=dsn,
                dbname=dbname,
                sizes=sizes,
                anchor=marker["anchor"],
                generated_seconds=float(marker["seconds"]),
                children_seconds=float(marker["llm_seconds"]),
                reused=True,
            )
    return _generate(server, dbname, sizes, quiet=quiet)


def _recent(anchor: dt.datetime) -> bool:
    return dt.datetime.now(dt.timezone.utc) - anchor < MAX_AGE


def _marker(dsn: str) -> dict | None:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        exists = conn.execute("SELECT to_regclass('bench_dataset') IS NOT NULL AS found")
        if not exists.fetchone()["found"]:
            return None
        return conn.execute(
            "SELECT issues, anchor, seconds, llm_seconds FROM bench_dataset"
        ).fetchone()


def _generate(server: Server, dbname: str, sizes: Sizes, *, quiet: bool) -> Dataset:
    log(
        f"generating {dbname}: {sizes.issues:,} issue runs, {sizes.llm_calls:,} LLM calls, "
        f"{sizes.workflows:,} workflow runs over {MONTHS} months",
        quiet=quiet,
    )
    started = time.perf_counter()
    dsn = server.fresh(dbname)
    chunks = MONTHS * CHUNKS_PER_MONTH
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        anchor = conn.execute("SELECT date_trunc('second', now())").fetchone()[0]
        _partitions(conn, anchor)
        conn.execute(sql_text("generate_users"), {"users": sizes.users})
        first_user = conn.execute("SELECT min(id) FROM users").fetchone()[0]
        # Runs first, in order, so that run i has id i; then their children, month by
        # month on two connections (one per core).
        progress = Progress("runs, workflows", chunks, quiet=quiet)
        for chunk in range(chunks):
            _issue_chunk(conn, anchor, sizes.issues, chunk, chunks)
            _workflow_chunk(conn, anchor, sizes, first_user, chunk, chunks)
            progress.advance()
        progress.finish()
        last_id = conn.execute("SELECT max(id) FROM issue_processing_history").fetchone()[0]
        if last_id != sizes.issues:
            raise RuntimeError(f"expected run ids 1..{sizes.issues}, got up to {last_id}")
    children_started = time.perf_counter()
    progress = Progress("calls, by month", MONTHS, quiet=quiet)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        months = [pool.submit(_children_month, dsn, sizes.issues, month) for month in range(MONTHS)]
        for future in as_completed(months):
            future.result()
            progress.advance()
    progress.finish()
    children_seconds = time.perf_counter() - children_started
    with psycopg.connect(dsn, autocommit=True) as conn:
        log("  initial rollup refresh and VACUUM (ANALYZE)", quiet=quiet)
        conn.execute("SELECT count(*) FROM pfr_rollup_refresh()")
        conn.execute("VACUUM (ANALYZE)")
        seconds = time.perf_counter() - started
        conn.execute(
            "CREATE TABLE bench_dataset (issues BIGINT, anchor TIMESTAMPTZ, seconds NUMERIC, "
            "llm_seconds NUMERIC)"
        )
        conn.execute(
            "INSERT INTO bench_dataset (issues, anchor, seconds, llm_seconds) "
            "VALUES (%s, %s, %s, %s)",
            (sizes.issues, anchor, seconds, children_seconds),
        )
    log(f"  generated in {seconds:.0f} s", quiet=quiet)
    return Dataset(dsn, dbname, sizes, anchor, seconds, children_seconds, reused=False)


def _partitions(conn: psycopg.Connection, anchor: dt.datetime) -> None:
    """Monthly partitions from 13 months before the anchor to 3 after."""
    for table in PARTITIONED:
        conn.execute(
            "SELECT count(pfr_create_month_partition(%(table)s::REGCLASS, "
            "(date_trunc('month', %(anchor)s::TIMESTAMPTZ AT TIME ZONE 'UTC') "
            "+ make_interval(months => m))::DATE)) "
            "FROM generate_series(-13, 3) AS m",
            {"table": table, "anchor": anchor},
        )


def _bounds(total: int, chunk: int, chunks: int) -> tuple[int, int]:
    return chunk * total // chunks + 1, (chunk + 1) * total // chunks


def _issue_chunk(
    conn: psycopg.Connection, anchor: dt.datetime, total: int, chunk: int, chunks: int
) -> None:
    first, last = _bounds(total, chunk, chunks)
    if last >= first:
        conn.execute(
            sql_text("generate_issues"),
            {"first": first, "last": last, "total": total, "anchor": anchor},
        )


def _children_month(dsn: str, total: int, month: int) -> None:
    """The LLM calls, file changes and API calls of one month's runs (ids are 1..total)."""
    chunks = MONTHS * CHUNKS_PER_MONTH
    with psycopg.connect(dsn, autocommit=True) as conn:
        for part in range(CHUNKS_PER_MONTH):
            first, last = _bounds(total, month * CHUNKS_PER_MONTH + part, chunks)
            if last < first:
                continue
            ids = {"first_id": first, "last_id": last}
            conn.execute(sql_text("generate_llm_calls"), {**ids, "per_issue": LLM_CALLS_PER_ISSUE})
            conn.execute(sql_text("generate_files"), {**ids, "per_issue": FILES_PER_ISSUE})
            conn.execute(sql_text("generate_api_calls"), ids)


def _workflow_chunk(
    conn: psycopg.Connection,
    anchor: dt.datetime,
    sizes: Sizes,
    first_user: int,
    chunk: int,
    chunks: int,
) -> None:
    first, last = _bounds(sizes.workflows, chunk, chunks)
    if last < first:
        return
    before = conn.execute("SELECT COALESCE(max(id), 0) FROM workflows")
    first_id = before.fetchone()[0] + 1
    conn.execute(
        sql_text("generate_workflows"),
        {
            "first": first,
            "last": last,
            "total": sizes.workflows,
            "anchor": anchor,
            "first_user": first_user,
            "users": sizes.users,
        },
    )
    ids = {"first_id": first_id, "last_id": first_id + (last - first)}
    conn.execute(sql_text("generate_nodes"), ids)
    conn.execute(sql_text("generate_generations"), ids)
