"""The package's sessions never JIT-compile a dashboard read.

On a server with JIT (Debian's PostgreSQL 15; the embedded 18 is built without LLVM) each
rollup view's live fallback branch is estimated above jit_above_cost, and compiling it
took 300-500 ms of a 20 ms read. The package's connections set jit=off. The server here
runs with jit_above_cost=0 so that any plan would be compiled; a plain connection to it
shows JIT (the control), the package's shows none.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from _clusters import PG15_BIN, missing_reason, private_server

from pydal_free_repo import Database, IssueHistory, queries
from pydal_free_repo.schema import migrate

JIT_EVERYTHING = {
    "jit": "on",
    "jit_above_cost": "0",
    "jit_inline_above_cost": "0",
    "jit_optimize_above_cost": "0",
}
READS = ("issues/stats_totals", "issues/stats_llm_cost_daily", "issues/stats_daily")
PARAMS = {"days": 7}


@pytest.fixture(scope="module")
def jit_server():
    reason = missing_reason(PG15_BIN)
    if reason is None and not (PG15_BIN.parent / "lib" / "llvmjit.so").exists():
        reason = f"{PG15_BIN.parent / 'lib' / 'llvmjit.so'} is missing (Debian's postgresql-15)"
    if reason:
        pytest.skip(f"no PostgreSQL with JIT: {reason}")
    with private_server(PG15_BIN, "i13-jit-", **JIT_EVERYTHING) as dsn:
        migrate(dsn)
        with Database.connect(dsn, min_size=1, max_size=1) as db:
            repo = IssueHistory(db)
            run = repo.claim({"key": "JIT-1"}).history_id
            repo.record_llm_call(run, call_type="other", model="gpt-4o", prompt_tokens=10)
            repo.complete(run)  # the markers stay: every view takes its live branch
        yield dsn


def plan(conn: psycopg.Connection, name: str) -> dict:
    statement = queries.load(name).composed()
    explain = psycopg.sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + statement
    row = conn.execute(explain, PARAMS if "%(days)s" in statement.as_string(conn) else None)
    document = row.fetchone()[0]
    return (json.loads(document) if isinstance(document, str) else document)[0]


def test_the_server_would_jit_compile_the_reads(jit_server):
    with psycopg.connect(jit_server) as conn:
        for name in READS:
            assert plan(conn, name).get("JIT", {}).get("Functions", 0) > 0, name


def test_the_package_sessions_do_not_jit_compile_a_dashboard_read(jit_server):
    with Database.connect(jit_server, min_size=1, max_size=1) as db, db.connection() as conn:
        assert conn.execute("SHOW jit").fetchone()[0] == "off"
        for name in READS:
            assert "JIT" not in plan(conn, name), name
