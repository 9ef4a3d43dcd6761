"""Which database to use: an explicit DSN, else ``DATABASE_URL``, else the embedded server."""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.redact import redact_dsn

ENV_VAR = "DATABASE_URL"


def resolve_dsn(dsn: str | None = None) -> str:
    if dsn:
        return dsn
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    from pydal_free_repo import embedded

    return embedded.start().uri


def conninfo_params(dsn: str) -> dict[str, str]:
    """The DSN's parameters (URI or key=value form); malformed: ConfigurationError, no password."""
    try:
        return {key: str(value) for key, value in conninfo_to_dict(dsn).items()}
    except Exception:  # psycopg.ProgrammingError: its message may quote the DSN
        raise ConfigurationError(f"malformed connection string: {redact_dsn(dsn)}") from None


def password_of(dsn: str) -> str | None:
    """The DSN's password, if it has one; None for a malformed DSN too (never raises)."""
    try:
        return conninfo_params(dsn).get("password") or None
    except ConfigurationError:
        return None


def secrets_of(dsn: str) -> tuple[str, ...]:
    """What must never appear in a message about ``dsn``: its password, when it has one."""
    password = password_of(dsn)
    return (password,) if password else ()


def client_connection(dsn: str) -> tuple[str, dict[str, str]]:
    """For a client program (pg_dump, psql): a conninfo without the password, and an
    environment carrying it as ``PGPASSWORD`` (never on a command line, where ps shows it)."""
    params = conninfo_params(dsn)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def with_database(dsn: str, dbname: str) -> str:
    """The same server and credentials as ``dsn``, another database."""
    return make_conninfo(dsn, dbname=dbname)


def yoyo_uri(dsn: str) -> str:
    """The DSN as a yoyo URI; the ``+psycopg`` scheme selects psycopg 3, not psycopg2."""
    params = conninfo_params(dsn)
    database = params.pop("dbname", "")
    return f"postgresql+psycopg:///{quote(database, safe='')}?{urlencode(params)}"
