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
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.rows import RowFactory, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from pydal_free_repo import queries
from pydal_free_repo.dsn import conninfo_params, resolve_dsn
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable, translate
from pydal_free_repo.redact import redact_dsn, redact_text

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
        check: bool = False,
    ) -> Database:
        """Open a pool on ``dsn``, else ``DATABASE_URL``, else the embedded server.

        Connections are checked before each use, so a pool outlives a database restart.
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
                psycopg.connect(resolved, **first_connect_kwargs(kwargs, timeout)).close()
            except psycopg.Error as exc:
                raise unreachable(resolved, exc) from None
        pool = ConnectionPool(
            resolved,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs=kwargs,
            check=ConnectionPool.check_connection,
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
            with self.connection() as borrowed:
                yield borrowed

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


def first_connect_kwargs(kwargs: dict[str, Any], timeout: float) -> dict[str, Any]:
    """The pool's session settings for a checked first connection, bounded by ``timeout``."""
    return {**kwargs, "connect_timeout": max(1, min(int(timeout), 10))}


def unreachable(dsn: str, exc: psycopg.Error) -> DatabaseUnavailable:
    """The server's own reason a first connection failed, on one line, password masked."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return DatabaseUnavailable(
        redact_text(f"cannot connect to {redact_dsn(dsn)}: {reason}", _secrets_of(dsn))
    )


def _secrets_of(dsn: str) -> tuple[str, ...]:
    try:
        password = conninfo_params(dsn).get("password")
    except Exception:
        return ()
    return (password,) if password else ()
