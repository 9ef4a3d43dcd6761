"""Dashboard reads on a server with JIT: Debian's PostgreSQL 15 (the embedded 18 has none).

Needs: Debian's ``postgresql-15`` with its ``llvmjit.so`` (``/usr/lib/postgresql/15/bin``,
``PFR_PG15_DIR`` overrides; `.ci/setup` installs it) and, as root, the ``postgres`` system
user to run it (``runuser``). Without them this benchmark is skipped and says why.

A throwaway server (default JIT settings: jit on, jit_above_cost 100000) gets the same
generated data set as the dashboard benchmark; each read is timed through the package's
session (which sets jit=off) and through a plain session where the server's JIT is on,
the situation before issue 13.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from benchmarks import generate
from benchmarks.common import Server, Timings, log, repeat
from benchmarks.servers import PG15_BIN, missing_reason, private_server
from pydal_free_repo import Database, queries

READS: list[tuple[str, str, dict[str, Any]]] = [
    ("stats()", "issues/stats_totals", {}),
    ("daily_stats(7)", "issues/stats_daily", {"days": 7}),
    ("llm_cost(7)", "issues/stats_llm_cost_daily", {"days": 7}),
    ("llm_cost_by_model(30 days)", "analytics/llm_cost_by_model", {"days": 30}),
    ("weekly_success_trend(3 months)", "analytics/weekly_success_trend", {"months": 3}),
    ("top_modified_files(10)", "analytics/top_modified_files", {"limit": 10, "days": None}),
]


@dataclass(frozen=True)
class JitRead:
    label: str
    package: Timings  # the package's session: jit=off
    jit_on: Timings  # a plain session on the same server: JIT as configured (on)
    jit_compiled: bool  # did the plain session's plan JIT-compile?


@dataclass(frozen=True)
class JitReport:
    server_version: str
    reads: list[JitRead]
    skipped: str | None = None


def unavailable() -> str | None:
    reason = missing_reason(PG15_BIN)
    if reason is None and not (PG15_BIN.parent / "lib" / "llvmjit.so").exists():
        reason = f"{PG15_BIN.parent / 'lib' / 'llvmjit.so'} is missing"
    return reason


def _read(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> Callable[[], None]:
    statement = queries.load(name).composed()

    def run() -> None:
        conn.execute(statement, params or None).fetchall()

    return run


def _compiled(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> bool:
    explain = psycopg.sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + queries.load(name).composed()
    document = conn.execute(explain, params or None).fetchone()[0]
    return "JIT" in document[0]


def run(scale: float, *, reps: int, quiet: bool = False) -> JitReport:
    reason = unavailable()
    if reason:
        log(f"  skipped: no PostgreSQL with JIT ({reason}; .ci/setup installs it)", quiet=quiet)
        return JitReport("", [], skipped=reason)
    with private_server(PG15_BIN, "i13-bj-") as uri:
        server = Server(uri)
        dataset = generate.ensure(server, scale, regenerate=True, quiet=quiet)
        reads = []
        with (
            Database.connect(dataset.dsn, min_size=1, max_size=1) as db,
            db.connection() as package,
            psycopg.connect(dataset.dsn, autocommit=True) as plain,
        ):
            for label, name, params in READS:
                ours = repeat(_read(package, name, params), reps)
                package.rollback()
                jit_on = repeat(_read(plain, name, params), max(3, reps // 3))
                reads.append(JitRead(label, ours, jit_on, _compiled(plain, name, params)))
                log(
                    f"  {label:<34} package p50 {1000 * ours.p50:8.2f} ms, JIT on p50 "
                    f"{1000 * jit_on.p50:8.2f} ms",
                    quiet=quiet,
                )
        return JitReport(server.version(), reads)
