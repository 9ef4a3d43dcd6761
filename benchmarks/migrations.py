"""Applying the migrations onto a populated database while writers insert.

A fresh database is migrated up to 0009 (the schema before the rollups), then filled
server-side with 1M LLM calls (at scale 1), 100k issue runs and 100k file changes; two
writers then insert issue runs and LLM calls (autocommit, one row each) while
``pfr migrate`` applies everything else. Reported: how long that took and the worst
writer insert meanwhile (target: under 1 s).

Baseline, in the same run on the same database: main's first fill of migration 0010, the
part that blocked writers (13.6 s at 1M calls in issue 13): in one transaction holding the
locks 0010's CREATE TRIGGERs take (SHARE ROW EXCLUSIVE on the four source tables), every
bucket marked by a full scan and pfr_rollup_refresh() run, as main's 0010 did.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg
from psycopg import sql

from benchmarks.common import Server, log
from pydal_free_repo.schema import _backend, _migrations, migrate

DBNAME = "pfr_bench_migrations"
TARGET_WORST_SECONDS = 1.0
LAST_BEFORE = "0009_add_llm_error_message_issues"

MAIN_FIRST_FILL = [
    "LOCK TABLE issue_processing_history, llm_call_history, file_modification_history, nodes"
    " IN SHARE ROW EXCLUSIVE MODE",
    "INSERT INTO rollup_dirty_issue_hours (hour)"
    " SELECT DISTINCT date_trunc('hour', iph.created_at, 'UTC') FROM issue_processing_history iph",
    "INSERT INTO rollup_dirty_llm_call_hours (hour)"
    " SELECT DISTINCT date_trunc('hour', lch.created_at, 'UTC') FROM llm_call_history lch",
    "INSERT INTO rollup_dirty_files (file_path)"
    " SELECT DISTINCT fmh.file_path FROM file_modification_history fmh",
    "SELECT count(*) FROM pfr_rollup_refresh()",
]


@dataclass(frozen=True)
class MigrationsReport:
    llm_calls: int
    applied: int
    seconds: float
    worst_insert: float
    inserts: int
    main_seconds: float
    main_worst_insert: float
    main_inserts: int


class _Writers:
    def __init__(self, dsn: str, run_id: int):
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._write, args=(dsn, run_id, i), daemon=True)
            for i in range(2)
        ]

    def _write(self, dsn: str, run_id: int, which: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                started = time.perf_counter()
                if which == 0:
                    conn.execute(
                        "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens)"
                        " VALUES (%s, 'other', 'gpt-4o', 10)",
                        (run_id,),
                    )
                else:
                    conn.execute(
                        "INSERT INTO issue_processing_history (issue_key, status)"
                        " VALUES (%s, 'completed')",
                        (f"MIG-W-{n}",),
                    )
                with self.lock:
                    self.samples.append((started, time.perf_counter() - started))
                time.sleep(0.002)

    def __enter__(self) -> _Writers:
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


def _populate(dsn: str, llm_calls: int, quiet: bool) -> int:
    runs = max(100, llm_calls // 10)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status, created_at)"
            " SELECT 'MIG-' || i, 'completed', now() - (i %% 2000) * INTERVAL '1 hour'"
            " FROM generate_series(1, %s) AS i",
            (runs,),
        )
        run_id = conn.execute("SELECT max(id) FROM issue_processing_history").fetchone()[0]
        done = 0
        while done < llm_calls:
            chunk = min(200_000, llm_calls - done)
            conn.execute(
                "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens,"
                " completion_tokens, created_at)"
                " SELECT %s, 'code_diff', 'gpt-4o', 100, 50,"
                " now() - (i %% 2000) * INTERVAL '1 hour'"
                " FROM generate_series(1, %s) AS i",
                (run_id, chunk),
            )
            done += chunk
            log(f"  populated {done:,} LLM calls", quiet=quiet)
        conn.execute(
            "INSERT INTO file_modification_history (history_id, file_path, action, created_at)"
            " SELECT %s, 'src/f' || (i %% 5000) || '.py', 'modified',"
            " now() - (i %% 2000) * INTERVAL '1 hour'"
            " FROM generate_series(1, %s) AS i",
            (run_id, runs),
        )
        conn.execute("ANALYZE")
    return run_id


def run(server: Server, llm_calls: int, *, quiet: bool = False) -> MigrationsReport:
    server.drop(DBNAME)
    with psycopg.connect(server.maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DBNAME)))
    dsn = server.dsn(DBNAME)
    with _backend(dsn) as backend:
        pending = backend.to_apply(_migrations())
        backend.apply_migrations(type(pending)([m for m in pending if m.id <= LAST_BEFORE]))
    run_id = _populate(dsn, llm_calls, quiet)
    with _Writers(dsn, run_id) as writers:
        time.sleep(0.5)
        began = time.perf_counter()
        applied = migrate(dsn)
        ended = time.perf_counter()
        time.sleep(0.3)
        worst, inserts = writers.during(began, ended)
        log(
            f"  ours: {len(applied)} migrations in {ended - began:.2f} s, worst writer insert"
            f" {1000 * worst:.1f} ms over {inserts} inserts",
            quiet=quiet,
        )
        main_began = time.perf_counter()
        with psycopg.connect(dsn) as conn:
            for statement in MAIN_FIRST_FILL:
                conn.execute(statement)
            conn.commit()
        main_ended = time.perf_counter()
        time.sleep(0.3)
        main_worst, main_inserts = writers.during(main_began, main_ended)
        log(
            f"  main's 0010 first fill: {main_ended - main_began:.2f} s, worst writer insert"
            f" {1000 * main_worst:.1f} ms over {main_inserts} inserts",
            quiet=quiet,
        )
    server.drop(DBNAME)
    return MigrationsReport(
        llm_calls,
        len(applied),
        ended - began,
        worst,
        inserts,
        main_ended - main_began,
        main_worst,
        main_inserts,
    )
