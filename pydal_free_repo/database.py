# Generated from pydal_free_repo/async_database.py by tools/async_to_sync.py; do not edit.
# Edit the async source and run `make generate`.
"""Connections: a psycopg_pool pool and the query primitives every repository uses.

``execute`` (row count), ``fetch_one`` (exactly one row, else ``NoRow``),
``fetch_optional`` (one row or None), ``fetch_all`` and ``copy_rows`` (COPY ... FROM
STDIN) run one named query from ``sql/`` with bound parameters. Each takes an optional
``conn`` so the caller can run several of them in one transaction
(``with db.transaction() as conn: ...``); without one, the call borrows a pooled
connection and runs its one statement in autocommit. Driver errors leave as the
package's errors (see ``errors.translate``, given the DSN's password to mask), never as
raw psycopg errors.

A statement without ``conn`` is its own transaction, sent in one round trip (no BEGIN, no
COMMIT); the connection goes back to the pool out of autocommit. A caller's ``conn`` is
used as given, never switched to autocommit.

Create with ``Database.connect(...)``; close with ``db.close()``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import RowFactory, dict_row
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from pydal_free_repo import queries
from pydal_free_repo.connection_settings import (
    IdleCheck,
    Params,
    connection_kwargs,
    first_connect_kwargs,
    secrets_of,
    unreachable,
)
from pydal_free_repo.dsn import resolve_dsn
from pydal_free_repo.errors import DatabaseClosed, DatabaseUnavailable, NoRow, translate
from pydal_free_repo.redact import redact_dsn

__all__ = ["Database", "Params"]

log = logging.getLogger(__name__)

Row = TypeVar("Row")
Conn = psycopg.Connection[Any]
# What a query returns without a row_factory: psycopg's dict_row.
DictRow = dict[str, Any]


class Database:
    """A connection pool plus the query primitives. Create with ``Database.connect()``."""

    def __init__(self, dsn: str, pool: ConnectionPool[Conn], idle_check: IdleCheck | None = None):
        self.dsn = dsn
        self.pool = pool
        # The pool's check callback reads it; connection() marks each return in it.
        self.idle_check = idle_check or IdleCheck()
        self._kept_cursors: dict[Conn, psycopg.Cursor[Any]] = {}
        self._secrets = secrets_of(dsn)

    @classmethod
    def connect(
        cls,
        dsn: str | None = None,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
        application_name: str = "pydal_free_repo",
        statement_timeout: str | None = None,
        check: bool = False,
    ) -> Database:
        """Open a pool on ``dsn``, else ``DATABASE_URL``, else the embedded server.

        A connection idle for a second or more, or one the server has written to since
        it was returned (a restart's notice), is checked before it is lent, so a pool
        outlives a database restart; one used a moment ago is lent without a round trip.
        ``statement_timeout`` (PostgreSQL syntax, e.g. ``"30s"``) bounds every statement of
        the pool's sessions, lock waits included: a dashboard gets ``QueryTimeout`` from a
        slow or locked database instead of hanging. ``timeout`` bounds the wait for a
        connection (``DatabaseUnavailable`` after it).

        ``check=True`` makes one connection first and raises ``DatabaseUnavailable`` with
        the server's reason (``password authentication failed ...``, ``Connection
        refused``) at once, instead of pool retries until ``timeout``; the CLI uses it.
        Without it the pool connects in the background, so an application can start
        while its database is still coming up.
        """
        resolved = resolve_dsn(dsn)
        kwargs = connection_kwargs(resolved, application_name, statement_timeout)
        if check:
            try:
                first = psycopg.Connection.connect(
                    resolved, **first_connect_kwargs(kwargs, timeout)
                )
                first.close()
            except psycopg.Error as exc:
                raise unreachable(resolved, exc) from None
        idle_check = IdleCheck()

        def check_unless_fresh(conn: Conn) -> None:
            if idle_check.needed(conn):
                ConnectionPool.check_connection(conn)

        pool: ConnectionPool[Conn] = _WarmFirstPool(
            resolved,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs=kwargs,
            check=check_unless_fresh,
            open=False,
            name="pydal_free_repo",
        )
        pool.open(wait=False)
        log.debug("pool opened on %s", redact_dsn(resolved))
        return cls(resolved, pool, idle_check)

    @property
    def safe_dsn(self) -> str:
        return redact_dsn(self.dsn)

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Conn]:
        """A pooled connection; its transaction commits on normal exit, rolls back on error.

        ``timeout`` (seconds) overrides the pool's wait for a free connection."""
        with self.translated():
            conn = self._getconn(timeout)
            try:
                with conn:  # commit or roll back; a pooled connection is not closed
                    yield conn
            finally:
                self._putconn(conn)

    transaction = connection

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        """Turn any psycopg error raised inside the block into the package's error."""
        try:
            yield
        except psycopg.Error as exc:
            raise translate(exc, secrets=self._secrets) from exc

    @contextlib.contextmanager
    def _borrow(self, conn: Conn | None) -> Iterator[Conn]:
        """``conn`` as given, else a pooled connection in autocommit for one statement."""
        with self.translated():
            if conn is not None:
                yield conn
                return
            # One statement on a connection of our own is its own transaction: autocommit
            # sends it in one round trip instead of BEGIN, statement, COMMIT.
            borrowed = self._getconn()
            try:
                borrowed.set_autocommit(True)
                yield borrowed
            finally:
                try:
                    _out_of_autocommit(borrowed)
                finally:
                    self._putconn(borrowed)

    @contextlib.contextmanager
    def _cursor(
        self, conn: Conn | None, row_factory: RowFactory[Any], *, keep: bool = False
    ) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor for one statement. With ``keep``, on the pool's own connection, the
        cursor is kept for that connection's next statement: psycopg then reuses the
        adapters it looked up (about a fifth of a one-row statement's Python). Only
        one-row statements keep theirs, so no idle connection holds a large result."""
        with self._borrow(conn) as c:
            if keep and conn is None:
                cur = self._kept_cursors.get(c)
                if cur is None or cur.closed:
                    cur = self._keep_cursor(c, row_factory)
                else:
                    cur.row_factory = row_factory
                yield cur
            else:
                with c.cursor(row_factory=row_factory) as cur:
                    yield cur

    def _keep_cursor(self, conn: Conn, row_factory: RowFactory[Any]) -> psycopg.Cursor[Any]:
        """A new connection's cursor; those of connections the pool has closed since
        (a restart, ``max_lifetime``) are let go here."""
        kept = {c: cur for c, cur in list(self._kept_cursors.items()) if not c.closed}
        kept[conn] = cursor = conn.cursor(row_factory=row_factory)
        self._kept_cursors = kept
        return cursor

    def _getconn(self, timeout: float | None = None) -> Conn:
        try:
            return self.pool.getconn(timeout)
        except PoolTimeout as exc:
            waited = self.pool.timeout if timeout is None else timeout
            raise DatabaseUnavailable(
                f"no database connection within {waited:g}s ({self.safe_dsn})"
            ) from exc
        except PoolClosed as exc:
            raise DatabaseClosed(f"the connection pool is closed ({self.safe_dsn})") from exc

    def _putconn(self, conn: Conn) -> None:
        self.idle_check.returned(conn)
        self.pool.putconn(conn)

    def execute(
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> int:
        """Run a named statement; return the number of rows it affected."""
        statement = queries.load(name, **structure).composed(identifiers)
        with self._cursor(conn, dict_row, keep=True) as cur:
            cur.execute(statement, params)
            return cur.rowcount

    # ``**structure`` could carry any keyword, row_factory too: the overloads "overlap".
    @overload
    def fetch_optional(  # type: ignore[overload-overlap]
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        row_factory: RowFactory[Row],
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Row | None: ...

    @overload
    def fetch_optional(
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> DictRow | None: ...

    def fetch_optional(  # type: ignore[misc]
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        row_factory: RowFactory[Any] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Any:
        """The first row of a named query, or None when it returns no row."""
        statement = queries.load(name, **structure).composed(identifiers)
        with self._cursor(conn, row_factory, keep=True) as cur:
            cur.execute(statement, params)
            return cur.fetchone()

    # ``**structure`` could carry any keyword, row_factory too: the overloads "overlap".
    @overload
    def fetch_one(  # type: ignore[overload-overlap]
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        row_factory: RowFactory[Row],
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Row: ...

    @overload
    def fetch_one(
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> DictRow: ...

    def fetch_one(  # type: ignore[misc]
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        row_factory: RowFactory[Any] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Any:
        """The row of a named query that always returns one; ``NoRow`` if it returned none."""
        row = self.fetch_optional(
            name, params, conn=conn, row_factory=row_factory, identifiers=identifiers, **structure
        )
        if row is None:
            raise NoRow(f"query {name} returned no row")
        return row

    # ``**structure`` could carry any keyword, row_factory too: the overloads "overlap".
    @overload
    def fetch_all(  # type: ignore[overload-overlap]
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        row_factory: RowFactory[Row],
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> list[Row]: ...

    @overload
    def fetch_all(
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> list[DictRow]: ...

    def fetch_all(  # type: ignore[misc]
        self,
        name: str,
        params: Params = None,
        *,
        conn: Conn | None = None,
        row_factory: RowFactory[Any] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Any:
        """Every row of a named query."""
        statement = queries.load(name, **structure).composed(identifiers)
        with self._cursor(conn, row_factory) as cur:
            cur.execute(statement, params)
            return cur.fetchall()

    def fetch_all_together(
        self, statements: Sequence[tuple[str, Params]], *, conn: Conn | None = None
    ) -> list[list[DictRow]]:
        """Several named statements sent in one round trip (pipeline mode), in order; the
        rows of each ([] for a statement that returns none, such as LOCK)."""
        with self._borrow(conn) as c:
            cursors = []
            with c.pipeline():
                for name, params in statements:
                    cursor = c.cursor(row_factory=dict_row)
                    cursor.execute(queries.load(name).composed(), params)
                    cursors.append(cursor)
            return [cur.fetchall() if cur.description else [] for cur in cursors]

    def copy_rows(
        self,
        name: str,
        rows: Iterable[Sequence[Any]],
        *,
        conn: Conn | None = None,
        savepoint: bool = False,
        identifiers: Mapping[str, str | tuple[str, ...]] | None = None,
        types: Sequence[int] | None = None,
    ) -> int:
        """Send ``rows`` (values in the statement's column order) through a named
        ``COPY ... FROM STDIN``; return how many were sent. With ``savepoint`` the COPY
        runs in a savepoint of ``conn``'s transaction, so a refused row leaves the
        transaction usable. ``identifiers`` fill the statement's ``{name}`` placeholders
        (the table a partition COPY writes to). A binary COPY needs ``types``: the type
        oid of each column, in the statement's order."""
        statement = queries.load(name).composed(identifiers)
        sent = 0
        with self._borrow(conn) as c:
            block = c.transaction() if savepoint else contextlib.nullcontext()
            with block, c.cursor() as cur, cur.copy(statement) as copy:
                if types is not None:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
                    sent += 1
        return sent


class _WarmFirstPool(ConnectionPool[Conn]):
    """psycopg_pool's pool, lending the connection returned last first (a stack, as
    SQLAlchemy's ``pool_use_lifo``). psycopg_pool lends the oldest idle one: after a burst
    has grown the pool, one-at-a-time calls then cycle through every backend, each gone
    cold in between (about 0.15 ms more per call, measured in ``make bench``), and none
    stays idle long enough for the pool to shrink."""

    def _get_ready_connection(self, timeout: float | None) -> Conn | None:
        # Called under the pool's lock; the pool returns connections to the right end.
        self._pool.rotate(1)
        return super()._get_ready_connection(timeout)


def _out_of_autocommit(conn: Conn) -> None:
    """Give a borrowed connection back as the pool lends it (not in autocommit); one left
    mid-statement (a cancelled call) is closed instead, so the pool replaces it."""
    if conn.info.transaction_status == TransactionStatus.IDLE:
        conn.set_autocommit(False)
    else:
        conn.close()
