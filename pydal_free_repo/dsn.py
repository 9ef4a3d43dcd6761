"""Which database to use: an explicit DSN, else ``DATABASE_URL``, else the embedded server."""

from __future__ import annotations

import os
import re
from urllib.parse import quote, unquote, urlencode

from psycopg.conninfo import conninfo_to_dict

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


def yoyo_uri(dsn: str) -> str:
    """The DSN as a yoyo URI; the ``+psycopg`` scheme selects psycopg 3, not psycopg2."""
    params = conninfo_params(dsn)
    database = params.pop("dbname", "")
    return f"postgresql+psycopg:///{quote(database, safe='')}?{urlencode(params)}"
