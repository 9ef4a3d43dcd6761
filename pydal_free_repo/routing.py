"""Reads to a standby, everything else to the primary.

``connect(dsn, read_dsn=...)`` (``read_dsn`` defaults to ``DATABASE_READ_URL``) returns a
``Database`` whose ``fetch_one``/``fetch_optional``/``fetch_all`` of a read-only
repository query (list and statistics reads, ``READ_QUERIES``) go to a pool on the
standby, when called without ``conn``. Everything else stays on the primary: writes, claims,
reads inside a write path (``workflows/workflow_get`` after a refused transition), every
call given ``conn=`` (a transaction, a job's own connection) and multi-statement reads
that borrow one connection (``IssueHistory.detail``). Without a read DSN it is a plain
``Database``.

A standby is behind the primary by its replication lag (``pfr doctor`` shows it). A read
that must see the caller's own write asks for the primary::

    with db.primary():
        history.history(issue_key=key)   # sees the run just recorded
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from typing import Any

from pydal_free_repo.database import Database

READ_ENV_VAR = "DATABASE_READ_URL"

# Queries that only read, never inside a write path: safe on a standby, lag and all.
READ_QUERIES = frozenset(
    {
        "issues/run_list",
        "issues/stats_totals",
        "issues/stats_daily",
        "issues/stats_llm_cost_daily",
        "issues/file_history",
        "analytics/api_calls_per_hour",
        "analytics/duration_percentiles",
        "analytics/failure_reasons",
        "analytics/hourly_throughput",
        "analytics/llm_cost_by_model",
        "analytics/top_modified_files",
        "analytics/weekly_success_trend",
        "workflows/stats_daily",
        "workflows/stats_nodes",
        "workflows/stats_usage",
        "workflows/workflow_history",
        "workflows/workflow_list",
    }
)

_on_primary: contextvars.ContextVar[bool] = contextvars.ContextVar("pfr_on_primary", default=False)


class RoutedDatabase(Database):
    """A primary ``Database`` plus ``reader``, a pool on a standby for ``READ_QUERIES``."""

    def __init__(self, primary: Database, reader: Database):
        super().__init__(primary.dsn, primary.pool, primary.idle_check)
        self.reader = reader

    def routes_to_reader(self, name: str, conn: object) -> bool:
        return conn is None and name in READ_QUERIES and not _on_primary.get()

    @contextlib.contextmanager
    def primary(self) -> Iterator[None]:
        """Within the block (this task or thread only), every read goes to the primary."""
        token = _on_primary.set(True)
        try:
            yield
        finally:
            _on_primary.reset(token)

    def fetch_one(self, name: str, params: Any = None, *, conn: Any = None, **kwargs: Any):
        if self.routes_to_reader(name, conn):
            return self.reader.fetch_one(name, params, **kwargs)
        return super().fetch_one(name, params, conn=conn, **kwargs)

    def fetch_optional(self, name: str, params: Any = None, *, conn: Any = None, **kwargs: Any):
        if self.routes_to_reader(name, conn):
            return self.reader.fetch_optional(name, params, **kwargs)
        return super().fetch_optional(name, params, conn=conn, **kwargs)

    def fetch_all(self, name: str, params: Any = None, *, conn: Any = None, **kwargs: Any):
        if self.routes_to_reader(name, conn):
            return self.reader.fetch_all(name, params, **kwargs)
        return super().fetch_all(name, params, conn=conn, **kwargs)

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            super().close()


def connect(dsn: str | None = None, *, read_dsn: str | None = None, **options: Any) -> Database:
    """``Database.connect(dsn, **options)``, reads routed to ``read_dsn`` (default
    ``DATABASE_READ_URL``) when there is one."""
    primary = Database.connect(dsn, **options)
    chosen = read_dsn or os.environ.get(READ_ENV_VAR)
    if not chosen:
        return primary
    try:
        reader = Database.connect(chosen, **{**options, "application_name": "pydal_free_repo:read"})
    except BaseException:
        primary.close()
        raise
    return RoutedDatabase(primary, reader)


@contextlib.contextmanager
def on_primary(db: Database) -> Iterator[None]:
    """``db.primary()`` for any ``Database`` (a plain one has no standby: a no-op)."""
    if isinstance(db, RoutedDatabase):
        with db.primary():
            yield
    else:
        yield
