"""One meaning of "unpriced" everywhere (issue 11, item 5).

A call is priced (it has a cost), unpriced (token counts came back but no price covers its
model) or of unknown usage (no token count came back). stats(), llm_cost(), the rollups of
migration 0010/0022, pfr stats, pfr show, pfr workflow, pfr doctor and the dashboard count
the three apart, and none shows an unknown cost as $0.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from _web import get, serve

from pydal_free_repo import IssueHistory, WorkflowLogger
from pydal_free_repo.cli import main
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.schema import _backend, _migrations, migrate
from tests._pricing import document_prices

UNPRICED_MODEL = "acme-coder-1"  # nobody prices it

# The raw truth the rollups must equal: the three kinds, by the one definition.
RAW_COUNTS = """
SELECT
    COUNT(*) FILTER (WHERE estimated_cost IS NOT NULL) AS priced,
    COUNT(*) FILTER (
        WHERE estimated_cost IS NULL
          AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)
    ) AS unpriced,
    COUNT(*) FILTER (
        WHERE estimated_cost IS NULL AND prompt_tokens IS NULL AND completion_tokens IS NULL
    ) AS unknown_usage,
    SUM(estimated_cost) AS cost
FROM llm_call_history
"""


def record_three_kinds(db) -> tuple[int, int]:
    """One run and one workflow, each with a priced, an unpriced and an unknown-usage call."""
    document_prices(db)  # gpt-4o at 5 / 2.5 cached / 15 USD per 1M tokens
    issues = IssueHistory(db)
    run = issues.claim({"key": "WORDS-1"}).history_id
    issues.record_llm_call(
        run,
        call_type="code_diff",
        model="gpt-4o",
        prompt_tokens=1000,
        cached_input_tokens=200,
        cache_write_input_tokens=100,
        completion_tokens=300,
        reasoning_tokens=50,
    )
    issues.record_llm_call(
        run, call_type="code_diff", model=UNPRICED_MODEL, prompt_tokens=40, completion_tokens=2
    )
    issues.record_llm_call(run, call_type="code_diff", model=UNPRICED_MODEL)  # no usage back
    log = WorkflowLogger(db)
    workflow = log.start_workflow(log.get_or_create_user("words").id, {"user_input": "x"})
    with log.node_context("plan", "analysis"):
        log.log_generation(
            "gpt-4o",
            "p",
            "o",
            prompt_tokens=1000,
            cached_input_tokens=200,
            cache_write_input_tokens=100,
            completion_tokens=300,
            reasoning_tokens=50,
        )
        log.log_generation(UNPRICED_MODEL, "p", "o", prompt_tokens=40, completion_tokens=2)
        log.log_generation(UNPRICED_MODEL, "p", "o")
    return run, workflow.id


@pytest.fixture
def three(db):
    return record_three_kinds(db)


def raw_counts(dsn: str) -> tuple:
    with psycopg.connect(dsn) as conn:
        return conn.execute(RAW_COUNTS).fetchone()


def cli(capsys, dsn: str, *args: str) -> str:
    assert main(["--dsn", dsn, *args]) == 0
    return capsys.readouterr().out


def test_stats_and_llm_cost_count_the_three_kinds_exactly_before_and_after_the_refresh(
    three, db, dsn
):
    issues = IssueHistory(db)
    priced, unpriced, unknown, cost = raw_counts(dsn)
    assert (priced, unpriced, unknown) == (1, 1, 1)
    for refreshed in (False, True):
        if refreshed:
            assert run_job(db, "rollups").status == "succeeded"
            with psycopg.connect(dsn) as conn:  # the rollup rows themselves, not the raw rows
                assert conn.execute(
                    "SELECT SUM(calls), SUM(priced_calls), SUM(unknown_usage_calls)"
                    " FROM llm_calls_hourly"
                ).fetchone() == (3, 1, 1)
                assert (
                    conn.execute("SELECT count(*) FROM rollup_dirty_llm_call_hours").fetchone()[0]
                    == 0
                )
        stats = issues.stats()
        assert stats["total_llm_calls"] == 3
        assert (
            stats["priced_llm_calls"],
            stats["unpriced_llm_calls"],
            stats["unknown_usage_llm_calls"],
        ) == (priced, unpriced, unknown)
        assert stats["total_llm_cost_usd"] == cost
        (day,) = issues.llm_cost(days=1)
        assert (day["priced_calls"], day["unpriced_calls"], day["unknown_usage_calls"]) == (1, 1, 1)
        assert day["total_cost"] == cost
        by_model = {r["model"]: r for r in issues.llm_cost_by_model(days=1)}
        acme = by_model[UNPRICED_MODEL]
        assert (acme["total_cost"], acme["unpriced_calls"], acme["unknown_usage_calls"]) == (
            None,
            1,
            1,
        )
        assert by_model["gpt-4o"]["total_cost"] == cost


def test_the_cli_reports_use_the_words_and_never_show_an_unknown_cost_as_zero(three, dsn, capsys):
    run, workflow = three
    stats = json.loads(cli(capsys, dsn, "stats", "--json"))
    assert (
        stats["priced_llm_calls"],
        stats["unpriced_llm_calls"],
        stats["unknown_usage_llm_calls"],
    ) == (1, 1, 1)
    out = cli(capsys, dsn, "stats", "llm-cost", "--days", "1")
    assert "unknown_usage_calls" in out and "$0" not in out

    shown = cli(capsys, dsn, "show", str(run))
    assert "unknown_usage_llm_calls" in shown and "$0" not in shown
    for word in ("priced", "unpriced", "unknown usage"):
        assert f"  {word}  " in shown  # the pricing column of each call
    for column in ("cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens"):
        assert column in shown
    detail = json.loads(cli(capsys, dsn, "show", str(run), "--json"))
    assert [c["pricing"] for c in detail["llm_calls"]] == ["priced", "unpriced", "unknown usage"]
    first = detail["llm_calls"][0]
    assert (first["cache_write_input_tokens"], first["reasoning_tokens"]) == (100, 50)

    out = cli(capsys, dsn, "workflow", str(workflow))
    assert "(1 priced, 1 unpriced, 1 unknown usage)" in out and "$0 " not in out
    for column in ("cached", "cache_write", "reasoning"):
        assert column in out

    doctor = json.loads(cli(capsys, dsn, "doctor", "--json"))
    assert {(r["table_name"], r["model"], r["calls"]) for r in doctor["unpriced_llm_calls"]} == {
        ("llm_call_history", UNPRICED_MODEL, 1),
        ("generations", UNPRICED_MODEL, 1),
    }
    assert {
        (r["table_name"], r["model"], r["calls"]) for r in doctor["unknown_usage_llm_calls"]
    } == {("llm_call_history", UNPRICED_MODEL, 1), ("generations", UNPRICED_MODEL, 1)}
    text = cli(capsys, dsn, "doctor")
    assert "== unpriced llm calls ==" in text and "== unknown usage llm calls ==" in text


def test_the_dashboard_reports_the_three_counts(three, dsn):
    run, workflow = three
    with serve(dsn) as url:
        status, stats, _ = get(url + "/stats")
        assert status == 200
        assert (
            stats["priced_llm_calls"],
            stats["unpriced_llm_calls"],
            stats["unknown_usage_llm_calls"],
        ) == (1, 1, 1)
        rows = get(url + "/stats/llm-cost/models?days=1")[1]
        acme = next(r for r in rows if r["model"] == UNPRICED_MODEL)
        assert (acme["total_cost"], acme["unpriced_calls"], acme["unknown_usage_calls"]) == (
            None,
            1,
            1,
        )
        usage = get(url + "/workflows/stats/usage?days=1")[1]
        acme = next(r for r in usage if r["model_name"] == UNPRICED_MODEL)
        assert (acme["total_cost"], acme["unpriced_calls"], acme["unknown_usage_calls"]) == (
            None,
            1,
            1,
        )
        overview = get(url + "/ui/")[1]
        assert "1 unpriced call" in overview and "1 call of unknown usage" in overview
        page = get(url + f"/ui/runs/{run}")[1]
        assert 'data-cost="unknown usage"' in page and 'data-cost="unpriced"' in page
        assert "cache write 100" in page and "reasoning 50" in page
        page = get(url + f"/ui/workflows/{workflow}")[1]
        assert "+ 1 unpriced + 1 unknown usage" in page
        assert 'data-cost="unknown usage"' in page and '<th class="n">reasoning</th>' in page
        listing = get(url + "/ui/workflows")[1]
        assert "+ 1 unpriced + 1 unknown usage" in listing
        for text in (overview, page, listing):
            assert "$0 " not in text and "$0<" not in text


def apply_up_to(dsn: str, last: str) -> None:
    with _backend(dsn) as backend:
        pending = backend.to_apply(_migrations())
        backend.apply_migrations(type(pending)([m for m in pending if m.id <= last]))


def test_migration_0022_keeps_the_rollups_exact_for_rows_counted_before_it(empty_dsn):
    apply_up_to(empty_dsn, "0021_price_from_catalogue")
    with psycopg.connect(empty_dsn) as conn:
        run = conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status)"
            " VALUES ('M-22', 'processing') RETURNING id"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens,"
            " completion_tokens, provided_cost, created_at) VALUES"
            " (%(run)s, 'other', 'm', 10, 5, 0.25, now() - INTERVAL '3 days'),"
            " (%(run)s, 'other', 'm', 10, 5, NULL, now() - INTERVAL '3 days'),"
            " (%(run)s, 'other', 'm', NULL, NULL, NULL, now() - INTERVAL '3 days'),"
            " (%(run)s, 'other', 'm', NULL, NULL, NULL, now())",
            {"run": run},
        )
        conn.execute("SELECT pfr_rollup_refresh()")  # rollup rows in the old shape
    migrate(empty_dsn)
    totals = (
        "SELECT SUM(calls)::INT, SUM(priced_calls)::INT, SUM(unknown_usage_calls)::INT,"
        " SUM(prompt_tokens_sum)::INT, SUM(completion_tokens_sum)::INT FROM {}"
    )
    with psycopg.connect(empty_dsn) as conn:
        # Before any refresh: the hours the rollups held are marked, the views read them raw.
        assert conn.execute("SELECT count(*) FROM rollup_dirty_llm_call_hours").fetchone()[0] > 0
        for view in ("v_llm_calls_hourly", "v_llm_calls_daily"):
            assert conn.execute(totals.format(view)).fetchone() == (4, 1, 2, 20, 10), view
        conn.execute("SELECT pfr_rollup_refresh()")
        for table in ("llm_calls_hourly", "llm_calls_daily", "v_llm_calls_daily"):
            assert conn.execute(totals.format(table)).fetchone() == (4, 1, 2, 20, 10), table
        row = conn.execute(
            "SELECT unpriced_calls, unknown_usage_calls FROM v_llm_cost_daily"
            " WHERE date = CURRENT_DATE - 3"
        ).fetchone()
        assert row == (1, 1)
        assert conn.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = 'pfr_rollup_refresh'"
        ).fetchone()[0] == ["search_path=pg_catalog, public, pg_temp"]


def test_a_cost_no_call_has_is_unknown_in_words_never_zero(db, dsn, capsys):
    issues = IssueHistory(db)
    run = issues.claim({"key": "WORDS-2"}).history_id
    issues.record_llm_call(run, call_type="other", model=UNPRICED_MODEL, prompt_tokens=3)
    issues.record_llm_call(run, call_type="other", model=UNPRICED_MODEL)
    for args in (("stats",), ("show", str(run))):
        out = cli(capsys, dsn, *args)
        assert "unknown (no call is priced)" in out and "$0" not in out
    assert json.loads(cli(capsys, dsn, "stats", "--json"))["total_llm_cost_usd"] is None
    with serve(dsn) as url:
        page = get(url + f"/ui/runs/{run}")[1].split("<footer>")[0]  # footer: "never $0"
        assert "1 unpriced, 1 unknown usage" in page and "$0" not in page
