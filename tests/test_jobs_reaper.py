"""reaper job: a stale processing claim fails with a clear error and its issue key can be
claimed again; stale running workflows and their running nodes fail too."""

import datetime as dt

import psycopg
import pytest

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.jobs.runner import run_job

NOW = dt.datetime.now(dt.timezone.utc)
CLAIM = (
    "INSERT INTO issue_processing_history (issue_key, status, started_at)"
    " VALUES (%s, 'processing', %s)"
    " ON CONFLICT (issue_key) WHERE status IN ('queued', 'processing', 'completed') DO NOTHING"
    " RETURNING id"
)


def claim(dsn, key, started_at):
    with psycopg.connect(dsn) as conn:
        row = conn.execute(CLAIM, (key, started_at)).fetchone()
    return row[0] if row else None


def test_a_stale_claim_is_failed_and_its_key_can_be_claimed_again(db, dsn):
    stale = claim(dsn, "PROJ-1", NOW - dt.timedelta(hours=3))
    fresh = claim(dsn, "PROJ-2", NOW - dt.timedelta(minutes=30))
    assert claim(dsn, "PROJ-1", NOW) is None  # held by the stale claim

    result = run_job(db, "reaper", JobsConfig(), now=NOW)

    assert result.status == "succeeded", result.error
    assert result.details["claims"] == [{"id": stale, "issue_key": "PROJ-1"}]
    with psycopg.connect(dsn) as conn:
        status, error, completed_at, seconds = conn.execute(
            "SELECT status, error_message, completed_at, processing_duration_seconds"
            " FROM issue_processing_history WHERE id = %s",
            (stale,),
        ).fetchone()
        assert (
            conn.execute(
                "SELECT status FROM issue_processing_history WHERE id = %s", (fresh,)
            ).fetchone()[0]
            == "processing"
        )
    assert status == "failed"
    assert error == "reaped: no recorded activity for 2h (stale claim)"
    assert completed_at == NOW
    assert seconds == 3 * 3600
    assert claim(dsn, "PROJ-1", NOW) is not None


def test_the_repository_can_claim_a_reaped_key(db, dsn):
    issues = pytest.importorskip("pydal_free_repo.issues")
    claim(dsn, "PROJ-9", NOW - dt.timedelta(hours=5))
    assert run_job(db, "reaper", JobsConfig()).status == "succeeded"
    claimed = issues.IssueHistory(db).claim({"key": "PROJ-9", "fields": {"summary": "again"}})
    assert claimed.acquired and claimed.status == "processing"


def test_stale_running_workflows_and_their_running_nodes_fail(db, dsn):
    long_ago = NOW - dt.timedelta(hours=3)
    with psycopg.connect(dsn) as conn:
        user = conn.execute("INSERT INTO users (username) VALUES ('u') RETURNING id").fetchone()[0]
        ids = {}
        for label, updated_at in [("stale", long_ago), ("busy", long_ago), ("fresh", NOW)]:
            ids[label] = conn.execute(
                "INSERT INTO workflows (user_id, created_at, updated_at) VALUES (%s, %s, %s)"
                " RETURNING id",
                (user, updated_at, updated_at),
            ).fetchone()[0]
        conn.execute(
            "INSERT INTO nodes (workflow_id, node_name, execution_order, status, started_at,"
            " created_at) VALUES (%s, 'search', 1, 'completed', %s, %s),"
            " (%s, 'route', 2, 'running', %s, %s)",
            (ids["stale"], long_ago, long_ago, ids["stale"], long_ago, long_ago),
        )
        # The workflow row is old but a node started recently: it is making progress.
        conn.execute(
            "INSERT INTO nodes (workflow_id, node_name, execution_order, status, started_at,"
            " created_at) VALUES (%s, 'search', 1, 'running', %s, %s)",
            (ids["busy"], NOW - dt.timedelta(minutes=5), NOW - dt.timedelta(minutes=5)),
        )

    result = run_job(db, "reaper", JobsConfig(), now=NOW)

    assert result.status == "succeeded", result.error
    assert result.details["workflows"] == [ids["stale"]]
    with psycopg.connect(dsn) as conn:
        workflows = dict(conn.execute("SELECT id, status FROM workflows").fetchall())
        nodes = conn.execute(
            "SELECT node_name, status, error_message FROM nodes WHERE workflow_id = %s"
            " ORDER BY execution_order",
            (ids["stale"],),
        ).fetchall()
    assert workflows == {ids["stale"]: "failed", ids["busy"]: "running", ids["fresh"]: "running"}
    assert nodes == [
        ("search", "completed", None),
        ("route", "failed", "reaped: no recorded activity for 2h (stale workflow)"),
    ]


def test_job_runs_left_running_by_a_dead_process_are_failed_unless_the_job_runs(db, dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        dead = conn.execute(
            "INSERT INTO job_runs (job_name, status) VALUES ('backup', 'running') RETURNING id"
        ).fetchone()[0]
        alive = conn.execute(
            "INSERT INTO job_runs (job_name, status) VALUES ('vacuum', 'running') RETURNING id"
        ).fetchone()[0]
        conn.execute("SELECT pg_advisory_lock(hashtext('pfr:job:vacuum'))")  # vacuum is running

        result = run_job(db, "reaper", JobsConfig(), now=NOW)

        assert result.status == "succeeded", result.error
        assert result.details["abandoned_job_runs"] == [dead]
        statuses = dict(conn.execute("SELECT id, status FROM job_runs").fetchall())
    assert statuses[dead] == "failed" and statuses[alive] == "running"
    assert statuses[result.run_id] == "succeeded"


def test_a_worker_that_keeps_recording_is_not_reaped_and_a_reaped_one_is_told(db, dsn):
    from pydal_free_repo import IssueHistory
    from pydal_free_repo.errors import InvalidTransition, Reaped

    issues = IssueHistory(db)
    busy = claim(dsn, "BUSY-1", NOW - dt.timedelta(hours=5))  # claimed long ago...
    issues.record_llm_call(busy, call_type="other", model="gpt-4o")  # ...recorded just now
    idle = claim(dsn, "IDLE-1", NOW - dt.timedelta(hours=5))

    result = run_job(db, "reaper", JobsConfig(), now=NOW + dt.timedelta(minutes=1))
    assert result.status == "succeeded", result.error
    assert [c["id"] for c in result.details["claims"]] == [idle]

    # The busy worker stops recording; three hours later it is stale too.
    later = run_job(db, "reaper", JobsConfig(), now=NOW + dt.timedelta(hours=3))
    assert [c["id"] for c in later.details["claims"]] == [busy]
    with pytest.raises(Reaped, match="failed by the reaper") as told:
        issues.complete(busy, pr_url="https://example.test/pr/1")
    assert isinstance(told.value, InvalidTransition)
    assert "no recorded activity for 2h" in str(told.value)
    assert "another worker" in str(told.value)


def test_a_workflow_logging_generations_is_not_reaped_and_finishing_a_reaped_one_says_so(db):
    from pydal_free_repo import WorkflowLogger
    from pydal_free_repo.errors import Reaped

    logger = WorkflowLogger(db)
    user = logger.get_or_create_user("reaper-test")
    workflow = logger.start_workflow(user.id, {"user_input": "plan"})
    with psycopg.connect(db.dsn) as conn:  # started and last touched long ago
        conn.execute(
            "UPDATE workflows SET created_at = %s, updated_at = %s WHERE id = %s",
            (NOW - dt.timedelta(hours=5), NOW - dt.timedelta(hours=5), workflow.id),
        )
    logger.log_generation("gpt-4o", "prompt", "output")  # recorded activity, now

    kept = run_job(db, "reaper", JobsConfig(), now=NOW + dt.timedelta(minutes=1))
    assert kept.details["workflows"] == []
    reaped = run_job(db, "reaper", JobsConfig(), now=NOW + dt.timedelta(hours=3))
    assert reaped.details["workflows"] == [workflow.id]
    with pytest.raises(Reaped, match="the reaper failed it"):
        logger.complete_workflow({"final_itinerary": {"day": 1}})
