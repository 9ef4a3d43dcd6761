"""retention job: exactly the expired partitions and rows go, children cascade, the
current and future partitions stay, file contents are nulled, batches loop."""

import datetime as dt

import psycopg
import pytest

from pydal_free_repo.config import JobsConfig, Retention
from pydal_free_repo.jobs.runner import run_job

NOW = dt.datetime(2031, 3, 15, 12, 0, tzinfo=dt.timezone.utc)


def one(conn, query, params=()):
    return conn.execute(query, params).fetchone()[0]


@pytest.fixture
def history(db, dsn):
    """Partitions from Nov 2030 to June 2031 and rows of every kind around the cutoffs."""
    for month in (dt.datetime(2030, 11, 1, tzinfo=dt.timezone.utc), NOW):
        assert run_job(db, "partitions", JobsConfig(), now=month).status == "succeeded"
    with psycopg.connect(dsn) as conn:

        def run(key, status, created_at, completed_at=None):
            return one(
                conn,
                "INSERT INTO issue_processing_history (issue_key, status, created_at, completed_at)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (key, status, created_at, completed_at),
            )

        old_done = run("OLD-1", "completed", "2030-11-02+00", "2030-11-03+00")
        old_busy = run("OLD-2", "processing", "2030-11-02+00")
        recent = run("NEW-1", "completed", "2031-03-01+00", "2031-03-02+00")
        for history_id, created_at in [
            (old_done, "2030-11-05+00"),
            (old_busy, "2030-11-06+00"),
            (recent, "2031-03-01+00"),
            (recent, "2030-12-20+00"),
            (recent, "2029-05-05+00"),  # no partition for it: default partition
        ]:
            conn.execute(
                "INSERT INTO bitbucket_api_history (history_id, api_method, endpoint, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (history_id, "GET", "/repos", created_at),
            )
            conn.execute(
                "INSERT INTO llm_call_history (history_id, call_type, model, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (history_id, "other", "gpt-4o", created_at),
            )
            conn.execute(
                "INSERT INTO file_modification_history"
                " (history_id, file_path, action, original_content, modified_content, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (history_id, "a.py", "modified", "old", "new", created_at),
            )
        user_id = one(conn, "INSERT INTO users (username) VALUES ('u') RETURNING id")
        workflows = {}
        for label, status, created_at in [
            ("old_done", "completed", "2030-10-01+00"),
            ("old_running", "running", "2030-10-01+00"),
            ("recent", "completed", "2031-03-10+00"),
        ]:
            workflows[label] = one(
                conn,
                "INSERT INTO workflows (user_id, status, created_at, completed_at)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (user_id, status, created_at, created_at if status != "running" else None),
            )
            node = one(
                conn,
                "INSERT INTO nodes (workflow_id, node_name, execution_order, status, created_at)"
                " VALUES (%s, %s, 1, 'completed', %s) RETURNING id",
                (workflows[label], "analyze", created_at),
            )
            conn.execute(
                "INSERT INTO generations (workflow_id, node_id, model_name, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (workflows[label], node, "gpt-4o", "2031-03-10+00"),
            )
        for started_at in ["2030-01-01+00"] * 5 + ["2031-03-01+00"]:
            conn.execute(
                "INSERT INTO job_runs (job_name, started_at, status) VALUES (%s, %s, %s)",
                ("vacuum", started_at, "succeeded"),
            )
    return {"old_done": old_done, "old_busy": old_busy, "recent": recent, **workflows}


def partitions_of(conn, table):
    return sorted(
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            (table,),
        )
    )


def month_end(partition):
    year, month = int(partition[-6:-2]), int(partition[-2:])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, 1, tzinfo=dt.timezone.utc)


def test_retention_removes_exactly_what_expired(db, dsn, history):
    config = JobsConfig(
        retention=Retention(
            api_calls_days=90,  # cutoff 2030-12-15: the Nov 2030 partition ends before it
            llm_calls_days=365,  # cutoff 2030-03-15: nothing of it
            file_modifications_days=365,
            file_contents_days=90,
            issue_runs_days=30,
            workflows_days=30,
            job_runs_days=90,
            batch_size=2,
        )
    )
    cutoffs = {
        "bitbucket_api_history": dt.datetime(2030, 12, 15, 12, tzinfo=dt.timezone.utc),
        "llm_call_history": dt.datetime(2030, 3, 15, 12, tzinfo=dt.timezone.utc),
        "file_modification_history": dt.datetime(2030, 3, 15, 12, tzinfo=dt.timezone.utc),
        "generations": dt.datetime(2030, 3, 15, 12, tzinfo=dt.timezone.utc),
    }
    with psycopg.connect(dsn) as conn:
        # Whatever partitions exist (the migration made some for the real current month),
        # exactly those whose month ends by their table's cutoff must go.
        expected = sorted(
            name
            for table, cutoff in cutoffs.items()
            for name in partitions_of(conn, table)
            if not name.endswith("_default") and month_end(name) <= cutoff
        )
    assert "bitbucket_api_history_p203011" in expected
    assert "llm_call_history_p203011" not in expected

    result = run_job(db, "retention", config, now=NOW)

    assert result.status == "succeeded", result.error
    assert sorted(result.details["dropped_partitions"]) == expected
    assert result.details["deleted_rows"] == {
        "bitbucket_api_history_default": 1,  # the 2029 rows in default partitions
        "llm_call_history_default": 1,
        "file_modification_history_default": 1,
        "issue_processing_history": 1,
        "workflows": 1,
        # the five 2030 rows, and the fixture's two partitions runs (recorded at the real
        # time, before 2031); never this run's own row, still 'running'
        "job_runs": 7,
    }
    with psycopg.connect(dsn) as conn:
        bah = partitions_of(conn, "bitbucket_api_history")
        assert "bitbucket_api_history_p203011" not in bah
        assert {"bitbucket_api_history_p203012", "bitbucket_api_history_p203103"} <= set(bah)
        assert "bitbucket_api_history_p203106" in bah  # future partitions are never touched
        assert "llm_call_history_p203011" in partitions_of(conn, "llm_call_history")

        # API calls: Nov 2030 partition gone, the 2029 row in the default partition gone.
        api = conn.execute(
            "SELECT history_id, created_at::date::text FROM bitbucket_api_history ORDER BY 2"
        ).fetchall()
        assert api == [(history["recent"], "2030-12-20"), (history["recent"], "2031-03-01")]
        # The old completed run went, and its LLM calls and files with it (cascade); the
        # stuck processing run and the recent one stay.
        runs = conn.execute("SELECT issue_key FROM issue_processing_history ORDER BY 1").fetchall()
        assert runs == [("NEW-1",), ("OLD-2",)]
        assert (
            one(
                conn,
                "SELECT count(*) FROM llm_call_history WHERE history_id = %s",
                (history["old_done"],),
            )
            == 0
        )
        assert one(conn, "SELECT count(*) FROM llm_call_history") == 3
        # File contents before 2030-12-15 are nulled, the rows and newer contents stay.
        files = conn.execute(
            "SELECT created_at::date::text, original_content, modified_content"
            " FROM file_modification_history ORDER BY created_at"
        ).fetchall()
        assert files == [
            ("2030-11-06", None, None),
            ("2030-12-20", "old", "new"),
            ("2031-03-01", "old", "new"),
        ]
        assert result.details["file_contents_nulled"] == 2  # one went later with its run
        # Workflows: the old ended one went with its nodes and generations; running stays.
        left = conn.execute("SELECT id FROM workflows ORDER BY id").fetchall()
        assert left == [(history["old_running"],), (history["recent"],)]
        assert one(conn, "SELECT count(*) FROM nodes") == 2
        assert one(conn, "SELECT count(*) FROM generations") == 2
        # job_runs: the five 2030 rows went in batches of two; the recent one stays.
        assert one(conn, "SELECT count(*) FROM job_runs WHERE job_name = 'vacuum'") == 1
        status = one(conn, "SELECT status FROM job_runs WHERE id = %s", (result.run_id,))
        assert status == "succeeded"


def test_default_settings_keep_runs_and_workflows(db, dsn, history):
    result = run_job(db, "retention", JobsConfig(), now=NOW)
    assert result.status == "succeeded", result.error
    with psycopg.connect(dsn) as conn:
        assert one(conn, "SELECT count(*) FROM issue_processing_history") == 3
        assert one(conn, "SELECT count(*) FROM workflows") == 3
