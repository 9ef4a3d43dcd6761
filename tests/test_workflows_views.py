"""The workflow statistics views of migration 0007 give exact figures."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from pydal_free_repo import WorkflowLogger
from pydal_free_repo.workflows.demo import write_demo_workflows
from tests._pricing import document_prices


def rows(dsn: str, query: str) -> list[dict]:
    with psycopg.connect(dsn, row_factory=psycopg.rows.dict_row) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(query).fetchall()


@pytest.fixture
def logged(db):
    document_prices(db)  # the figures below are document 004's prices
    log = WorkflowLogger(db)
    user = log.get_or_create_user("views")
    log.start_workflow(user.id, {"user_input": "one"})
    for _ in range(3):
        with log.node_context("search_places", "search"):
            log.log_generation(
                "gpt-4o",
                "p",
                "o",
                model_provider="openai",
                prompt_tokens=1000,
                completion_tokens=100,
                latency_ms=100,
            )
    with pytest.raises(RuntimeError), log.node_context("search_places", "search"):
        raise RuntimeError("down")
    log.log_generation(
        "llama3.2", "p", "o", model_provider="ollama", prompt_tokens=5, latency_ms=300
    )
    log.fail_workflow("down")
    log.start_workflow(user.id, {"user_input": "two"})
    log.complete_workflow({"final_itinerary": []})
    return log


def test_node_performance_counts_calls_failures_and_percentiles(logged, dsn):
    (row,) = rows(dsn, "SELECT * FROM v_node_performance")
    assert row["node_name"] == "search_places"
    assert (row["calls"], row["completed"], row["failures"]) == (4, 3, 1)
    assert row["failure_rate"] == Decimal("25.00")
    assert row["p50_duration_ms"] <= row["p95_duration_ms"] <= row["max_duration_ms"]


def test_generation_usage_per_day_model_and_provider(logged, dsn):
    usage = {r["model_name"]: r for r in rows(dsn, "SELECT * FROM v_generation_usage_daily")}
    gpt, llama = usage["gpt-4o"], usage["llama3.2"]
    assert (gpt["model_provider"], gpt["calls"], gpt["total_tokens"]) == ("openai", 3, 3300)
    # 3 x (1000 x $5 + 100 x $15) / 1M
    assert gpt["total_cost"] == Decimal("0.019500")
    assert gpt["avg_latency_ms"] == Decimal("100.0")
    assert (llama["calls"], llama["total_cost"], llama["unpriced_calls"]) == (1, None, 1)


def test_workflows_per_day_by_status(logged, dsn):
    by_status = {r["status"]: r["workflows"] for r in rows(dsn, "SELECT * FROM v_workflows_daily")}
    assert by_status == {"failed": 1, "completed": 1}


def test_demo_workflows_fill_the_views(db, dsn):
    assert write_demo_workflows(db, 12, 7, 3) == 12
    total = rows(dsn, "SELECT SUM(workflows) AS n FROM v_workflows_daily")[0]["n"]
    assert total == 12
    assert rows(dsn, "SELECT COUNT(*) AS n FROM v_node_performance")[0]["n"] >= 3
    stray = rows(dsn, "SELECT SUM(row_count) AS n FROM pfr_default_partition_rows()")[0]["n"]
    assert stray == 0
