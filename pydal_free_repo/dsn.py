"""Which database to use: an explicit DSN, else ``DATABASE_URL``, else the embedded server."""

from __future__ import annotations

import os
import re
from urllib.parse import quote, unquote, urlencode

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.redact import redact_dsn

ENV_VAR = "DATABASE_URL"
_URI_USERINFO = re.compile(r"[a-z][a-z0-9+.-]*://[^:/@?]*:([^\n]*)@", re.IGNORECASE)


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
        params = {key: str(value) for key, value in conninfo_to_dict(dsn).items()}
    except Exception:  # psycopg.ProgrammingError: its message may quote the DSN
        raise ConfigurationError(f"malformed connection string: {redact_dsn(dsn)}") from None
    # libpq reads `postgresql://u:p@ss@host/db` as password "p", host "ss@host", and
    # `postgresql://u:pa/ss@host/db` as host "u", port "pa": the rest of the password
    # would then appear in "could not translate host name" errors. Refuse such a URI.
    written = uri_password(dsn)
    if written and unquote(written) != params.get("password"):
        raise ConfigurationError(
            f"malformed connection string: {redact_dsn(dsn)} (percent-encode an at sign, "
            "slash, colon or space in a URI's password: %40, %2F, %3A, %20)"
        )
    return params


def uri_password(dsn: str) -> str | None:
    """The password as written in a URI (``scheme://user:PASSWORD@...``, up to the last
    ``@``), or None when the DSN is not a URI with a password."""
    match = _URI_USERINFO.match(dsn.strip())
    return match.group(1) if match else None


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
