"""Dashboard reads on the generated data set: our path against document 004's SQL as written.

Three figures per read, measured in the same run on the same rows:

- **ours**: what the package runs (``IssueHistory`` and ``WorkflowLogger`` methods), p50
  and p95 over ``reps`` runs after one warm-up;
- **raw**: the same figures computed from the raw tables without the rollups (the
  repository's views and queries before 0010, ``benchmarks/raw_sql``);
- **document**: document 004's view definitions and queries exactly as written
  (``benchmarks/baseline_sql``, views created in schema ``doc004``), p50 of a few runs.

Before timing, ``exactness.mismatches`` checks that the fast path returns exactly what
the raw path returns on this data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import exactness
from benchmarks.common import Timings, log, repeat
from pydal_free_repo import Database, IssueHistory, WorkflowLogger

BASELINE_SQL = Path(__file__).resolve().parent / "baseline_sql"
TARGET_P50_SECONDS = 0.050
TARGET_SPEEDUP = 20.0
BASELINE_TIMEOUT_MS = 120_000
SLOW_BASELINE_SECONDS = 2.0


@dataclass(frozen=True)
class ReadResult:
    label: str
    ours: Timings
    raw: Timings | None
    document: Timings | None
    document_timed_out: bool = False

    @property
    def speedup(self) -> float | None:
        if self.document is None or not self.document.seconds:
            return None
        return self.document.p50 / self.ours.p50

    @property
    def meets_p50(self) -> bool:
        return self.ours.p50 <= TARGET_P50_SECONDS

    @property
    def meets_speedup(self) -> bool | None:
        if self.document_timed_out:
            return self.document.p50 / self.ours.p50 >= TARGET_SPEEDUP
        speedup = self.speedup
        return None if speedup is None else speedup >= TARGET_SPEEDUP


@dataclass(frozen=True)
class DashboardReport:
    results: list[ReadResult]
    mismatches: list[str]


def statements(name: str) -> list[str]:
    """The statements of a baseline file (comment lines dropped)."""
    text = (BASELINE_SQL / f"{name}.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [part.strip() for part in body.split(";") if part.strip()]


def install_document_views(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements("views"):
            conn.execute(statement)


def _run_sql(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> Callable[[], None]:
    parts = statements(name)

    def run() -> None:
        for statement in parts:
            conn.execute(statement, params if "%(" in statement else None).fetchall()

    return run


def _run_raw(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> Callable[[], None]:
    text = exactness.raw_text(name)

    def run() -> None:
        conn.execute(text, params).fetchall()

    return run


def _document(run: Callable[[], None]) -> tuple[Timings, bool]:
    """Baseline timings: up to three runs, stopping after a slow one (more would only
    stretch the benchmark); a timeout counts as the limit."""
    timings = Timings()
    for _ in range(3):
        started = time.perf_counter()
        try:
            run()
        except psycopg.errors.QueryCanceled:
            timings.seconds.append(BASELINE_TIMEOUT_MS / 1000)
            return timings, True
        elapsed = time.perf_counter() - started
        timings.seconds.append(elapsed)
        if elapsed > SLOW_BASELINE_SECONDS:
            break
    return timings, False


PENDING_WRITES = 10_000


def _pending(dsn: str, history: IssueHistory, reps: int, quiet: bool) -> list[ReadResult]:
    """stats() and llm_cost(7) while 10,000 one-row INSERTs wait for the rollups job: in one
    transaction (each statement leaves its marker), rolled back so the data set is kept."""
    results = []
    with psycopg.connect(dsn) as conn:
        run_id = conn.execute("SELECT max(id) FROM issue_processing_history").fetchone()[0]
        for i in range(PENDING_WRITES):
            conn.execute(
                "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens, "
                "completion_tokens) VALUES (%s, 'code_diff', 'gpt-4o', %s, 50)",
                (run_id, 100 + i % 50),
            )
        for label, read in (
            ("stats()", lambda: history.stats(conn=conn)),
            ("llm_cost(7)", lambda: history.llm_cost(7, conn=conn)),
        ):
            label = f"{label} with {PENDING_WRITES:,} writes pending"
            timings = repeat(read, max(5, reps // 3))
            results.append(ReadResult(label, timings, None, None))
            log(f"  {label:<34} ours p50 {1000 * timings.p50:9.2f} ms", quiet=quiet)
        conn.rollback()
    return results


def run(dsn: str, *, reps: int, quiet: bool = False) -> DashboardReport:
    install_document_views(dsn)
    found = exactness.mismatches(dsn)
    if found:
        log(f"  fast path DIFFERS from raw: {found}", quiet=quiet)
    results = []
    with (
        Database.connect(dsn, min_size=1, max_size=2) as db,
        psycopg.connect(dsn, autocommit=True) as doc,
        psycopg.connect(dsn, autocommit=True) as raw,
        psycopg.connect(dsn, autocommit=True) as ours_conn,
    ):
        doc.execute("SET search_path = doc004, public")
        for baseline in (doc, raw):
            baseline.execute(
                "SELECT set_config('statement_timeout', %s, false)", (str(BASELINE_TIMEOUT_MS),)
            )
        history = IssueHistory(db)
        logger = WorkflowLogger(db)
        some_id = raw.execute(
            "SELECT id FROM issue_processing_history WHERE status = 'completed' "
            "ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        history_id = some_id[0] if some_id else 1

        cases: list[tuple[str, Callable[[], Any], tuple | None, tuple | None]] = [
            ("stats()", history.stats, ("stats", {}), ("stats", {})),
            (
                "daily_stats(7)",
                lambda: history.daily_stats(7),
                ("daily_stats", {"days": 7}),
                ("daily_stats", {"days": 7}),
            ),
            (
                "llm_cost(7)",
                lambda: history.llm_cost(7),
                ("llm_cost_daily", {"days": 7}),
                ("llm_cost", {"days": 7}),
            ),
            ("history(20)", lambda: history.history(20), None, ("history", {"limit": 20})),
            (
                "v_recent_issues LIMIT 20",
                _run_raw(ours_conn, "recent_issues", {"limit": 20}),
                None,
                ("recent_issues", {"limit": 20}),
            ),
            (
                "detail(id)",
                lambda: history.detail(history_id),
                None,
                ("detail", {"history_id": history_id}),
            ),
            (
                "weekly_success_trend(3 months)",
                lambda: history.weekly_success_trend(3),
                ("weekly_success_trend", {"months": 3}),
                ("weekly_success_trend", {}),
            ),
            (
                "top_modified_files(10)",
                lambda: history.top_modified_files(10),
                ("top_modified_files", {"limit": 10, "days": None}),
                ("top_modified_files", {}),
            ),
            (
                "llm_cost_by_model(30 days)",
                lambda: history.llm_cost_by_model(30),
                ("llm_cost_by_model", {"days": 30}),
                ("llm_cost_by_model", {}),
            ),
            (
                "hourly_throughput(7 days)",
                lambda: history.hourly_throughput(7),
                ("hourly_throughput", {"days": 7}),
                ("hourly_throughput", {}),
            ),
            (
                "failure_reasons(30 days)",
                lambda: history.failure_reasons(30, 20),
                None,
                ("failure_reasons", {}),
            ),
            (
                "api_calls_per_hour(24 h)",
                lambda: history.api_calls_per_hour(24),
                None,
                ("api_calls_per_hour", {}),
            ),
            (
                "duration_percentiles(30 days)",
                lambda: history.duration_percentiles(30),
                None,
                ("duration_percentiles", {}),
            ),
            ("node_performance()", logger.node_performance, ("workflows_stats_nodes", {}), None),
            (
                "generation_usage(30)",
                lambda: logger.generation_usage(30),
                ("workflows_stats_usage", {"days": 30}),
                None,
            ),
            (
                "workflows_daily(30)",
                lambda: logger.workflows_daily(30),
                ("workflows_stats_daily", {"days": 30}),
                None,
            ),
        ]
        results.extend(_pending(dsn, history, reps, quiet))
        for label, ours, raw_case, doc_case in cases:
            ours_timings = repeat(ours, reps)
            raw_timings = None
            if raw_case is not None:
                raw_timings, _ = _document(_run_raw(raw, *raw_case))
            doc_timings, timed_out = (None, False)
            if doc_case is not None:
                doc_timings, timed_out = _document(_run_sql(doc, *doc_case))
            results.append(ReadResult(label, ours_timings, raw_timings, doc_timings, timed_out))
            log(
                f"  {label:<34} ours p50 {1000 * ours_timings.p50:9.2f} ms"
                + (f"   document p50 {1000 * doc_timings.p50:10.1f} ms" if doc_timings else ""),
                quiet=quiet,
            )
    return DashboardReport(results, found)
