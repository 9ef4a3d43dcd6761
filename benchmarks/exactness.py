"""Fast path == raw path: every rollup-backed dashboard query against its raw original.

The raw originals are the repository's queries as they were before the rollups
(``benchmarks/raw_sql/``, over the raw tables and views). Both run in ONE repeatable-read
transaction, so they see the same rows and the same ``now()``; values are compared with
their type and their text (``Decimal('1.50')`` and ``Decimal('1.5')`` differ here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pydal_free_repo import queries

RAW_SQL = Path(__file__).resolve().parent / "raw_sql"


@dataclass(frozen=True)
class Pair:
    label: str
    fast: str  # a named query under sql/
    raw: str  # a file under benchmarks/raw_sql/
    params: dict[str, Any]


PAIRS = (
    Pair("stats()", "issues/stats_totals", "stats", {}),
    Pair("daily_stats(7)", "issues/stats_daily", "daily_stats", {"days": 7}),
    Pair("daily_stats(400)", "issues/stats_daily", "daily_stats", {"days": 400}),
    Pair("llm_cost(7)", "issues/stats_llm_cost_daily", "llm_cost_daily", {"days": 7}),
    Pair("llm_cost(400)", "issues/stats_llm_cost_daily", "llm_cost_daily", {"days": 400}),
    Pair("llm_tokens_daily(7)", "reports/llm_tokens_daily", "llm_tokens_daily", {"days": 7}),
    Pair("llm_tokens_daily(400)", "reports/llm_tokens_daily", "llm_tokens_daily", {"days": 400}),
    Pair(
        "weekly_success_trend(3)",
        "analytics/weekly_success_trend",
        "weekly_success_trend",
        {"months": 3},
    ),
    Pair("hourly_throughput(7)", "analytics/hourly_throughput", "hourly_throughput", {"days": 7}),
    Pair("llm_cost_by_model(30)", "analytics/llm_cost_by_model", "llm_cost_by_model", {"days": 30}),
    Pair(
        "top_modified_files(10)",
        "analytics/top_modified_files",
        "top_modified_files",
        {"limit": 10, "days": None},
    ),
    Pair(
        "top_modified_files(10, 30 days)",
        "analytics/top_modified_files",
        "top_modified_files",
        {"limit": 10, "days": 30},
    ),
    Pair(
        "generation_usage(30)",
        "workflows/stats_usage",
        "workflows_stats_usage",
        {"days": 30},
    ),
    Pair("node_performance()", "workflows/stats_nodes", "workflows_stats_nodes", {}),
    Pair(
        "workflows_daily(30)",
        "workflows/stats_daily",
        "workflows_stats_daily",
        {"days": 30},
    ),
)


def raw_text(name: str) -> str:
    return (RAW_SQL / f"{name}.sql").read_text()


def _shape(rows: list[dict[str, Any]]) -> list[tuple]:
    return [tuple((k, type(v).__name__, str(v)) for k, v in row.items()) for row in rows]


def mismatches(dsn: str, *, timezone: str | None = None) -> list[str]:
    """Labels (with the first differing rows) of every pair whose results differ, in a
    session with the given TimeZone (the server's default when None)."""
    found = []
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        if timezone is not None:
            conn.execute("SELECT set_config('TimeZone', %s, false)", (timezone,))
            conn.commit()
        with conn.transaction():
            for pair in PAIRS:
                fast = conn.execute(queries.load(pair.fast).composed(), pair.params).fetchall()
                raw = conn.execute(raw_text(pair.raw), pair.params).fetchall()
                if _shape(fast) != _shape(raw):
                    diff = next(
                        ((f, r) for f, r in zip(_shape(fast), _shape(raw), strict=False) if f != r),
                        (len(fast), len(raw)),
                    )
                    found.append(f"{pair.label}: {diff}")
    return found
