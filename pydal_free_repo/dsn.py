"""Which database to use: an explicit DSN, else ``DATABASE_URL``, else the embedded server."""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

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


def yoyo_uri(dsn: str) -> str:
    """The DSN as a yoyo URI; the ``+psycopg`` scheme selects psycopg 3, not psycopg2."""
    params = conninfo_params(dsn)
    database = params.pop("dbname", "")
    return f"postgresql+psycopg:///{quote(database, safe='')}?{urlencode(params)}"
