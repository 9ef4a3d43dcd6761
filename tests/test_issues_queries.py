"""Every read of the issue history on a small hand-computed data set.

Runs are moved back in time with the demo's named query (issues/demo_backdate), which
shifts a run and its child rows by whole days, so DATE(created_at) is CURRENT_DATE
minus that many days in any session TimeZone without daylight saving.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from _issue_fixtures import issues  # noqa: F401 (sync and async, see the module)

from pydal_free_repo.cli.output import to_jsonable
from pydal_free_repo.errors import InvalidValue
from tests._pricing import document_prices

DAY = 86400


def backdate(db, history_id: int, days: int, duration: int) -> None:
    db.fetch_one(
        "issues/demo_backdate",
        {"history_id": history_id, "shift_seconds": days * DAY, "duration_seconds": duration},
    )


@pytest.fixture
def data(issues, db) -> dict[str, int]:
    """A: completed 3 days ago (100 s); B: failed 1 day ago (50 s); C: no changes 10 days
    ago (30 s); D: processing now; E: queued now; F: failed 120 days ago (20 s).
    Priced with document 004's prices, set as the user's own."""
    document_prices(db)
    ids = {}
    a = ids["A"] = issues.claim({"key": "PROJ-1", "fields": {"summary": "first"}}).history_id
    issues.record_file_modification(a, file_path="a.c", action="modified", diff_count=3)
    issues.record_file_modification(a, file_path="b.c", action="created", diff_count=1)
    issues.record_llm_call(
        a, call_type="spec_conversion", model="gpt-4o", prompt_tokens=1000, completion_tokens=500
    )
    issues.record_llm_call(
        a,
        call_type="code_diff",
        model="gpt-3.5-turbo",
        prompt_tokens=1000,
        completion_tokens=1000,
    )
    issues.record_llm_call(
        a,
        call_type="code_diff",
        model="mystery",
        prompt_tokens=0,
        completion_tokens=0,
        cache_hit=True,
    )
    issues.record_api_call(a, api_method="GET", endpoint="/src/a.c", status_code=200)
    issues.record_api_call(
        a, api_method="POST", endpoint="/src", status_code=500, error_message="boom"
    )
    issues.complete(a, pr_url="https://bb/pr/1", branch_name="f/PROJ-1", modified_files_count=2)
    backdate(db, a, 3, 100)

    b = ids["B"] = issues.claim({"key": "PROJ-2", "fields": {"summary": "second"}}).history_id
    issues.record_file_modification(b, file_path="a.c", action="modified", diff_count=2)
    issues.record_llm_call(
        b, call_type="code_diff", model="gpt-4o", prompt_tokens=2000, completion_tokens=0
    )
    issues.fail(b, "Timeout talking to LLM")
    backdate(db, b, 1, 50)

    c = ids["C"] = issues.claim({"key": "PROJ-3"}).history_id
    issues.complete_no_changes(c)
    backdate(db, c, 10, 30)

    d = ids["D"] = issues.claim({"key": "PROJ-4"}).history_id
    issues.record_api_call(d, api_method="GET", endpoint="/src/x", status_code=200)
    issues.record_api_call(d, api_method="GET", endpoint="/src/y", status_code=404)
    issues.record_api_call(d, api_method="POST", endpoint="/src", error_message="reset")

    ids["E"] = issues.enqueue({"key": "PROJ-5"}).history_id

    f = ids["F"] = issues.claim({"key": "PROJ-6"}).history_id
    issues.fail(f, "Timeout talking to LLM")
    backdate(db, f, 120, 20)
    return ids


def test_history_order_and_filters(issues, data):
    keys = [h.issue_key for h in issues.history()]
    assert keys == ["PROJ-5", "PROJ-4", "PROJ-2", "PROJ-1", "PROJ-3", "PROJ-6"]
    assert [h.issue_key for h in issues.history(limit=2)] == ["PROJ-5", "PROJ-4"]
    assert [h.id for h in issues.history(status="completed")] == [data["A"], data["C"]]
    (b,) = issues.history(issue_key="PROJ-2")
    assert (b.status, b.duration, b.error_message) == ("failed", 50, "Timeout talking to LLM")
    assert issues.history(status="failed", issue_key="PROJ-1") == []


def test_history_refuses_unknown_status_and_bad_limit(issues):
    with pytest.raises(InvalidValue, match="status must be one of queued, processing"):
        issues.history(status="done")
    with pytest.raises(InvalidValue, match="limit"):
        issues.history(limit=0)


def test_detail_has_files_calls_and_exact_total_cost(issues, data):
    detail = issues.detail(data["A"])
    assert (detail.issue_key, detail.status, detail.duration) == ("PROJ-1", "completed", 100)
    assert (detail.branch_name, detail.pr_url) == ("f/PROJ-1", "https://bb/pr/1")
    assert [(f.path, f.action, f.diff_count) for f in detail.files] == [
        ("a.c", "modified", 3),
        ("b.c", "created", 1),
    ]
    assert [(c.model, c.total_tokens, c.cost, c.cache_hit) for c in detail.llm_calls] == [
        ("gpt-4o", 1500, Decimal("0.0125"), False),
        ("gpt-3.5-turbo", 2000, Decimal("0.002"), False),
        ("mystery", 0, None, True),
    ]
    assert detail.total_llm_cost == Decimal("0.0145")
    assert detail.unpriced_llm_calls == 1
    assert [(c.method, c.status_code) for c in detail.api_calls] == [("GET", 200), ("POST", 500)]
    json.dumps(to_jsonable(detail))


def test_detail_of_unknown_id_is_none(issues, data):
    assert issues.detail(987654) is None


def test_stats(issues, data):
    stats = issues.stats()
    assert stats == {
        "total_issues": 6,
        "queued": 1,
        "processing": 1,
        "completed": 2,
        "no_changes": 1,
        "failed": 2,
        "success_rate": Decimal("33.33"),
        "avg_duration_seconds": Decimal("65.00"),
        "total_llm_cost_usd": Decimal("0.0245"),
        "total_llm_calls": 4,
        "priced_llm_calls": 3,
        "unpriced_llm_calls": 1,
        "unknown_usage_llm_calls": 0,
        "cache_hit_rate": Decimal("25.00"),
    }


def test_stats_of_an_empty_database_are_zeros(issues):
    stats = issues.stats()
    assert stats["total_issues"] == 0
    assert stats["success_rate"] == 0
    assert stats["total_llm_cost_usd"] is None  # no priced call: unknown, not $0
    assert stats["cache_hit_rate"] == 0


def test_daily_stats_window(issues, data):
    rows = issues.daily_stats(days=7)
    base = rows[0]["date"]
    assert [(base - r["date"]).days for r in rows] == [0, 1, 3]
    now, one, three = rows
    assert (now["total_issues"], now["processing"], now["queued"]) == (2, 1, 1)
    assert (one["failed"], one["success_rate"]) == (1, Decimal("0.00"))
    assert (three["completed"], three["success_rate"], three["avg_duration"]) == (
        1,
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert three["total_files_modified"] == 2
    assert len(issues.daily_stats(days=10)) == 4
    assert len(issues.daily_stats(days=0)) == 1


def test_llm_cost_per_day_and_call_type(issues, data):
    rows = issues.llm_cost(days=7)
    got = [
        (r["call_type"], r["total_calls"], r["cache_hits"], r["total_tokens"], r["total_cost"])
        for r in rows
    ]
    assert got == [
        ("code_diff", 1, 0, 2000, Decimal("0.01")),
        ("code_diff", 2, 1, 2000, Decimal("0.002")),
        ("spec_conversion", 1, 0, 1500, Decimal("0.0125")),
    ]
    assert rows[1]["cache_hit_rate"] == Decimal("50.00")
    assert rows[1]["unpriced_calls"] == 1
    assert issues.llm_cost(days=0) == []


def test_file_history(issues, data):
    rows = issues.file_history("a.c")
    assert [(r.issue_key, r.diff_count, r.status) for r in rows] == [
        ("PROJ-2", 2, "failed"),
        ("PROJ-1", 3, "completed"),
    ]
    assert rows[1].pr_url == "https://bb/pr/1"
    assert len(issues.file_history("a.c", limit=1)) == 1
    assert issues.file_history("nope.c") == []


def test_weekly_success_trend(issues, data):
    rows = issues.weekly_success_trend()
    assert sum(r["total"] for r in rows) == 5  # F is older than 3 months
    assert sum(r["success"] for r in rows) == 2
    assert [r["week"] for r in rows] == sorted((r["week"] for r in rows), reverse=True)
    longer = issues.weekly_success_trend(months=6)
    assert sum(r["total"] for r in longer) == 6


def test_top_modified_files(issues, data):
    rows = issues.top_modified_files()
    assert [(r["file_path"], r["modification_count"], r["unique_issues"]) for r in rows] == [
        ("a.c", 2, 2),
        ("b.c", 1, 1),
    ]
    assert [r["file_path"] for r in issues.top_modified_files(limit=1)] == ["a.c"]
    recent = issues.top_modified_files(days=2)
    assert [(r["file_path"], r["modification_count"]) for r in recent] == [("a.c", 1)]


def test_llm_cost_by_model(issues, data):
    rows = issues.llm_cost_by_model()
    assert [(r["model"], r["call_type"], r["total_cost"], r["unpriced_calls"]) for r in rows] == [
        ("gpt-4o", "spec_conversion", Decimal("0.0125"), 0),
        ("gpt-4o", "code_diff", Decimal("0.01"), 0),
        ("gpt-3.5-turbo", "code_diff", Decimal("0.002"), 0),
        ("mystery", "code_diff", None, 1),
    ]
    assert rows[3]["cache_hit_rate"] == Decimal("100.00")


def test_hourly_throughput(issues, data):
    (row,) = issues.hourly_throughput()
    assert (row["issue_count"], row["avg_duration"]) == (1, Decimal("100.00"))
    assert 0 <= row["hour"] <= 23
    assert sum(r["issue_count"] for r in issues.hourly_throughput(days=30)) == 2


def test_failure_reasons(issues, data):
    assert [(r["error_preview"], r["occurrence_count"]) for r in issues.failure_reasons()] == [
        ("Timeout talking to LLM", 1)
    ]
    (row,) = issues.failure_reasons(days=365)
    assert row["occurrence_count"] == 2


def test_api_calls_per_hour(issues, data):
    rows = issues.api_calls_per_hour()
    got = {(r["api_method"], r["call_count"], r["error_count"], r["no_response"]) for r in rows}
    assert got == {("GET", 2, 1, 0), ("POST", 1, 0, 1)}
    wider = issues.api_calls_per_hour(hours=24 * 5)
    assert sum(r["call_count"] for r in wider) == 5


def test_duration_percentiles(issues, data):
    (row,) = issues.duration_percentiles()
    assert row["completed_runs"] == 2
    assert (row["p50"], row["p75"], row["p90"], row["p95"]) == (65.0, 82.5, 93.0, 96.5)
    assert row["p99"] == pytest.approx(99.3)


def test_analytics_by_name_and_bad_parameters(issues, data):
    assert issues.analytics("top_modified_files", limit=1)[0]["file_path"] == "a.c"
    with pytest.raises(InvalidValue, match="no analytics query named 'nope'"):
        issues.analytics("nope")
    with pytest.raises(InvalidValue, match="takes no parameter hours"):
        issues.analytics("failure_reasons", hours=3)
    with pytest.raises(InvalidValue, match="days must be a whole number"):
        issues.analytics("llm_cost_by_model", days=-1)


def test_every_read_is_json_serializable(issues, data):
    reads = [
        issues.history(),
        issues.detail(data["A"]),
        issues.stats(),
        issues.daily_stats(),
        issues.llm_cost(),
        issues.file_history("a.c"),
        *(issues.analytics(name) for name in ("weekly_success_trend", "duration_percentiles")),
    ]
    for value in reads:
        json.loads(json.dumps(to_jsonable(value)))
