"""A call without ``conn=`` on the package's own pooled connection: its one statement runs
in autocommit, the connection goes back to the pool as the pool lends it, a caller's
``conn=`` transaction stays the caller's, and a connection the server ended a moment ago
is not lent again (on ``Database`` and its source ``AsyncDatabase``)."""

from __future__ import annotations

import asyncio
import datetime as dt

import psycopg
import pytest
from psycopg.pq import TransactionStatus

from pydal_free_repo import AsyncDatabase, AsyncIssueHistory, Database, IssueHistory
from pydal_free_repo import connection_settings as settings
from pydal_free_repo.errors import InvalidValue


class Rollback(Exception):
    pass


def one_connection(dsn: str) -> Database:
    """A pool of exactly one connection, so every borrow gets the same one."""
    return Database.connect(dsn, min_size=1, max_size=1)


def count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def llm_call(history: IssueHistory, run: int, **extra) -> None:
    history.record_llm_call(run, call_type="other", model="m", prompt_tokens=3, **extra)


def test_a_write_leaves_the_pooled_connection_idle_and_a_later_transaction_whole(dsn):
    with one_connection(dsn) as db:
        history = IssueHistory(db)
        run = history.claim({"key": "POOL-1"}).history_id
        llm_call(history, run)
        history.record_api_call(run, api_method="GET", endpoint="/x")
        history.record_file_modification(run, file_path="a.py", action="modified")
        # The same connection, lent again: not in autocommit, not in a transaction, so a
        # transaction of two writes still commits or rolls back as a whole.
        with pytest.raises(Rollback), db.transaction() as conn:
            assert conn.info.transaction_status == TransactionStatus.IDLE
            assert not conn.autocommit
            llm_call(history, run, conn=conn)
            history.record_api_call(run, api_method="GET", endpoint="/y", conn=conn)
            raise Rollback
    assert count(dsn, "llm_call_history") == 1
    assert count(dsn, "bitbucket_api_history") == 1
    assert count(dsn, "file_modification_history") == 1


def test_a_write_without_conn_is_committed_when_it_returns(dsn):
    with one_connection(dsn) as db:
        history = IssueHistory(db)
        run = history.claim({"key": "POOL-2"}).history_id
        llm_call(history, run)
        # Seen by another session at once: nothing waits for a later commit.
        assert count(dsn, "llm_call_history") == 1
        with psycopg.connect(dsn) as other:
            states = other.execute(
                "SELECT state FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'pydal_free_repo'"
            ).fetchall()
        assert states and all(state == "idle" for (state,) in states)


def test_one_connection_serves_one_row_reads_and_writes_of_different_row_types(dsn):
    with one_connection(dsn) as db:
        history = IssueHistory(db)
        run = history.claim({"key": "POOL-7"}).history_id
        for _ in range(3):  # the connection's kept cursor changes row type every call
            assert db.fetch_one("issues/run_get", {"history_id": run})["issue_key"] == "POOL-7"
            recorded = history.record_llm_call(run, call_type="other", model="m")
            assert recorded.total_tokens is None
            assert db.execute("issues/run_get", {"history_id": run}) == 1
        assert [c.call_type for c in history.detail(run).llm_calls] == ["other"] * 3


def test_a_callers_transaction_is_not_committed_by_record_llm_call(dsn):
    with one_connection(dsn) as db:
        history = IssueHistory(db)
        run = history.claim({"key": "POOL-3"}).history_id
        with psycopg.connect(dsn) as conn:  # the caller's own connection, not autocommit
            llm_call(history, run, conn=conn)
            history.record_api_call(run, api_method="GET", endpoint="/x", conn=conn)
            assert not conn.autocommit
            assert conn.info.transaction_status == TransactionStatus.INTRANS
            assert count(dsn, "llm_call_history") == 0  # not visible before the caller commits
            conn.rollback()
        assert count(dsn, "llm_call_history") == 0
        assert count(dsn, "bitbucket_api_history") == 0


def test_a_refused_statement_in_autocommit_writes_nothing_and_the_pool_goes_on(dsn):
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    with one_connection(dsn) as db:
        run = IssueHistory(db).claim({"key": "POOL-4"}).history_id

        def api_row(status_code: int) -> list:
            return [run, "GET", "/x", status_code, None, None, now, "POOL-4"]

        # One COPY of three rows whose last breaks a CHECK: it is one statement, so none
        # of the three is kept.
        with pytest.raises(InvalidValue, match="check_bah_status_code"):
            db.copy_rows(
                "writer/copy_bitbucket_api_history", [api_row(200), api_row(201), api_row(42)]
            )
        assert count(dsn, "bitbucket_api_history") == 0
        assert db.copy_rows("writer/copy_bitbucket_api_history", [api_row(200)]) == 1
        assert count(dsn, "bitbucket_api_history") == 1


def test_a_connection_the_server_ended_a_moment_ago_is_not_lent(dsn):
    with one_connection(dsn) as db:
        history = IssueHistory(db)
        run = history.claim({"key": "POOL-5"}).history_id
        with db.connection() as conn:
            pid = conn.info.backend_pid
        with psycopg.connect(dsn, autocommit=True) as admin:  # as a restart would
            assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]
        # Returned well under CHECK_AFTER_IDLE_SECONDS ago, but the server said goodbye
        # on it: the pool checks it, drops it and lends a new one.
        history.record_api_call(run, api_method="GET", endpoint="/after")
        with db.connection() as conn:
            assert conn.info.backend_pid != pid
    assert count(dsn, "bitbucket_api_history") == 1


def test_after_a_burst_one_at_a_time_calls_reuse_the_connection_returned_last(dsn):
    with Database.connect(dsn, min_size=1, max_size=3) as db:
        with db.connection() as first, db.connection() as second:  # a burst grows the pool
            pids = {first.info.backend_pid, second.info.backend_pid}
        assert len(pids) == 2
        used = []
        for _ in range(4):
            with db.connection() as conn:
                used.append(conn.info.backend_pid)
        # The warm one every time, so the other stays idle and the pool can shrink.
        assert len(set(used)) == 1 and used[0] in pids


def test_the_pool_checks_a_connection_not_returned_a_moment_ago(dsn, monkeypatch):
    check = settings.IdleCheck()
    with psycopg.connect(dsn) as conn:
        assert check.needed(conn)  # never returned through the package
        check.returned(conn)
        assert not check.needed(conn)  # returned just now, nothing from the server
        assert check.needed(conn)  # the mark is used once
        check.returned(conn)
        monkeypatch.setattr(settings, "CHECK_AFTER_IDLE_SECONDS", 0.0)
        assert check.needed(conn)  # idle for the whole threshold


def test_the_async_source_behaves_the_same(dsn):
    async def main() -> None:
        async with await AsyncDatabase.connect(dsn, min_size=1, max_size=1) as db:
            history = AsyncIssueHistory(db)
            run = (await history.claim({"key": "POOL-6"})).history_id
            await history.record_llm_call(run, call_type="other", model="m")
            with pytest.raises(Rollback):
                async with db.transaction() as conn:
                    assert not conn.autocommit
                    await history.record_llm_call(run, call_type="other", model="m", conn=conn)
                    raise Rollback
            async with await psycopg.AsyncConnection.connect(dsn) as conn:
                await history.record_llm_call(run, call_type="other", model="m", conn=conn)
                assert not conn.autocommit
                await conn.rollback()

    asyncio.run(main())
    assert count(dsn, "llm_call_history") == 1
