"""Claims under contention: 16 threads, distinct keys and colliding keys.

Two phases, all threads released together at the start of each: distinct keys, each
claimed once by one thread; then colliding keys, each tried by every thread in the same
order (16 workers handed the same webhooks). Measured per phase: claim attempts per
second, p50/p99 latency of one attempt; and duplicates (keys with more than one
queued/processing/completed run), which must be 0.

Baseline in the same run: document 004's ``process_issue`` check-then-insert (SELECT the
key's processing/completed row; if none, INSERT), on the document's table without the
unique index (schema doc004), with the same threads and keys.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from benchmarks.common import Server, Timings, log
from benchmarks.generate import sql_text
from pydal_free_repo import Database, IssueHistory

DBNAME = "pfr_bench_claims"
THREADS = 16


@dataclass(frozen=True)
class Phase:
    attempts: int
    seconds: float
    latency: Timings

    @property
    def per_second(self) -> float:
        return self.attempts / self.seconds if self.seconds else float("inf")


@dataclass(frozen=True)
class ClaimRun:
    label: str
    distinct: Phase
    colliding: Phase
    acquired: Counter
    duplicated_keys: int
    errors: int


@dataclass(frozen=True)
class ClaimsReport:
    distinct: int
    colliding: int
    threads: int
    ours: ClaimRun
    document: ClaimRun

    @property
    def ours_exact(self) -> bool:
        """Every key acquired exactly once and no duplicate row."""
        keys = self.distinct + self.colliding
        return (
            self.ours.duplicated_keys == 0
            and len(self.ours.acquired) == keys
            and set(self.ours.acquired.values()) == {1}
            and self.ours.errors == 0
        )


def _plans(distinct: int, colliding: int, threads: int) -> tuple[list[list[str]], list[list[str]]]:
    """The keys each thread tries in each phase, in its order."""
    own: list[list[str]] = [[] for _ in range(threads)]
    for i in range(distinct):
        own[i % threads].append(f"DISTINCT-{i}")
    shared = [f"COLLIDE-{i}" for i in range(colliding)]
    random.Random(7).shuffle(shared)
    return own, [shared[:] for _ in range(threads)]


def _contend(
    label: str, plans: list[list[str]], attempt: Callable[[int, str], bool]
) -> tuple[Phase, Counter, int]:
    barrier = threading.Barrier(len(plans) + 1)
    latencies: list[list[float]] = [[] for _ in plans]
    acquired: list[Counter] = [Counter() for _ in plans]
    errors = [0] * len(plans)

    def worker(index: int) -> None:
        barrier.wait()
        for key in plans[index]:
            started = time.perf_counter()
            try:
                if attempt(index, key):
                    acquired[index][key] += 1
            except Exception:
                errors[index] += 1
            latencies[index].append(time.perf_counter() - started)

    workers = [threading.Thread(target=worker, args=(i,), name=label) for i in range(len(plans))]
    for thread in workers:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    seconds = time.perf_counter() - started
    timings = Timings([s for per_thread in latencies for s in per_thread])
    phase = Phase(sum(len(plan) for plan in plans), seconds, timings)
    return phase, sum(acquired, Counter()), sum(errors)


def _both(
    label: str, plans: tuple[list[list[str]], list[list[str]]], attempt: Callable[[int, str], bool]
) -> tuple[Phase, Phase, Counter, int]:
    distinct, acquired, errors = _contend(label, plans[0], attempt)
    colliding, more, more_errors = _contend(label, plans[1], attempt)
    return distinct, colliding, acquired + more, errors + more_errors


def _duplicates(conn: psycopg.Connection, *table: str) -> int:
    query = sql.SQL(sql_text("claims_duplicates")).format(table=sql.Identifier(*table))
    return conn.execute(query).fetchone()[0]


def run(
    server: Server, distinct: int, colliding: int, *, threads: int = THREADS, quiet: bool = False
) -> ClaimsReport:
    dsn = server.fresh(DBNAME)
    plans = _plans(distinct, colliding, threads)

    with Database.connect(dsn, min_size=threads, max_size=threads) as db:
        history = IssueHistory(db)
        db.pool.wait()
        phases = _both("claim", plans, lambda _i, key: history.claim({"key": key}).acquired)
    with psycopg.connect(dsn, autocommit=True) as conn:
        ours = ClaimRun(
            "IssueHistory.claim (INSERT ... ON CONFLICT, unique index)",
            *phases[:3],
            _duplicates(conn, "issue_processing_history"),
            phases[3],
        )
        conn.execute(sql_text("doc_claims_table"))

    connections = [psycopg.connect(dsn, autocommit=True) for _ in range(threads)]
    check, insert = sql_text("doc_claim_check"), sql_text("doc_claim_insert")

    def document_claim(index: int, key: str) -> bool:
        conn = connections[index]
        with conn.transaction():
            if conn.execute(check, {"issue_key": key}).fetchone() is not None:
                return False
            conn.execute(insert, {"issue_key": key, "summary": key})
            return True

    try:
        phases = _both("document", plans, document_claim)
    finally:
        for conn in connections:
            conn.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        document = ClaimRun(
            "document 004 check-then-insert, no unique index",
            *phases[:3],
            _duplicates(conn, "doc004", "issue_processing_history"),
            phases[3],
        )
    log(
        f"  claim: colliding {ours.colliding.per_second:,.0f} attempts/s, p99 "
        f"{1000 * ours.colliding.latency.p99:.1f} ms, {ours.duplicated_keys} duplicated keys; "
        f"document: {document.duplicated_keys} duplicated keys",
        quiet=quiet,
    )
    return ClaimsReport(distinct, colliding, threads, ours, document)
