"""What the sync and async pools share: session settings, the DSN's secrets, parameter types.

Kept apart from ``async_database`` (and its generated twin ``database``) so that neither
imports the other.
"""

from __future__ import annotations

import select
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from pydal_free_repo.dsn import conninfo_params, secrets_of
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable
from pydal_free_repo.redact import redact_dsn, redact_text

__all__ = [
    "CHECK_AFTER_IDLE_SECONDS",
    "IdleCheck",
    "Params",
    "connection_kwargs",
    "first_connect_kwargs",
    "secrets_of",
    "session_options",
    "unreachable",
]

Params = Mapping[str, Any] | Sequence[Any] | None


# A connection given back to the pool less than this many seconds ago is lent again
# without the pool's check query (a round trip on every borrow otherwise), unless the
# server has written to it since; pgbouncer's server_check_delay works the same way.
CHECK_AFTER_IDLE_SECONDS = 1.0


class IdleCheck:
    """Which pooled connections the pool's ``check`` must test before lending them.

    A connection used a moment ago is alive unless the server said otherwise: a restart
    or ``pg_terminate_backend`` sends a "terminating connection" message and closes the
    socket, so an idle connection with something to read is tested. One idle for
    ``CHECK_AFTER_IDLE_SECONDS`` or more may have been cut silently (a network or NAT
    timeout): it is tested too. A connection never marked (returned by code that used the
    pool directly) is always tested."""

    def __init__(self) -> None:
        self._returned: weakref.WeakKeyDictionary[psycopg.BaseConnection[Any], float] = (
            weakref.WeakKeyDictionary()
        )

    def returned(self, conn: psycopg.BaseConnection[Any]) -> None:
        self._returned[conn] = time.monotonic()

    def needed(self, conn: psycopg.BaseConnection[Any]) -> bool:
        returned = self._returned.pop(conn, None)
        if returned is None or time.monotonic() - returned >= CHECK_AFTER_IDLE_SECONDS:
            return True
        return server_spoke(conn)


def server_spoke(conn: psycopg.BaseConnection[Any]) -> bool:
    """Whether an idle connection has bytes (or EOF) to read: at rest the server sends
    nothing unless it is ending the session (or a LISTEN channel was notified)."""
    try:
        fd = conn.fileno()
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError, psycopg.Error):
        return True


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
    # jit=off: the dashboard reads union rollup rows with a live fallback branch whose
    # estimate crosses jit_above_cost, and compiling it costs 300-500 ms on a read that
    # runs in 20 ms; none of the package's statements runs long enough to win it back.
    settings = {"jit": "off"}
    if statement_timeout is not None:
        settings["statement_timeout"] = statement_timeout
    own = session_options(**settings)
    kwargs["options"] = f"{given['options']} {own}" if given.get("options") else own
    return kwargs


def first_connect_kwargs(kwargs: dict[str, Any], timeout: float) -> dict[str, Any]:
    """The pool's session settings for a checked first connection, bounded by ``timeout``."""
    return {**kwargs, "connect_timeout": max(1, min(int(timeout), 10))}


def unreachable(dsn: str, exc: Exception) -> DatabaseUnavailable:
    """The server's own reason a first connection failed, on one line, password masked."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return DatabaseUnavailable(
        redact_text(f"cannot connect to {redact_dsn(dsn)}: {reason}", secrets_of(dsn))
    )
