"""The ``issues`` fixture of the shared issue-history suites: every test that takes it
runs on ``IssueHistory`` and on its async source ``AsyncIssueHistory`` (through
``_blocking.Blocking``), so the two are held to exactly the same behaviour."""

from __future__ import annotations

import pytest
from _blocking import Blocking

from pydal_free_repo import AsyncDatabase, AsyncIssueHistory, IssueHistory


async def _open_async(dsn: str) -> AsyncIssueHistory:
    return AsyncIssueHistory(await AsyncDatabase.connect(dsn, max_size=20))


@pytest.fixture(params=["sync", "async"])
def issues(request, db, dsn):
    if request.param == "sync":
        yield IssueHistory(db)
        return
    history = Blocking(lambda: _open_async(dsn))
    try:
        yield history
    finally:
        history.shutdown(lambda target: target.db.close())


def transaction(issues, db):
    """A transaction on the connection type ``issues`` takes (sync or async)."""
    if isinstance(issues, Blocking):
        return issues.enter(issues.db.transaction())
    return db.transaction()
