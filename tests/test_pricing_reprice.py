"""A price added after the fact reaches past calls and the dashboards; your price wins.

Calls of a model nobody prices are stored with a NULL cost ("unpriced", never $0); after
``pfr pricing set MODEL ... --reprice`` their cost is exact, ``stats()`` and
``llm_cost()`` (read from the rollups of migration 0010) include it, the run is in
``job_runs``, and a caller's ``provided_cost`` is untouched.
"""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg

from pydal_free_repo import IssueHistory
from pydal_free_repo.cli import main
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.workflows.logger import WorkflowLogger
from tests._pricing import expected_cost

MODEL = "acme-coder-1"


def own_cost(prompt: int, cached: int, completion: int) -> Decimal:
    # --input 3 --cached-input 0.3 --output 15 (USD per 1M tokens)
    return (
        Decimal(prompt - cached) * 3 + Decimal(cached) * Decimal("0.3") + Decimal(completion) * 15
    ) / 1_000_000


def test_a_price_added_later_reaches_past_calls_and_the_dashboards(dsn, db, capsys):
    issues = IssueHistory(db)
    run = issues.claim({"key": "PRICE-1"}).history_id
    usage = {
        "prompt_tokens": 40_000,
        "completion_tokens": 2_000,
        "total_tokens": 42_000,
        "prompt_tokens_details": {"cached_tokens": 30_000},
    }
    issues.record_llm_call(run, call_type="code_diff", model=MODEL, usage=usage)
    issues.record_llm_call(
        run,
        call_type="code_diff",
        model=MODEL,
        prompt_tokens=10,
        completion_tokens=10,
        provided_cost=Decimal("0.5"),
    )
    issues.record_llm_call(run, call_type="other", model=MODEL)  # no usage came back
    logger = WorkflowLogger(db)
    user = logger.get_or_create_user("pricing")
    workflow = logger.start_workflow(user.id, {"user_input": "x"})
    logger.log_generation(MODEL, usage=usage)

    detail = issues.detail(run)
    assert [call.pricing for call in detail.llm_calls] == ["unpriced", "priced", "unknown usage"]
    assert (detail.priced_llm_calls, detail.unpriced_llm_calls) == (1, 1)
    assert detail.unknown_usage_llm_calls == 1
    before = issues.stats()
    # stats() reads the rollups, which count unpriced and unknown-usage calls apart.
    assert before["priced_llm_calls"] == 1 and before["unpriced_llm_calls"] == 1
    assert before["unknown_usage_llm_calls"] == 1
    assert before["total_llm_cost_usd"] == Decimal("0.5")
    # Fold the rollups: the repricing must mark the hours it changes, or stats would lag.
    assert run_job(db, "rollups").status == "succeeded"

    assert (
        main(
            [
                "--dsn",
                dsn,
                "pricing",
                "set",
                MODEL,
                "--input",
                "3",
                "--output",
                "15",
                "--cached-input",
                "0.3",
                "--from",
                "2020-01-01",
                "--reprice",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["affected"] == {"llm_calls": 3, "generations": 1}
    assert result["reprice"]["llm_call_history"]["repriced"] == 2
    assert result["reprice"]["generations"]["repriced"] == 1

    cost = own_cost(40_000, 30_000, 2_000)
    detail = issues.detail(run)
    assert [call.cost for call in detail.llm_calls] == [cost, Decimal("0.5"), None]
    assert [call.pricing for call in detail.llm_calls] == ["priced", "priced", "unknown usage"]
    after = issues.stats()
    assert after["total_llm_cost_usd"] == cost + Decimal("0.5")
    assert after["priced_llm_calls"] == 2 and after["unpriced_llm_calls"] == 0
    assert after["unknown_usage_llm_calls"] == 1
    (day,) = [row for row in issues.llm_cost(days=1) if row["call_type"] == "code_diff"]
    assert day["total_cost"] == cost + Decimal("0.5") and day["unpriced_calls"] == 0
    assert day["priced_calls"] == 2
    (generation,) = logger.get_workflow_details(workflow.id)["generations"]
    assert generation.estimated_cost == cost
    with psycopg.connect(dsn) as conn:
        provided = conn.execute(
            "SELECT provided_cost, computed_cost FROM llm_call_history"
            " WHERE provided_cost IS NOT NULL"
        ).fetchone()
        assert provided == (Decimal("0.5"), own_cost(10, 0, 10))
        runs = conn.execute(
            "SELECT status, details->'llm_call_history'->>'repriced' FROM job_runs"
            " WHERE job_name = 'reprice'"
        ).fetchall()
    assert runs == [("succeeded", "2")]


def test_your_price_wins_but_only_for_its_exact_model(dsn, db, capsys):
    issues = IssueHistory(db)
    run = issues.claim({"key": "PRICE-2"}).history_id
    assert main(["--dsn", dsn, "pricing", "set", "gpt-4o", "--input", "1", "--output", "2"]) == 0
    assert "recorded calls are covered" in capsys.readouterr().out
    counts = {"prompt_tokens": 1_000, "completion_tokens": 100}
    mine = issues.record_llm_call(run, call_type="other", model="gpt-4o", **counts)
    mini = issues.record_llm_call(run, call_type="other", model="gpt-4o-mini", **counts)
    assert mine.computed_cost == Decimal("0.0012")  # 1,000 x $1/1M + 100 x $2/1M
    assert mini.computed_cost == expected_cost(
        "gpt-4o-mini", None, mini.created_at, input_tokens=1_000, output_tokens=100
    )
    with psycopg.connect(dsn) as conn:
        sources = conn.execute(
            "SELECT mp.source FROM llm_call_history AS lch"
            " JOIN model_pricing AS mp ON mp.id = lch.pricing_id ORDER BY lch.id"
        ).fetchall()
    assert sources == [("user",), ("genai-prices",)]

    assert main(["--dsn", dsn, "pricing", "list", "--model", "gpt-4o", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["source"] == "user" and listed[0]["model"] == "gpt-4o"
    assert any(row["source"] == "genai-prices" for row in listed)
    assert main(["--dsn", dsn, "pricing", "sync"]) == 0
    assert "already loaded" in capsys.readouterr().out


def test_prices_are_append_only(dsn):
    with psycopg.connect(dsn) as conn:
        try:
            conn.execute("DELETE FROM model_pricing WHERE source = 'genai-prices'")
        except psycopg.errors.RestrictViolation as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError("a price could be deleted")
