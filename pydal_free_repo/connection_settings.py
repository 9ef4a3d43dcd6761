"""What the sync and async pools share: session settings, the DSN's secrets, parameter types.

Kept apart from ``async_database`` (and its generated twin ``database``) so that neither
imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydal_free_repo.dsn import conninfo_params, secrets_of
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable
from pydal_free_repo.redact import redact_dsn, redact_text

__all__ = [
    "Params",
    "connection_kwargs",
    "first_connect_kwargs",
    "secrets_of",
    "session_options",
    "unreachable",
]

Params = Mapping[str, Any] | Sequence[Any] | None


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
