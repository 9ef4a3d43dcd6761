"""Timeouts: a slow or locked database gives a clear error, never a hang.

Dashboard reads (``pfr`` commands, or a ``Database`` opened with ``statement_timeout``)
end with ``QueryTimeout`` when a table stays locked; maintenance DDL waits at most
``lock_timeout`` per attempt, tries again, and never keeps the application queued
behind it; a server that stops accepting connections gives ``DatabaseUnavailable``
after the pool's timeout. Each blocker below is held until after the call returns, so a
missing timeout would hang the test (pytest-timeout), not pass it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading

import psycopg
import pytest
from _servers import own_server_dir

from pydal_free_repo import Database, IssueHistory, embedded
from pydal_free_repo.cli import main
from pydal_free_repo.config import JobsConfig, Timeouts
from pydal_free_repo.errors import DatabaseUnavailable, QueryTimeout
from pydal_free_repo.jobs.runner import run_job

NEXT_YEAR = dt.datetime.now(dt.timezone.utc).replace(year=dt.datetime.now().year + 1)


@pytest.fixture
def locked(dsn):
    """A session holding ACCESS EXCLUSIVE on issue_processing_history until the test ends."""
    with psycopg.connect(dsn) as blocker:
        blocker.execute("LOCK TABLE issue_processing_history IN ACCESS EXCLUSIVE MODE")
        yield
        blocker.rollback()


def test_a_read_on_a_locked_table_times_out_with_a_clear_error(dsn, locked):
    with Database.connect(dsn, statement_timeout="300ms", timeout=5) as db:
        with pytest.raises(QueryTimeout, match="statement timeout"):
            IssueHistory(db).stats()
        with pytest.raises(QueryTimeout):
            IssueHistory(db).history()


def test_pfr_commands_run_under_a_statement_timeout(dsn, locked, capsys, monkeypatch):
    monkeypatch.setenv("PFR_READ_TIMEOUT", "300ms")
    assert main(["--dsn", dsn, "stats"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pfr: error: timed out") and "statement timeout" in err


def test_the_cli_default_read_timeout_is_set_on_its_sessions(dsn, monkeypatch):
    from pydal_free_repo.cli.context import DEFAULT_READ_TIMEOUT, Context

    monkeypatch.delenv("PFR_READ_TIMEOUT", raising=False)
    context = Context(dsn)
    try:
        with context.db.connection() as conn:
            value = conn.execute("SHOW statement_timeout").fetchone()[0]
    finally:
        context.close()
    assert value == DEFAULT_READ_TIMEOUT


def test_a_user_options_setting_is_kept_beside_the_timeout(dsn):
    with (
        Database.connect(f"{dsn} options='-c work_mem=7MB'", statement_timeout="2s") as db,
        db.connection() as conn,
    ):
        assert conn.execute("SHOW work_mem").fetchone()[0] == "7MB"
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "2s"


def test_partition_ddl_outwaits_a_short_lock_by_retrying(db, dsn, caplog):
    caplog.set_level(logging.WARNING, logger="pydal_free_repo.jobs")
    config = JobsConfig(timeouts=Timeouts(ddl_lock_timeout="200ms"))
    blocker = psycopg.connect(dsn)
    # ATTACH takes SHARE UPDATE EXCLUSIVE on the parent: readers and writers never block
    # it; another DDL, a VACUUM or an ANALYZE of the table does.
    blocker.execute("LOCK TABLE bitbucket_api_history IN SHARE UPDATE EXCLUSIVE MODE")

    class ReleaseAfterFirstAttempt(logging.Handler):
        # Released when the job reports its first lock timeout, not after a fixed delay:
        # on a busy machine (or under xdist) the job may not reach the lock within one.
        def emit(self, record: logging.LogRecord) -> None:
            if "attempt 1 of" in record.getMessage():
                blocker.rollback()

    release = ReleaseAfterFirstAttempt()
    logging.getLogger("pydal_free_repo.jobs").addHandler(release)
    try:
        result = run_job(db, "partitions", config, now=NEXT_YEAR)
    finally:
        logging.getLogger("pydal_free_repo.jobs").removeHandler(release)
        blocker.close()
    assert result.status == "succeeded", result.error
    assert result.details["created"]
    assert "attempt 1 of" in caplog.text and "lock timeout" in caplog.text


def test_partition_ddl_gives_up_after_its_attempts_and_writers_are_not_queued_behind_it(db, dsn):
    config = JobsConfig(timeouts=Timeouts(ddl_lock_timeout="300ms", ddl_attempts=3))
    repo = IssueHistory(db)
    run = repo.claim({"key": "T-1"}).history_id
    written = []

    def write_while_ddl_waits():
        for _ in range(20):
            repo.record_llm_call(run, call_type="other", model="m")
            written.append(1)

    with psycopg.connect(dsn) as blocker:
        blocker.execute("LOCK TABLE bitbucket_api_history IN SHARE UPDATE EXCLUSIVE MODE")
        writer = threading.Thread(target=write_while_ddl_waits)
        writer.start()
        result = run_job(db, "partitions", config, now=NEXT_YEAR)
        writer.join(60)
        # The writers finished while the blocker still holds its lock: the DDL's lock
        # request never kept them waiting for the blocker.
        assert len(written) == 20
        blocker.rollback()
    assert result.status == "failed"
    assert "lock timeout" in result.error
    assert JobsConfig().timeouts.ddl_attempts >= 2


@pytest.mark.slow
def test_a_server_that_stops_answering_gives_database_unavailable():
    path = own_server_dir("stall")
    uri = embedded.start(path, database="postgres").uri
    postmaster = int((embedded.data_dir(path) / "postmaster.pid").read_text().split()[0])
    with Database.connect(uri, min_size=0, max_size=2, timeout=2) as db:
        os.kill(postmaster, signal.SIGSTOP)  # accepts nothing: every new connection waits
        try:
            with pytest.raises(DatabaseUnavailable, match="no database connection within 2s"):
                db.fetch_one("jobs/server_version")
        finally:
            os.kill(postmaster, signal.SIGCONT)
        assert db.fetch_one("jobs/server_version")["server_version_num"] >= 140000
    embedded.stop(path)


@pytest.mark.asyncio
async def test_the_async_pool_takes_the_same_statement_timeout(dsn, locked):
    from pydal_free_repo.async_database import AsyncDatabase

    async with await AsyncDatabase.connect(dsn, statement_timeout="300ms", timeout=5) as db:
        with pytest.raises(QueryTimeout, match="statement timeout"):
            await db.fetch_one("issues/stats_totals")
