"""partitions job: months ahead created idempotently; rows stranded in a default partition
moved into the partition their month needs."""

import datetime as dt

import psycopg
import pytest

from pydal_free_repo.config import JobsConfig, Timeouts
from pydal_free_repo.jobs.runner import run_job

NOW = dt.datetime(2031, 6, 15, 12, 0, tzinfo=dt.timezone.utc)
TABLES = ["bitbucket_api_history", "file_modification_history", "generations", "llm_call_history"]


def relation_exists(dsn, name):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]


def test_partitions_are_created_months_ahead_and_a_second_run_creates_none(db, dsn):
    first = run_job(db, "partitions", JobsConfig(), now=NOW)
    assert first.status == "succeeded", first.error
    expected = {f"{t}_p{m}" for t in TABLES for m in ("203106", "203107", "203108", "203109")}
    assert set(first.details["created"]) == expected
    assert all(relation_exists(dsn, name) for name in expected)
    assert not relation_exists(dsn, "llm_call_history_p203110")

    second = run_job(db, "partitions", JobsConfig(), now=NOW)
    assert second.status == "succeeded"
    assert second.details["created"] == []
    assert second.details["existing"] == len(expected)


@pytest.fixture
def stranded(dsn):
    """Rows that arrived for July and August 2031 before those partitions existed, priced as
    the writer prices them (computed_cost; no trigger prices a raw INSERT since 0021)."""
    with psycopg.connect(dsn) as conn:
        history_id = conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) VALUES (%s, %s) RETURNING id",
            ("PROJ-1", "processing"),
        ).fetchone()[0]
        for created_at in ("2031-07-02 10:00+00", "2031-07-31 23:59:59+00", "2031-08-01 00:00+00"):
            conn.execute(
                "INSERT INTO llm_call_history"
                " (history_id, call_type, model, prompt_tokens, completion_tokens, computed_cost,"
                " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (history_id, "code_diff", "gpt-4o", 1000, 500, "0.0075", created_at),
            )
        user_id = conn.execute(
            "INSERT INTO users (username) VALUES (%s) RETURNING id", ("ana",)
        ).fetchone()[0]
        workflow_id = conn.execute(
            "INSERT INTO workflows (user_id) VALUES (%s) RETURNING id", (user_id,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO generations (workflow_id, model_name, prompt_tokens, completion_tokens,"
            " computed_cost, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (workflow_id, "gpt-4o", 100, 10, "0.00035", "2031-07-09 08:00+00"),
        )
    return history_id


def test_rows_stranded_in_the_default_partition_are_moved_out(db, dsn, stranded):
    with psycopg.connect(dsn) as conn:
        before = conn.execute(
            "SELECT id, created_at, estimated_cost FROM llm_call_history ORDER BY id"
        ).fetchall()
        assert conn.execute("SELECT count(*) FROM llm_call_history_default").fetchone()[0] == 3

    result = run_job(db, "partitions", JobsConfig(), now=NOW)

    assert result.status == "succeeded", result.error
    moved = {(m["table_name"], m["partition_name"]): m["moved"] for m in result.details["moved"]}
    assert moved == {
        ("generations", "generations_p203107"): 1,
        ("llm_call_history", "llm_call_history_p203107"): 2,
        ("llm_call_history", "llm_call_history_p203108"): 1,
    }
    assert result.details["rows_in_default_partitions"] == {}
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM llm_call_history_default").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM generations_default").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM llm_call_history_p203107").fetchone()[0] == 2
        after = conn.execute(
            "SELECT id, created_at, estimated_cost FROM llm_call_history ORDER BY id"
        ).fetchall()
        # The default partition is attached again and still catches stray rows.
        conn.execute(
            "INSERT INTO llm_call_history (history_id, call_type, model, created_at)"
            " VALUES (%s, %s, %s, %s)",
            (stranded, "code_diff", "gpt-4o", "2040-01-01 00:00+00"),
        )
        assert conn.execute("SELECT count(*) FROM llm_call_history_default").fetchone()[0] == 1
    assert after == before
    assert all(row[2] is not None and row[2] > 0 for row in after)


def test_a_busy_table_makes_the_move_fail_fast_and_leaves_rows_in_place(db, dsn, stranded):
    config = JobsConfig(timeouts=Timeouts(lock_timeout="200ms"))
    with psycopg.connect(dsn) as blocker:
        blocker.execute("LOCK TABLE llm_call_history_default IN ACCESS SHARE MODE")
        result = run_job(db, "partitions", config, now=NOW)
        blocker.rollback()
    assert result.status == "failed"
    assert "lock" in result.error.lower()
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM llm_call_history_default").fetchone()[0] == 3
        assert conn.execute("SELECT to_regclass('llm_call_history_p203107')").fetchone()[0] is None
        status = conn.execute(
            "SELECT status, error FROM job_runs WHERE job_name = 'partitions'"
        ).fetchone()
    assert status[0] == "failed" and "lock" in status[1].lower()
    assert run_job(db, "partitions", config, now=NOW).status == "succeeded"
