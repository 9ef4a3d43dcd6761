"""Maintenance jobs under write load: the worst writer insert during the partitions and
the retention jobs, with the package's jobs and with main's (before issue 13).

Each side gets a fresh database set up the same way:
  - the partition of the month after next is missing (a missed run) and 100,000 rows (at
    scale 1) for it sit in the default partition of llm_call_history, with 100 more for a
    month 4 months back and 100 for 10 months ahead (outside main's window);
  - a partition 14 months old holding 1,000 rows, past the 365-day retention;
  - an idle open transaction that has inserted a current-month row;
  - two writers inserting current-month LLM calls (autocommit, one row each) throughout.
Then the partitions job runs, then the retention job, and the writers' latencies are
taken over each job's run. Afterwards: every stranded row is counted in its own month
partition (none left in the default partition) and none is lost.

main's jobs are reproduced from main's own SQL (migrations 0004 and 0008, functions
renamed main_*): the move detaches the default partition in one transaction, partitions
are made by CREATE TABLE ... PARTITION OF, every DDL waits up to lock_timeout 5s, 3
attempts 0.5 s then 1 s apart, as main's runner did.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.common import Server, log
from pydal_free_repo import Database
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.jobs.runner import run_job

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TARGET_WORST_SECONDS = 0.25
WRITERS = 2
MAIN_FUNCTIONS = ("pfr_create_month_partition", "pfr_ensure_partitions", "pfr_move_stranded_rows")


@dataclass
class Phase:
    name: str
    seconds: float
    status: str
    worst_insert: float = 0.0
    inserts: int = 0


@dataclass
class SideReport:
    side: str
    phases: list[Phase] = field(default_factory=list)
    stranded: int = 0
    in_their_month: int = 0
    left_in_default: int = 0
    lost: int = 0


@dataclass(frozen=True)
class MaintenanceReport:
    stranded_rows: int
    sides: list[SideReport]


def _month(now: dt.datetime, offset: int) -> dt.datetime:
    year, month = divmod(now.year * 12 + now.month - 1 + offset, 12)
    return dt.datetime(year, month + 1, 1, tzinfo=dt.timezone.utc)


def _main_functions() -> str:
    """main's partition functions (0004 and 0008) under main_* names."""
    source = "".join(
        (MIGRATIONS / name).read_text()
        for name in ("0004_create_partition_functions.sql", "0008_create_stranded_row_mover.sql")
    )
    text = ""
    for function in MAIN_FUNCTIONS:
        start = source.index(f"CREATE FUNCTION {function}(")
        text += source[start : source.index("\n$$;", start) + 4] + "\n"
    for function in MAIN_FUNCTIONS:
        text = text.replace(f"{function}(", f"main_{function}(")
    return text.replace("pfr_default_partition_rows(", "main_pfr_default_partition_rows(")


def _setup(dsn: str, now: dt.datetime, stranded: int) -> tuple[int, dict[dt.datetime, int]]:
    months = {_month(now, 2): stranded, _month(now, -4): 100, _month(now, 10): 100}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(_main_functions())
        run_id = conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) VALUES ('BENCH', 'completed')"
            " RETURNING id"
        ).fetchone()[0]
        stranded_partition = sql.Identifier(f"llm_call_history_p{_month(now, 2):%Y%m}")
        conn.execute(sql.SQL("DROP TABLE {}").format(stranded_partition))
        old = _month(now, -14)
        conn.execute(
            "SELECT pfr_create_month_partition('llm_call_history', %s::date)", (old.date(),)
        )
        for at, count in [*months.items(), (old, 1000)]:
            conn.execute(
                "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens,"
                " completion_tokens, created_at)"
                " SELECT %s, 'code_diff', 'gpt-4o', 100, 50,"
                " %s + (i %% 20000) * INTERVAL '1 minute'"
                " FROM generate_series(1, %s) AS i",
                (run_id, at, count),
            )
        conn.execute("ANALYZE llm_call_history")
    return run_id, months


class Writers:
    """Threads inserting current-month LLM calls, one autocommit row at a time."""

    def __init__(self, dsn: str, run_id: int):
        self.samples: list[tuple[float, float]] = []  # (start, seconds)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._write, args=(dsn, run_id), daemon=True)
            for _ in range(WRITERS)
        ]

    def _write(self, dsn: str, run_id: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.perf_counter()
                conn.execute(
                    "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens)"
                    " VALUES (%s, 'other', 'gpt-4o', 10)",
                    (run_id,),
                )
                with self.lock:
                    self.samples.append((started, time.perf_counter() - started))
                time.sleep(0.002)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def during(self, began: float, ended: float) -> tuple[float, int]:
        with self.lock:
            hits = [s for start, s in self.samples if start + s >= began and start <= ended]
        return (max(hits) if hits else 0.0), len(hits)


def _main_ddl(dsn: str, statement: str, params: tuple) -> str:
    """main's runner: one transaction under lock_timeout 5s, 3 attempts 0.5 s then 1 s apart."""
    delay = 0.5
    for attempt in range(3):
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("SET lock_timeout = '5s'")
                with conn.transaction():
                    conn.execute(statement, params).fetchall()
            return "succeeded"
        except psycopg.errors.LockNotAvailable:
            if attempt == 2:
                return "failed"
            time.sleep(delay)
            delay *= 2
    return "failed"  # pragma: no cover


def _main_partitions(dsn: str, now: dt.datetime) -> str:
    moved = _main_ddl(dsn, "SELECT * FROM main_pfr_move_stranded_rows(3, %s)", (now,))
    if moved != "succeeded":
        return moved
    return _main_ddl(dsn, "SELECT * FROM main_pfr_ensure_partitions(3, %s)", (now,))


def _main_retention(dsn: str, now: dt.datetime) -> str:
    old = f"llm_call_history_p{_month(now, -14):%Y%m}"
    status = _main_ddl(dsn, f'DROP TABLE "{old}"; SELECT 1', ())
    return "succeeded" if status == "succeeded" else "succeeded (not_dropped)"


def _side(server: Server, side: str, stranded: int, quiet: bool) -> SideReport:
    dsn = server.fresh(f"pfr_bench_maint_{side}")
    now = dt.datetime.now(dt.timezone.utc)
    run_id, months = _setup(dsn, now, stranded)
    report = SideReport(side, stranded=sum(months.values()))
    idle = psycopg.connect(dsn)
    idle.execute(
        "INSERT INTO llm_call_history (history_id, call_type, model) VALUES (%s, 'other', 'm')",
        (run_id,),
    )
    try:
        with Database.connect(dsn, min_size=1, max_size=2) as db, Writers(dsn, run_id) as writers:
            time.sleep(0.5)
            for job in ("partitions", "retention"):
                began = time.perf_counter()
                if side == "ours":
                    status = run_job(db, job, JobsConfig()).status
                elif job == "partitions":
                    status = _main_partitions(dsn, now)
                else:
                    status = _main_retention(dsn, now)
                ended = time.perf_counter()
                time.sleep(0.3)
                worst, count = writers.during(began, ended)
                report.phases.append(Phase(job, ended - began, status, worst, count))
                log(
                    f"  {side:<5} {job:<10} {status:<24} {ended - began:6.2f} s, worst writer"
                    f" insert {1000 * worst:8.1f} ms over {count} inserts",
                    quiet=quiet,
                )
    finally:
        idle.rollback()
        idle.close()
    with psycopg.connect(dsn) as conn:
        for at, count in months.items():
            end = _month(at, 1)
            found = conn.execute(
                "SELECT count(*) FILTER (WHERE tableoid = to_regclass(%s)),"
                " count(*) FILTER (WHERE tableoid = 'llm_call_history_default'::regclass),"
                " count(*)"
                " FROM llm_call_history WHERE created_at >= %s AND created_at < %s",
                (f"llm_call_history_p{at:%Y%m}", at, end),
            ).fetchone()
            report.in_their_month += found[0]
            report.left_in_default += found[1]
            report.lost += count - found[2]
    server.drop(f"pfr_bench_maint_{side}")
    return report


def run(
    server: Server, stranded: int, *, with_main: bool = True, quiet: bool = False
) -> MaintenanceReport:
    """Both sides; ``with_main=False`` (the suite's small mode) skips main's, which spends
    its time waiting out lock timeouts."""
    chosen = ("main", "ours") if with_main else ("ours",)
    sides = [_side(server, side, stranded, quiet) for side in chosen]
    return MaintenanceReport(stranded, sides)
