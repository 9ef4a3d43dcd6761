"""The dashboard rollups (migration 0010) give exactly the raw figures, at every moment.

Each test writes rows, changes them, drops partitions..., and after every step compares
every rollup-backed query with its raw original (``benchmarks.exactness``: one
repeatable-read transaction, values compared with their types and text), before and
after the rollups job folds the markers in.
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from benchmarks import exactness
from benchmarks.generate import sql_text
from pydal_free_repo import BufferedWriter, Database, IssueHistory, repricing
from pydal_free_repo.jobs import rollups
from pydal_free_repo.jobs.runner import run_job

ISSUES = 400
WORKFLOWS = 150


def assert_exact(dsn: str, **kwargs: object) -> None:
    assert exactness.mismatches(dsn, **kwargs) == []


def refresh(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT rollup, buckets FROM pfr_rollup_refresh()").fetchall()
    return dict(rows)


def markers(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM rollup_dirty_issue_hours)"
            " + (SELECT count(*) FROM rollup_dirty_llm_call_hours)"
            " + (SELECT count(*) FROM rollup_dirty_files)"
        ).fetchone()[0]


@pytest.fixture
def year(dsn: str) -> str:
    """A year of runs, LLM calls, file changes and API calls, with monthly partitions."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        anchor = conn.execute("SELECT date_trunc('second', now())").fetchone()[0]
        for table in ("llm_call_history", "file_modification_history", "bitbucket_api_history"):
            conn.execute(
                "SELECT count(pfr_create_month_partition(%(table)s::REGCLASS, "
                "(date_trunc('month', %(anchor)s::TIMESTAMPTZ AT TIME ZONE 'UTC') "
                "+ make_interval(months => m))::DATE)) FROM generate_series(-13, 1) AS m",
                {"table": table, "anchor": anchor},
            )
        conn.execute(
            sql_text("generate_issues"),
            {"first": 1, "last": ISSUES, "total": ISSUES, "anchor": anchor},
        )
        ids = {"first_id": 1, "last_id": ISSUES}
        conn.execute(sql_text("generate_llm_calls"), {**ids, "per_issue": 5})
        conn.execute(sql_text("generate_files"), {**ids, "per_issue": 2})
        conn.execute(sql_text("generate_api_calls"), ids)
        conn.execute(sql_text("generate_users"), {"users": 5})
        conn.execute(
            sql_text("generate_workflows"),
            {
                "first": 1,
                "last": WORKFLOWS,
                "total": WORKFLOWS,
                "anchor": anchor,
                "first_user": 1,
                "users": 5,
            },
        )
        conn.execute(sql_text("generate_nodes"), {"first_id": 1, "last_id": WORKFLOWS})
        conn.execute(sql_text("generate_generations"), {"first_id": 1, "last_id": WORKFLOWS})
    return dsn


def test_exact_before_and_after_the_first_refresh(year):
    assert markers(year) > 0
    assert_exact(year)
    refreshed = refresh(year)
    assert refreshed["llm_calls_hourly"] > 0 and refreshed["file_modification_totals"] > 0
    assert markers(year) == 0
    assert_exact(year)


def test_status_changes_late_rows_deletes_and_repricing_stay_exact(year, db):
    refresh(year)
    history = IssueHistory(db)
    # Runs move between status buckets of hours long closed.
    with psycopg.connect(year, autocommit=True) as conn:
        conn.execute(
            "UPDATE issue_processing_history SET status = 'failed', error_message = 'late' "
            "WHERE id % 7 = 0 AND status = 'completed'"
        )
    assert_exact(year)
    # New runs now, through the repository, finished both ways.
    done = history.claim({"key": "LIVE-1", "fields": {"summary": "live"}}).history_id
    failed = history.claim({"key": "LIVE-2"}).history_id
    history.record_llm_call(done, call_type="code_diff", model="gpt-4o", prompt_tokens=10)
    history.record_llm_call(failed, call_type="other", model="unknown-model", completion_tokens=3)
    history.record_file_modification(done, file_path="src/pkg_1/module_1.py", action="modified")
    history.complete(done, branch_name="b", pr_url="https://example/pr/1")
    history.fail(failed, "boom")
    assert_exact(year)
    # Late rows for past hours and days (ids are not in time order).
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40, minutes=13)
    with BufferedWriter(db) as writer:
        for i in range(50):
            writer.llm_call(
                done,
                "spec_conversion",
                "gpt-3.5-turbo",
                prompt_tokens=100 + i,
                completion_tokens=5,
                created_at=long_ago - dt.timedelta(hours=i),
            )
    assert_exact(year)
    refresh(year)
    assert_exact(year)
    # Nodes finish, fail, get deleted with their workflow: the duration distribution moves.
    with psycopg.connect(year, autocommit=True) as conn:
        conn.execute(
            "UPDATE nodes SET status = 'failed', duration_ms = duration_ms + 7 WHERE id % 5 = 0"
        )
        conn.execute(
            "INSERT INTO nodes (workflow_id, node_name, execution_order, status) "
            "VALUES (1, 'search_places', 9, 'running')"
        )
        conn.execute("DELETE FROM workflows WHERE id % 9 = 0")
    assert_exact(year)
    refresh(year)
    assert_exact(year)
    # Deleting runs cascades to their calls and files; a new price reprices old calls.
    with psycopg.connect(year, autocommit=True) as conn:
        conn.execute("DELETE FROM issue_processing_history WHERE id % 11 = 0")
        conn.execute(
            "INSERT INTO model_pricing (model, input_per_1m, output_per_1m, valid_from) "
            "VALUES ('local-llama', 0.1, 0.2, '2020-01-01')"
        )
    with Database.connect(year, min_size=1, max_size=2) as db:
        assert repricing.reprice(db, model="local-llama").details["llm_call_history"]["repriced"]
    assert_exact(year)
    refresh(year)
    assert_exact(year)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Seoul"])
def test_days_and_weeks_are_exact_in_whole_hour_time_zones(year, zone):
    refresh(year)
    assert_exact(year, timezone=zone)


def test_a_dropped_or_detached_partition_is_never_counted(year):
    refresh(year)
    with psycopg.connect(year, autocommit=True) as conn:
        month = conn.execute(
            "SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - INTERVAL '3 months')::DATE"
        ).fetchone()[0]
        name = "SELECT pfr_month_partition_name(%s::REGCLASS, %s)"
        llm = conn.execute(name, ("llm_call_history", month)).fetchone()[0]
        files = conn.execute(name, ("file_modification_history", month)).fetchone()[0]
        conn.execute(psycopg.sql.SQL("DROP TABLE {}").format(psycopg.sql.Identifier(llm)))
        conn.execute(
            psycopg.sql.SQL("ALTER TABLE file_modification_history DETACH PARTITION {}").format(
                psycopg.sql.Identifier(files)
            )
        )
        intact = conn.execute("SELECT pfr_rollup_partitions_intact('llm_call_history')")
        assert intact.fetchone()[0] is False
    assert_exact(year)
    refreshed = refresh(year)
    assert refreshed["llm_calls_hourly"] >= 28 * 24  # the dropped month's hours
    with psycopg.connect(year) as conn:
        for table in ("llm_call_history", "file_modification_history"):
            intact = conn.execute("SELECT pfr_rollup_partitions_intact(%s::REGCLASS)", (table,))
            assert intact.fetchone()[0] is True
    assert_exact(year)


def test_a_write_in_flight_during_a_refresh_is_not_lost(year):
    refresh(year)
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)
    with psycopg.connect(year) as writer:
        writer.execute(
            "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens, "
            "created_at) VALUES (1, 'other', 'gpt-4o', 10, %s)",
            (past,),
        )
        refresh(year)  # cannot see the uncommitted row nor its marker
        writer.commit()
    assert markers(year) > 0
    assert_exact(year)
    refresh(year)
    assert markers(year) == 0
    assert_exact(year)


def test_truncate_empties_the_rollups(year):
    refresh(year)
    with psycopg.connect(year, autocommit=True) as conn:
        conn.execute("TRUNCATE llm_call_history, file_modification_history")
        conn.execute("TRUNCATE issue_processing_history CASCADE")
        conn.execute("TRUNCATE nodes CASCADE")
    assert_exact(year)
    refresh(year)
    assert_exact(year)


def test_the_rollups_job_refreshes_and_is_recorded(year, db):
    result = run_job(db, "rollups", jobs={"rollups": rollups.run})
    assert result.status == "succeeded", result.error
    assert result.details["recomputed_buckets"]["llm_calls_hourly"] > 0
    assert markers(year) == 0
    assert_exact(year)


def test_rows_deleted_or_moved_in_a_default_partition_directly_are_seen(year, db):
    """The retention job deletes expired rows of a default partition directly, and
    pfr_move_stranded_rows moves rows out of it: neither goes through the parent."""
    now = dt.datetime.now(dt.timezone.utc)
    old = now - dt.timedelta(days=600)
    ahead = now + dt.timedelta(days=160)
    with psycopg.connect(year, autocommit=True) as conn:
        for at in (old, old + dt.timedelta(hours=5), ahead, ahead + dt.timedelta(hours=3)):
            conn.execute(
                "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens, "
                "created_at) VALUES (1, 'other', 'gpt-4o', 10, %s)",
                (at,),
            )
            conn.execute(
                "INSERT INTO file_modification_history (history_id, file_path, action, "
                "created_at) VALUES (1, 'src/stranded.py', 'created', %s)",
                (at,),
            )
        stranded = conn.execute("SELECT count(*) FROM llm_call_history_default").fetchone()[0]
        assert stranded == 4
    refresh(year)
    assert_exact(year)
    for table in ("llm_call_history_default", "file_modification_history_default"):
        db.execute(
            "maintenance/retention_delete_default_rows",
            {"cutoff": now - dt.timedelta(days=365), "batch_size": 1000},
            identifiers={"schema": "public", "table": table},
        )
    assert_exact(year)
    refresh(year)
    assert_exact(year)
    with psycopg.connect(year, autocommit=True) as conn:
        moved = conn.execute("SELECT sum(moved) FROM pfr_move_stranded_rows(7)").fetchone()[0]
        # The two LLM calls and two file changes ahead, and (gap fill, migration 0012) every
        # other row the data set left in a default partition.
        assert moved >= 4
        left = conn.execute("SELECT sum(row_count) FROM pfr_default_partition_rows()")
        assert left.fetchone()[0] == 0
    assert_exact(year)
    refresh(year)
    assert_exact(year)
