"""``pfr workflows`` and ``pfr workflow ID`` on a real database."""

from __future__ import annotations

import json

import pytest

from pydal_free_repo import WorkflowLogger
from pydal_free_repo.cli import main
from tests._pricing import document_prices


@pytest.fixture
def runs(db):
    document_prices(db)
    log = WorkflowLogger(db)
    alice = log.get_or_create_user("alice")
    first = log.start_workflow(alice.id, {"user_input": "museum day"})
    with log.node_context("analyze_user_input", "analysis"):
        log.log_generation("gpt-4o", "p", "o", prompt_tokens=1000, completion_tokens=1000)
    with pytest.raises(KeyError), log.node_context("search_places", "search"):
        raise KeyError("radius")
    log.fail_workflow("no places")
    bob = log.get_or_create_user("bob")
    second = log.start_workflow(bob.id, {"user_input": "beach"})
    return first.id, second.id


def run_json(capsys, dsn, *args):
    assert main(["--dsn", dsn, *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_workflows_lists_and_filters(runs, dsn, capsys):
    assert [r["username"] for r in run_json(capsys, dsn, "workflows")] == ["bob", "alice"]
    (alice,) = run_json(capsys, dsn, "workflows", "--user", "alice", "--status", "failed")
    assert (alice["node_count"], alice["failed_nodes"], alice["generation_count"]) == (2, 1, 1)
    assert alice["total_cost"] == pytest.approx(0.02)
    assert run_json(capsys, dsn, "workflows", "--status", "completed") == []


def test_workflow_shows_the_timeline_and_generations(runs, dsn, capsys):
    first, _ = runs
    assert main(["--dsn", dsn, "workflow", str(first)]) == 0
    out = capsys.readouterr().out
    assert "analyze_user_input" in out and "search_places" in out
    assert "KeyError: 'radius'" in out
    assert "total: 2000 tokens, cost $0.020000 (1 priced)" in out
    data = run_json(capsys, dsn, "workflow", str(first))
    assert [n["execution_order"] for n in data["nodes"]] == [1, 2]
    assert data["nodes"][1]["status"] == "failed"
    assert data["generations"][0]["total_tokens"] == 2000
    assert data["totals"]["total_cost"] == pytest.approx(0.02)


def test_workflow_never_shows_an_unknown_cost_as_zero(db, dsn, capsys):
    log = WorkflowLogger(db)
    run = log.start_workflow(log.get_or_create_user("carol").id, {"user_input": "x"})
    log.log_generation(
        "llama3.2",
        "p",
        "o",
        model_provider="ollama",
        usage={"eval_count": 9, "prompt_eval_count": 3, "model": "llama3.2"},
    )
    log.log_generation("llama3.2", "p", "o")  # failed before any usage came back
    assert main(["--dsn", dsn, "workflow", str(run.id)]) == 0
    out = capsys.readouterr().out
    assert "cost unknown (1 unpriced, 1 unknown usage)" in out and "$0" not in out
    (row,) = run_json(capsys, dsn, "workflows", "--user", "carol")
    assert (row["total_cost"], row["unpriced"], row["unknown_usage"]) == (None, 1, 1)


def test_an_unknown_workflow_is_an_error(dsn, capsys):
    assert main(["--dsn", dsn, "workflow", "424242"]) == 1
    assert "no workflow with id 424242" in capsys.readouterr().err


def test_workflow_stats_print_the_views(runs, dsn, capsys):
    (nodes_row, *_) = run_json(capsys, dsn, "workflow-stats", "nodes")
    assert nodes_row["calls"] == 1
    usage = run_json(capsys, dsn, "workflow-stats", "usage", "--days", "7")
    assert [(r["model_name"], r["calls"]) for r in usage] == [("gpt-4o", 1)]
    daily = run_json(capsys, dsn, "workflow-stats", "daily")
    assert sorted((r["status"], r["workflows"]) for r in daily) == [("failed", 1), ("running", 1)]
