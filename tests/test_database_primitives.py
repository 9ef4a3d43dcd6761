"""The primitives under every repository: fetch_one / fetch_optional, copy_rows, and the
typed errors they raise (on the generated ``Database`` and its source ``AsyncDatabase``)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from pydal_free_repo import AsyncDatabase, Database, IssueHistory
from pydal_free_repo.errors import DatabaseClosed, InvalidValue, NoRow, NotFound

# Rows are dated after their run: detail() bounds its child reads by the run's created_at.
NOW = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)


def api_row(history_id: int, status_code: int, issue_key: str = "COPY-1") -> list:
    # The last column is the run's issue_key (the Citus distribution column, migration 0040).
    return [history_id, "GET", "/x", status_code, None, None, NOW, issue_key]


def test_fetch_optional_gives_none_and_fetch_one_raises_no_row(db):
    assert db.fetch_optional("issues/run_get", {"history_id": 987_654}) is None
    with pytest.raises(NoRow, match="issues/run_get returned no row"):
        db.fetch_one("issues/run_get", {"history_id": 987_654})


def test_copy_rows_in_savepoints_keeps_the_good_rows_and_types_the_refusal(db):
    run = IssueHistory(db).claim({"key": "COPY-1"}).history_id
    with db.transaction() as conn:
        sent = db.copy_rows("writer/copy_bitbucket_api_history", [api_row(run, 200)], conn=conn)
        with pytest.raises(InvalidValue, match="check_bah_status_code"):
            db.copy_rows(
                "writer/copy_bitbucket_api_history",
                [api_row(run, 42)],
                conn=conn,
                savepoint=True,
            )
        with pytest.raises(NotFound):
            db.copy_rows(
                "writer/copy_bitbucket_api_history",
                [api_row(987_654, 200)],
                conn=conn,
                savepoint=True,
            )
        db.copy_rows("writer/copy_bitbucket_api_history", [api_row(run, 201)], conn=conn)
    assert sent == 1
    assert [c.status_code for c in IssueHistory(db).detail(run).api_calls] == [200, 201]


def test_a_closed_pool_raises_database_closed(dsn):
    db = Database.connect(dsn)
    db.close()
    with pytest.raises(DatabaseClosed):
        db.fetch_all("issues/run_list", {"limit": 1, "status": None, "issue_key": None})


def test_the_async_source_behaves_the_same(dsn):
    async def main() -> None:
        async with await AsyncDatabase.connect(dsn) as db:
            assert await db.fetch_optional("issues/run_get", {"history_id": 987_654}) is None
            with pytest.raises(NoRow):
                await db.fetch_one("issues/run_get", {"history_id": 987_654})
        with pytest.raises(DatabaseClosed):
            await db.fetch_one("issues/stats_totals")

    asyncio.run(main())
