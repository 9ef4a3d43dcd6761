"""Soak: 32 writer threads (claims, LLM calls, API calls, file changes, workflows, and the
buffered writer's COPY) against one server for a bounded time while the maintenance
jobs run in a loop (partitions creating real partitions, vacuum, retention, backup).

Asserted: zero lost writes (every write the caller saw succeed is in the database,
counted per table), zero duplicate claims (each contested key acquired exactly once),
no deadlock and no error at all in the writers, and no writer waiting on a lock longer
than the jobs' lock_timeout (sampled from pg_stat_activity). Figures are printed (run
with -s): throughput and latency percentiles.

``PFR_SOAK_SECONDS`` (default 20) and ``PFR_SOAK_THREADS`` (default 32) size it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import statistics
import threading
import time
from collections import Counter

import psycopg
import pytest

from pydal_free_repo import BufferedWriter, Database, IssueHistory, WorkflowLogger
from pydal_free_repo.config import Backup, JobsConfig, Timeouts
from pydal_free_repo.jobs.runner import run_job

SECONDS = float(os.environ.get("PFR_SOAK_SECONDS", "20"))
THREADS = int(os.environ.get("PFR_SOAK_THREADS", "32"))
LOCK_TIMEOUT_SECONDS = 1.0
CONTESTED_KEYS = [f"HOT-{i}" for i in range(25)]

pytestmark = pytest.mark.slow


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.writes: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.acquired: Counter[str] = Counter()

    def timed(self, table: str, call, *args, **kwargs):
        """Run one write and count it once it returned (the caller saw it succeed)."""
        began = time.perf_counter()
        result = call(*args, **kwargs)
        elapsed = time.perf_counter() - began
        with self.lock:
            self.writes[table] += 1
            self.latencies.append(elapsed)
        return result


def agent(db: Database, writer: BufferedWriter, tally: Tally, stop: threading.Event, n: int):
    rng = random.Random(n)
    repo = IssueHistory(db)
    logger = WorkflowLogger(db)
    keys = itertools.count()
    timed = tally.timed
    update = "issue_processing_history:update"
    try:
        user = timed("users", logger.get_or_create_user, f"soak-{n}")
        while not stop.is_set():
            issue = {"key": f"S{n}-{next(keys)}", "fields": {"summary": "soak"}}
            run = timed("issue_processing_history", repo.claim, issue).history_id
            for _ in range(2):
                tokens = rng.randint(1, 900)
                timed(
                    "llm_call_history",
                    repo.record_llm_call,
                    run,
                    call_type="code_diff",
                    model="gpt-4o",
                    prompt_tokens=tokens,
                )
                timed(
                    "bitbucket_api_history",
                    repo.record_api_call,
                    run,
                    api_method="GET",
                    endpoint="/repo",
                    status_code=200,
                )
            path = f"src/m{rng.randint(1, 50)}.py"
            timed(
                "file_modification_history",
                repo.record_file_modification,
                run,
                file_path=path,
                action="modified",
                diff_count=3,
            )
            writer.api_call(run, "POST", "/buffered", status_code=201)
            if rng.random() < 0.1:
                timed(update, repo.fail, run, "soak failure")
            else:
                timed(update, repo.complete, run)

            hot = rng.choice(CONTESTED_KEYS)
            contested = timed("claim_attempts", repo.claim, {"key": hot})
            if contested.acquired:
                with tally.lock:
                    tally.acquired[hot] += 1
                timed(update, repo.complete, contested.history_id)

            workflow = timed("workflows", logger.start_workflow, user.id, {"user_input": "go"})
            node = timed("nodes", logger.start_node, "plan", "analysis", {"n": n})
            timed(
                "generations",
                logger.log_generation,
                "gpt-4o",
                "p",
                "o",
                node_id=node.id,
                prompt_tokens=10,
                completion_tokens=5,
            )
            timed("nodes:update", logger.log_node_complete, node.id, {"ok": True})
            timed("workflows:update", logger.complete_workflow, {"final_itinerary": []})
            assert workflow.id == logger.workflow_id
    except Exception as exc:  # noqa: BLE001 - every writer error fails the soak
        with tally.lock:
            tally.errors.append(f"writer {n}: {type(exc).__name__}: {exc}")


def maintenance(db: Database, stop: threading.Event, results: list, tmp_path):
    config = JobsConfig(
        timeouts=Timeouts(lock_timeout=f"{int(LOCK_TIMEOUT_SECONDS * 1000)}ms"),
        backup=Backup(dir=str(tmp_path / "backups"), keep_count=2),
    )
    now = dt.datetime.now(dt.timezone.utc)
    for cycle in itertools.count(1):
        if stop.is_set():
            return
        # Partitions for months ahead of any so far: real CREATE TABLE ... PARTITION OF on
        # the tables being written. The other jobs run at the real time (retention must
        # not expire the rows being written).
        future = now.replace(year=now.year + cycle)
        for job in ("partitions", "vacuum", "retention", "backup", "reaper"):
            result = run_job(db, job, config, now=future if job == "partitions" else None)
            results.append(result)
            if stop.is_set():
                return


def lock_waits(dsn: str, stop: threading.Event, worst: list[float]):
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT COALESCE(max(extract(epoch FROM clock_timestamp() - query_start)), 0)"
                " FROM pg_stat_activity"
                " WHERE application_name = 'pfr-soak' AND wait_event_type = 'Lock'"
            ).fetchone()
            worst[0] = max(worst[0], float(row[0]))
            time.sleep(0.05)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def test_soak_loses_nothing_duplicates_nothing_and_never_blocks(dsn, tmp_path):
    tally = Tally()
    stop = threading.Event()
    job_results: list = []
    worst_lock_wait = [0.0]
    with Database.connect(dsn, min_size=4, max_size=THREADS + 4, application_name="pfr-soak") as db:
        writer = BufferedWriter(db, batch_size=500, flush_interval=0.1)
        agents = [
            threading.Thread(target=agent, args=(db, writer, tally, stop, n), name=f"agent-{n}")
            for n in range(THREADS)
        ]
        with Database.connect(dsn, max_size=2) as job_db:
            side = [
                threading.Thread(target=maintenance, args=(job_db, stop, job_results, tmp_path)),
                threading.Thread(target=lock_waits, args=(dsn, stop, worst_lock_wait)),
            ]
            began = time.monotonic()
            for thread in agents + side:
                thread.start()
            time.sleep(SECONDS)
            stop.set()
            for thread in agents + side:
                thread.join(300)
            elapsed = time.monotonic() - began
            assert not [t.name for t in agents + side if t.is_alive()], "a thread hung"
        report = writer.close(timeout=60)

    assert tally.errors == []

    with psycopg.connect(dsn) as conn:

        def count(query: str) -> int:
            return conn.execute(query).fetchone()[0]

        stored = {
            "issue_processing_history": count(
                "SELECT count(*) FROM issue_processing_history WHERE issue_key LIKE 'S%'"
            ),
            "llm_call_history": count("SELECT count(*) FROM llm_call_history"),
            "bitbucket_api_history": count(
                "SELECT count(*) FROM bitbucket_api_history WHERE endpoint = '/repo'"
            ),
            "file_modification_history": count("SELECT count(*) FROM file_modification_history"),
            "users": count("SELECT count(*) FROM users"),
            "workflows": count("SELECT count(*) FROM workflows WHERE status = 'completed'"),
            "nodes": count("SELECT count(*) FROM nodes WHERE status = 'completed'"),
            "generations": count("SELECT count(*) FROM generations"),
        }
        buffered = count("SELECT count(*) FROM bitbucket_api_history WHERE endpoint = '/buffered'")
        hot_rows = conn.execute(
            "SELECT issue_key,"
            " count(*) FILTER (WHERE status IN ('queued', 'processing', 'completed'))"
            " FROM issue_processing_history WHERE issue_key LIKE 'HOT-%' GROUP BY issue_key"
        ).fetchall()

    # Zero lost writes: every write a caller saw succeed is there, and nothing else.
    assert stored == {table: tally.writes[table] for table in stored}
    assert report.unwritten == 0 and report.rejected == 0
    assert buffered == report.written == report.accepted
    # Zero duplicate claims: each contested key was acquired once, and has one live row.
    assert all(n == 1 for n in tally.acquired.values()), tally.acquired
    assert all(live == 1 for _, live in hot_rows)
    # The jobs ran, and never kept a writer waiting on a lock beyond their lock_timeout.
    statuses = Counter((r.job_name, r.status) for r in job_results)
    assert {job for job, status in statuses if status == "succeeded"} >= {
        "partitions",
        "vacuum",
        "retention",
        "backup",
    }, statuses
    assert worst_lock_wait[0] <= LOCK_TIMEOUT_SECONDS + 0.5

    writes = sum(n for kind, n in tally.writes.items() if kind != "claim_attempts")
    writes += tally.acquired.total() + report.written
    latencies = tally.latencies
    print(
        f"\nsoak: {THREADS} threads, {elapsed:.1f}s, {writes} writes counted "
        f"({writes / elapsed:.0f}/s; buffered {report.written}), "
        f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.0f} ms, "
        f"worst lock wait {worst_lock_wait[0] * 1000:.0f} ms; jobs {dict(statuses)}; "
        f"contested keys acquired {sum(tally.acquired.values())}/{len(CONTESTED_KEYS)}"
    )
