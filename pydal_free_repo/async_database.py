"""The asyncio twin of ``database.Database``, on psycopg_pool's ``AsyncConnectionPool``.

Same named queries (``queries.load``), same row factories, same error translation
(``errors.translate``); only the call layer awaits. Create it inside a running event
loop with ``await AsyncDatabase.connect(...)`` and close it with ``await db.close()``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypeVar

import psycopg
from psycopg.rows import AsyncRowFactory, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from pydal_free_repo import queries
from pydal_free_repo.database import (
    Params,
    _secrets_of,
    connection_kwargs,
    first_connect_kwargs,
    unreachable,
)
from pydal_free_repo.dsn import resolve_dsn
from pydal_free_repo.errors import DatabaseUnavailable, translate
from pydal_free_repo.redact import redact_dsn

log = logging.getLogger(__name__)

Row = TypeVar("Row")


class AsyncDatabase:
    """An async connection pool plus the query primitives of ``Database``, as coroutines."""

    def __init__(self, dsn: str, pool: AsyncConnectionPool):
        self.dsn = dsn
        self.pool = pool
        self._secrets = _secrets_of(dsn)

    @classmethod
    async def connect(
        cls,
        dsn: str | None = None,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
        application_name: str = "pydal_free_repo",
        statement_timeout: str | None = None,
        check: bool = False,
    ) -> AsyncDatabase:
        """Open a pool on ``dsn``, else ``DATABASE_URL``, else the embedded server;
        ``statement_timeout`` and ``check`` as in ``Database.connect``."""
        resolved = resolve_dsn(dsn)
        kwargs = connection_kwargs(resolved, application_name, statement_timeout)
        if check:
            try:
                first = await psycopg.AsyncConnection.connect(
                    resolved, **first_connect_kwargs(kwargs, timeout)
                )
                await first.close()
            except psycopg.Error as exc:
                raise unreachable(resolved, exc) from None
        pool = AsyncConnectionPool(
            resolved,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs=kwargs,
            check=AsyncConnectionPool.check_connection,
            open=False,
            name="pydal_free_repo_async",
        )
        await pool.open(wait=False)
        log.debug("async pool opened on %s", redact_dsn(resolved))
        return cls(resolved, pool)

    @property
    def safe_dsn(self) -> str:
        return redact_dsn(self.dsn)

    async def close(self) -> None:
        await self.pool.close()

    async def __aenter__(self) -> AsyncDatabase:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A pooled connection; its transaction commits on normal exit, rolls back on error."""
        async with self.translated():
            try:
                async with self.pool.connection() as conn:
                    yield conn
            except PoolTimeout as exc:
                raise DatabaseUnavailable(
                    f"no database connection within {self.pool.timeout:g}s ({self.safe_dsn})"
                ) from exc

    transaction = connection

    @contextlib.asynccontextmanager
    async def translated(self) -> AsyncIterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise translate(exc, secrets=self._secrets) from exc

    @contextlib.asynccontextmanager
    async def _borrow(
        self, conn: psycopg.AsyncConnection | None
    ) -> AsyncIterator[psycopg.AsyncConnection]:
        if conn is not None:
            async with self.translated():
                yield conn
        else:
            async with self.connection() as borrowed:
                yield borrowed

    async def execute(
        self,
        name: str,
        params: Params = None,
        *,
        conn: psycopg.AsyncConnection | None = None,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> int:
        """Run a named statement; return the number of rows it affected."""
        statement = queries.load(name, **structure).composed(identifiers)
        async with self._borrow(conn) as c, c.cursor() as cur:
            await cur.execute(statement, params)
            return cur.rowcount

    async def fetch_one(
        self,
        name: str,
        params: Params = None,
        *,
        conn: psycopg.AsyncConnection | None = None,
        row_factory: AsyncRowFactory[Row] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> Row | None:
        statement = queries.load(name, **structure).composed(identifiers)
        async with self._borrow(conn) as c, c.cursor(row_factory=row_factory) as cur:
            await cur.execute(statement, params)
            return await cur.fetchone()

    async def fetch_all(
        self,
        name: str,
        params: Params = None,
        *,
        conn: psycopg.AsyncConnection | None = None,
        row_factory: AsyncRowFactory[Row] = dict_row,
        identifiers: dict[str, str] | None = None,
        **structure: object,
    ) -> list[Row]:
        statement = queries.load(name, **structure).composed(identifiers)
        async with self._borrow(conn) as c, c.cursor(row_factory=row_factory) as cur:
            await cur.execute(statement, params)
            return await cur.fetchall()
