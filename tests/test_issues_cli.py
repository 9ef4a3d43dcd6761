"""The issue-history commands: --json parses, human output is an aligned table, demo fills
every view and query."""

from __future__ import annotations

import io
import json

import pytest

from pydal_free_repo import IssueHistory
from pydal_free_repo.cli import main
from pydal_free_repo.cli.issues import ProgressBar
from pydal_free_repo.issues.analytics import ANALYTICS
from pydal_free_repo.issues.demo import write_demo_data


def run_json(capsys, dsn, *args):
    code = main(["--dsn", dsn, *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def demo(db) -> dict:
    return write_demo_data(db, issues=30, days=20, seed=11)


def test_demo_writes_every_kind_of_outcome(demo):
    assert demo["issues"] == 30
    outcomes = ("completed", "no_changes", "failed", "processing", "queued")
    assert sum(demo[o] for o in outcomes) == 30
    assert all(demo[o] >= 1 for o in outcomes), demo
    assert demo["refused_duplicates"] >= 1
    assert demo["llm_calls"] > 0 and demo["api_calls"] > 0 and demo["files"] > 0


def test_demo_data_makes_every_view_and_query_show_something(db, demo):
    issues = IssueHistory(db)
    stats = issues.stats()
    assert stats["total_issues"] == 30
    assert stats["unpriced_llm_calls"] > 0  # one model has no price
    assert 0 < stats["cache_hit_rate"] < 100
    assert len(issues.daily_stats(days=20)) > 1
    assert len(issues.llm_cost(days=20)) > 1
    assert any(r["modification_count"] > 1 for r in issues.top_modified_files())
    for name in ANALYTICS:
        assert issues.analytics(name), name
    errors = issues.api_calls_per_hour(hours=24 * 21)
    assert sum(r["error_count"] for r in errors) > 0
    failed = issues.history(status="failed", limit=1)[0]
    assert issues.detail(failed.id).error_message
    for run in issues.history(status="completed", limit=100):
        detail = issues.detail(run.id)
        no_changes = detail.result_data["status"] == "no_changes"
        assert (detail.files == []) == no_changes
        assert (detail.pr_url is None) == no_changes


def test_every_read_command_prints_json(capsys, dsn, demo):
    history = run_json(capsys, dsn, "history", "--limit", "5")
    assert len(history) == 5
    assert {"id", "issue_key", "status", "duration", "pr_url"} <= set(history[0])
    completed = run_json(capsys, dsn, "history", "--status", "completed", "--limit", "1")[0]
    detail = run_json(capsys, dsn, "show", str(completed["id"]))
    assert detail["issue_key"] == completed["issue_key"]
    assert {"path", "action", "diff_count", "encoding"} <= set(detail["files"][0])
    assert {"call_type", "model", "total_tokens", "cost", "cache_hit", "duration"} <= set(
        detail["llm_calls"][0]
    )
    assert isinstance(detail["total_llm_cost"], float)
    assert run_json(capsys, dsn, "stats")["total_issues"] == 30
    assert run_json(capsys, dsn, "stats", "daily", "--days", "20")
    assert run_json(capsys, dsn, "stats", "llm-cost", "--days", "20")
    path = detail["files"][0]["path"]
    assert run_json(capsys, dsn, "files", path)[0]["file_path"] == path
    listing = run_json(capsys, dsn, "analytics")
    assert [a["name"] for a in listing] == list(ANALYTICS)
    for name in ANALYTICS:
        assert isinstance(run_json(capsys, dsn, "analytics", name), list)
    assert len(run_json(capsys, dsn, "analytics", "top_modified_files", "--limit", "2")) == 2


def test_human_output_is_an_aligned_table(capsys, dsn, demo):
    assert main(["--dsn", dsn, "history", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header, rule, *rows = lines
    assert header.split()[:3] == ["id", "issue_key", "status"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(rows) == 3
    status_at = header.index("status")
    assert all(row[status_at - 1] == " " for row in rows)


def test_show_unknown_id_fails_with_one_line(capsys, dsn):
    assert main(["--dsn", dsn, "show", "424242"]) == 1
    assert capsys.readouterr().err.strip() == "pfr: error: no issue history row with id 424242"


def test_analytics_refuses_a_window_the_query_does_not_take(capsys, dsn):
    assert main(["--dsn", dsn, "analytics", "failure_reasons", "--hours", "3"]) == 1
    assert "takes no parameter hours" in capsys.readouterr().err


def test_demo_command_json(capsys, dsn):
    result = run_json(capsys, dsn, "demo", "--issues", "6", "--days", "3", "--seed", "5")
    assert result["issues"]["issues"] == 6
    assert "workflows" in result
    assert run_json(capsys, dsn, "stats")["total_issues"] == 6


def test_progress_bar_draws_only_on_a_terminal():
    quiet = io.StringIO()
    bar = ProgressBar("issues", 4, stream=quiet)
    bar(2)
    bar.done()
    assert quiet.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = ProgressBar("issues", 4, stream=screen)
    bar(2)
    bar.done()
    assert screen.getvalue().startswith("\rissues [###############...............] 2/4")
    assert screen.getvalue().endswith("\n")
