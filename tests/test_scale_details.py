"""The smaller items of issue 13: node durations past 24.8 days, partition pruning on
lookups by run or workflow id, the indexes that serve the package's queries, and per-day
figures asked for in a time zone that is not a whole number of hours from UTC."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pydal_free_repo import Database, IssueHistory, queries
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.errors import PartialHourTimeZone
from pydal_free_repo.jobs.runner import run_job

NOW = dt.datetime.now(dt.timezone.utc)


def test_a_node_stuck_for_thirty_days_is_reaped_and_its_duration_saturates(db, dsn):
    long_ago = NOW - dt.timedelta(days=30)
    with psycopg.connect(dsn) as conn:
        user = conn.execute("INSERT INTO users (username) VALUES ('u') RETURNING id").fetchone()[0]
        workflow = conn.execute(
            "INSERT INTO workflows (user_id, status, created_at) VALUES (%s, 'running', %s)"
            " RETURNING id",
            (user, long_ago),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO nodes (workflow_id, node_name, node_type, execution_order, status,"
            " started_at, created_at) VALUES (%s, 'n', 'analysis', 1, 'running', %s, %s)",
            (workflow, long_ago, long_ago),
        )
        conn.execute("UPDATE workflows SET updated_at = %s WHERE id = %s", (long_ago, workflow))
    result = run_job(db, "reaper", JobsConfig())
    assert result.status == "succeeded", result.error
    assert result.details["workflows"] == [workflow]
    with psycopg.connect(dsn) as conn:
        node = conn.execute("SELECT status, duration_ms FROM nodes").fetchone()
    assert node == ("failed", 2_147_483_647)


def executed_partitions(plan: dict) -> set[str]:
    found = set()

    def walk(node: dict) -> None:
        if node.get("Relation Name") and node.get("Actual Loops", 0) > 0:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return found


def test_lookups_by_run_read_only_the_partitions_from_the_run_on(db, dsn):
    old_month = (NOW.replace(day=1) - dt.timedelta(days=200)).replace(day=1)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "SELECT pfr_create_month_partition('llm_call_history', %s::date)", (old_month,)
        )
        conn.execute(
            "SELECT pfr_create_month_partition('bitbucket_api_history', %s::date)", (old_month,)
        )
    repo = IssueHistory(db)
    run = repo.claim({"key": "PRUNE-1"}).history_id
    repo.record_llm_call(run, call_type="other", model="gpt-4o", prompt_tokens=1)
    repo.record_api_call(run, api_method="GET", endpoint="/x", status_code=200)
    assert len(repo.detail(run).llm_calls) == 1
    old = f"_p{old_month:%Y%m}"
    with psycopg.connect(dsn) as conn:
        for name in ("issues/run_llm_calls", "issues/run_api_calls"):
            explain = (
                psycopg.sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + queries.load(name).composed()
            )
            document = conn.execute(explain, {"history_id": run}).fetchone()[0]
            plan = (json.loads(document) if isinstance(document, str) else document)[0]
            touched = executed_partitions(plan)
            assert not any(old in relation for relation in touched), (name, touched)
            assert any("_p" in relation for relation in touched), (name, touched)


def test_the_indexes_serve_the_package_queries(dsn):
    with psycopg.connect(dsn) as conn:
        names = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
            ).fetchall()
        }
        invalid = conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone()[0]
    assert "idx_iph_issue_data" not in names and "idx_iph_result_data" not in names
    assert {"idx_iph_processing_started", "idx_workflows_running_updated_at"} <= names
    assert "idx_nodes_node_name_created_at" in names
    assert invalid == 0


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/St_Johns"])
def test_per_day_figures_in_a_partial_hour_zone_are_flagged(postgresql, zone):
    params = postgresql.info.get_parameters()
    dsn = make_conninfo(
        **params, password=postgresql.info.password or "", options=f"-c TimeZone={zone}"
    )
    with Database.connect(dsn, min_size=1, max_size=1) as db:
        repo = IssueHistory(db)
        for read in (repo.daily_stats, repo.llm_cost, repo.weekly_success_trend):
            with pytest.warns(PartialHourTimeZone, match=zone):
                read()


def test_per_day_figures_in_a_whole_hour_zone_are_not_flagged(db):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        IssueHistory(db).daily_stats()
