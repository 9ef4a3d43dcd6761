"""Connections: a psycopg_pool pool and the three primitives every repository uses.

``execute`` (row count), ``fetch_one`` and ``fetch_all`` run one named query from
``sql/`` with bound parameters. Each takes an optional ``conn`` so the caller can run
several of them in one transaction (``with db.transaction() as conn: ...``); without
one, the call borrows a pooled connection and commits on its own. Driver errors leave
as the package's errors (see ``errors.translate``), never as raw psycopg errors.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.rows import RowFactory, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from pydal_free_repo import queries
from pydal_free_repo.dsn import conninfo_params, resolve_dsn
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable, translate
from pydal_free_repo.redact import redact_dsn

log = logging.getLogger(__name__)

Row = TypeVar("Row")
Params = Mapping[str, Any] | Sequence[Any] | None


class Database:
    """A connection pool plus the query primitives. Create with ``Database.connect()``."""

    def __init__(self, dsn: str, pool: ConnectionPool):
        self.dsn = dsn
        self.pool = pool
        self._secrets = _secrets_of(dsn)

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
    ) -> Database:
        """Open a pool on ``dsn``, else ``DATABASE_URL``, else the embedded server.

        Connections are checked before each use, so a pool outlives a database restart.
        ``statement_timeout`` (PostgreSQL syntax, e.g. ``"30s"``) bounds every statement of
        the pool's sessions, lock waits included: a dashboard gets ``QueryTimeout`` from a
        slow or locked database instead of hanging. ``timeout`` bounds the wait for a
        connection (``DatabaseUnavailable`` after it).
        """
        resolved = resolve_dsn(dsn)
        kwargs = connection_kwargs(resolved, application_name, statement_timeout)
        freshness = _Freshness()
        pool = ConnectionPool(
            resolved,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs=kwargs,
            check=freshness.check,
            reset=freshness.returned,
            open=False,
            name="pydal_free_repo",
        )
        pool.open(wait=False)
        db = cls(resolved, pool)
        log.debug("pool opened on %s", redact_dsn(resolved))
        return db

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
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; its transaction commits on normal exit, rolls back on error."""
        with self.translated():
            try:
                with self.pool.connection() as conn:
                    yield conn
            except PoolTimeout as exc:
                raise DatabaseUnavailable(
                    f"no database connection within {self.pool.timeout:g}s ({self.safe_dsn})"
                ) from exc

    transaction = connection

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        """Turn any psycopg error raised inside the block into the package's error."""
        try:
            yield
        except psycopg.Error as exc:
            raise translate(exc, secrets=self._secrets) from exc

    @contextlib.contextmanager
    def _borrow(self, conn: psycopg.Connection | None) -> Iterator[psycopg.Connection]:
        if conn is not None:
            with self.translated():
                yield conn
        else:
            # One statement on a borrowed connection is its own transaction: run it in
            # autocommit, one round trip instead of BEGIN, statement, COMMIT.
            with self.connection() as borrowed:
                borrowed.autocommit = True
                try:
                    yield borrowed
                finally:
                    if not borrowed.closed:
                        borrowed.autocommit = False

    def execute(
        self,
        name: str,
        params: Params = None,
        *,
        conn: psycopg.Connection | None = None,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> int:
        """Run a named statement; return the number of rows it affected."""
        statement = queries.load(name, **structure).composed(identifiers)
        with self._borrow(conn) as c, c.cursor() as cur:
            cur.execute(statement, params)
            return cur.rowcount

    def fetch_one(
        self,
        name: str,
        params: Params = None,
        *,
        conn: psycopg.Connection | None = None,
        row_factory: RowFactory[Row] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Row | None:
        statement = queries.load(name, **structure).composed(identifiers)
        with self._borrow(conn) as c, c.cursor(row_factory=row_factory) as cur:
            cur.execute(statement, params)
            return cur.fetchone()

    def fetch_all(
        self,
        name: str,
        params: Params = None,
        *,
        conn: psycopg.Connection | None = None,
        row_factory: RowFactory[Row] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> list[Row]:
        statement = queries.load(name, **structure).composed(identifiers)
        with self._borrow(conn) as c, c.cursor(row_factory=row_factory) as cur:
            cur.execute(statement, params)
            return cur.fetchall()


# A connection returned to the pool less than this many seconds ago is lent again without
# the pool's check query (a round trip); pgbouncer's server_check_delay does the same. A
# connection that died in that window fails its next statement with DatabaseUnavailable.
CHECK_AFTER_IDLE_SECONDS = 1.0


class _Freshness:
    """The pool's check and reset callbacks: check only connections idle for a while."""

    def __init__(self) -> None:
        self._returned: dict[int, float] = {}

    def returned(self, conn: psycopg.Connection) -> None:
        self._returned[id(conn)] = time.monotonic()

    def check(self, conn: psycopg.Connection) -> None:
        returned = self._returned.pop(id(conn), None)
        if returned is None or time.monotonic() - returned >= CHECK_AFTER_IDLE_SECONDS:
            ConnectionPool.check_connection(conn)


def session_options(**settings: str) -> str:
    """libpq ``options`` setting server parameters at connection (``-c name=value``)."""
    parts = []
    for name, value in settings.items():
        if not str(value).replace(".", "").isalnum():
            raise ConfigurationError(f"{name} must look like 30s or 500ms, got {value!r}")
        parts.append(f"-c {name}={value}")
    return " ".join(parts)


def connection_kwargs(
    dsn: str, application_name: str, statement_timeout: str | None
) -> dict[str, Any]:
    """Session settings for every pooled connection (sync and async pools alike).

    Parsing the DSN here also makes a malformed one fail early, with its password masked."""
    given = conninfo_params(dsn)
    kwargs: dict[str, Any] = {"application_name": application_name}
    if statement_timeout is not None:
        own = session_options(statement_timeout=statement_timeout)
        kwargs["options"] = f"{given['options']} {own}" if given.get("options") else own
    return kwargs


def _secrets_of(dsn: str) -> tuple[str, ...]:
    try:
        password = conninfo_params(dsn).get("password")
    except Exception:
        return ()
    return (password,) if password else ()
