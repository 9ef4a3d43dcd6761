"""A streaming read replica made by `pfr replica create`: the repository's read-only
queries (the dashboard's) are served by it while the primary takes writes and claims, a
read can ask for the primary to see its own write, `pfr doctor` shows the lag, and jobs
skip on the standby."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from _physical import archiving_server, new_data_dir

from pydal_free_repo import IssueHistory, routing
from pydal_free_repo.cli import main
from pydal_free_repo.database import Database
from pydal_free_repo.errors import PfrError
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.schema import migrate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def primary():
    with archiving_server("replica") as running:
        migrate(running.uri)
        yield running


@pytest.fixture(scope="module")
def standby(primary):
    with new_data_dir("i15-stby") as target:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["--dsn", primary.uri, "replica", "create", "--data-dir", str(target)]) == 0
        yield out.getvalue().strip()


def caught_up(primary_uri: str, standby_uri: str, timeout: float = 30) -> None:
    with psycopg.connect(primary_uri) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby_uri, autocommit=True) as conn:
        while True:
            done = conn.execute(
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", (target,)
            ).fetchone()[0]
            if done:
                return
            assert time.monotonic() < deadline, "the standby never caught up"
            time.sleep(0.05)


def test_the_standby_serves_reads_while_the_primary_takes_writes(primary, standby):
    assert "host=" in standby
    with psycopg.connect(standby) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]

    db = routing.connect(primary.uri, read_dsn=standby, min_size=1, max_size=2)
    try:
        history = IssueHistory(db)
        first = history.claim({"key": "RR-1", "fields": {"summary": "one"}}).history_id
        caught_up(primary.uri, standby)
        assert [run.issue_key for run in history.history()] == ["RR-1"]

        # Replay paused: a new run is on the primary only. The routed read does not see it
        # (it came from the standby); asked for the primary, it does.
        with psycopg.connect(standby, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        try:
            second = history.claim({"key": "RR-2", "fields": {"summary": "two"}}).history_id
            history.complete(second, pr_url="https://example.invalid/pr/2")
            assert [run.issue_key for run in history.history()] == ["RR-1"]
            assert history.stats()["total_issues"] == 1
            with db.primary():
                assert [run.issue_key for run in history.history()] == ["RR-2", "RR-1"]
            # Writes and multi-statement reads on one connection stay on the primary.
            assert history.detail(second).status == "completed"

            # `pfr serve` with DATABASE_READ_URL: the dashboard's endpoints read the standby.
            assert _served_keys(primary.uri, standby) == ["RR-1"]

            report = json.loads(_doctor_json(primary.uri, standby))
            [row] = report["replication"]
            assert row["replay_lag_bytes"] > 0 and row["state"] == "streaming"
            [own] = report["read_replica"]
            assert own["in_recovery"] and own["replay_paused"]
        finally:
            with psycopg.connect(standby, autocommit=True) as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
        caught_up(primary.uri, standby)
        assert [run.issue_key for run in history.history()] == ["RR-2", "RR-1"]
        assert first != second
    finally:
        db.close()


def _served_keys(primary_uri: str, standby_uri: str) -> list[str]:
    import argparse
    import os

    from _web import get

    from pydal_free_repo.cli import web as web_commands
    from pydal_free_repo.cli.context import Context
    from pydal_free_repo.web.server import in_thread

    os.environ[routing.READ_ENV_VAR] = standby_uri
    try:
        args = argparse.Namespace(host="127.0.0.1", port=0)
        settings = web_commands._settings(args, Context(dsn=primary_uri))
    finally:
        del os.environ[routing.READ_ENV_VAR]
    assert settings.dsn == standby_uri
    with in_thread(settings) as url:
        status, body, _ = get(f"{url}/history")
    assert status == 200, body
    rows = body["items"] if isinstance(body, dict) else body
    return [row["issue_key"] for row in rows]


def _doctor_json(primary_uri: str, standby_uri: str) -> str:
    import contextlib
    import io
    import os

    out = io.StringIO()
    os.environ[routing.READ_ENV_VAR] = standby_uri
    try:
        with contextlib.redirect_stdout(out):
            assert main(["--dsn", primary_uri, "doctor", "--json"]) == 0
    finally:
        del os.environ[routing.READ_ENV_VAR]
    return out.getvalue()


def test_jobs_skip_on_the_standby_and_it_refuses_writes(standby):
    with Database.connect(standby, min_size=1, max_size=1) as db:
        for job in ("vacuum", "retention", "backup"):
            assert run_job(db, job).status == "skipped"
        with pytest.raises(PfrError, match="read-only"):
            IssueHistory(db).claim({"key": "RR-9", "fields": {}})
