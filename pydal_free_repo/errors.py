"""The package's exceptions, and the one place that turns driver errors into them.

Callers catch ``PfrError`` (or a subclass) and never see a raw psycopg error: the
message says what was wrong in words a person understands, and a connection string's
password never appears in it.
"""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors

from pydal_free_repo.redact import redact_text


class PfrError(Exception):
    """Base class of every error this package raises."""


class ConfigurationError(PfrError):
    """A setting is missing or malformed (DSN, configuration file, job name)."""


class DatabaseUnavailable(PfrError):
    """The database cannot be reached, or the connection broke mid-operation."""


class DatabaseClosed(DatabaseUnavailable):
    """The pool was closed: nothing can be written through it any more."""


class InvalidValue(PfrError, ValueError):
    """A value was refused: unknown status or action, negative count, too long a text."""


class NotFound(PfrError, LookupError):
    """The referenced row does not exist (for example an unknown history id)."""


class NoRow(PfrError, LookupError):
    """A query that always returns a row returned none (``Database.fetch_one``)."""


class InvalidTransition(PfrError):
    """A row is not in the state the operation needs (completing a row that is not processing)."""


class Reaped(InvalidTransition):
    """The reaper failed this run (no recorded activity for ``[reaper] stale_after_seconds``)
    before the worker finished it; the issue key may already be claimed by another worker.
    Record progress (an LLM call, API call, file change, node) more often than that."""


# The error_message the reaper writes starts with this (jobs/reaper.py).
REAPED_PREFIX = "reaped:"


class Conflict(PfrError):
    """A uniqueness rule refused the write."""


class MigrationError(PfrError):
    """Applying or rolling back migrations failed."""


class QueryTimeout(PfrError):
    """A statement or lock wait exceeded its timeout."""


class PermissionDenied(PfrError):
    """The database role in use has no grant for this (see sql/admin/roles.sql)."""


# What ``translate`` returns when the server (or psycopg) refused the values themselves:
# sending the same row again cannot succeed (the buffered writer then writes row by row).
REFUSED_VALUES = (InvalidValue, NotFound, Conflict)


# Friendlier words for the constraints whose raw message is least helpful. The names are
# fixed in migrations/, which is why every constraint there is named.
CONSTRAINT_MESSAGES: dict[str, str] = {
    "uq_iph_active_issue_key": "this issue already has a queued, processing or completed row",
    "check_lch_cached_within_prompt": (
        "cached_input_tokens cannot exceed prompt_tokens (cached tokens are part of the prompt)"
    ),
    "check_lch_cache_within_prompt": (
        "cached_input_tokens + cache_write_input_tokens cannot exceed prompt_tokens (cache reads "
        "and writes are part of the prompt)"
    ),
    "check_generations_cache_within_prompt": (
        "cached_input_tokens + cache_write_input_tokens cannot exceed prompt_tokens (cache reads "
        "and writes are part of the prompt)"
    ),
    "check_lch_reasoning_within_completion": (
        "reasoning_tokens cannot exceed completion_tokens (reasoning is part of the completion)"
    ),
}


def translate(exc: psycopg.Error, *, secrets: tuple[str, ...] = ()) -> PfrError:
    """Map a psycopg error to the package's error; the caller raises it ``from exc``."""
    diag = getattr(exc, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    detail = getattr(diag, "message_detail", None)
    primary = getattr(diag, "message_primary", None) or str(exc).strip()
    where = f" on {table}" if table else ""
    known = CONSTRAINT_MESSAGES.get(constraint or "")

    def say(text: str) -> str:
        return redact_text(text, secrets)

    if isinstance(exc, pg_errors.CheckViolation):
        return InvalidValue(say(f"value refused by check {constraint}{where}: {known or primary}"))
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return NotFound(
            say(f"referenced row does not exist ({constraint}{where}): {detail or primary}")
        )
    if isinstance(exc, pg_errors.UniqueViolation):
        return Conflict(say(f"{known or primary} ({constraint}{where})"))
    if isinstance(exc, pg_errors.NotNullViolation):
        column = getattr(diag, "column_name", None)
        return InvalidValue(say(f"{column}{where} must not be empty"))
    if isinstance(exc, (pg_errors.DataError, psycopg.IntegrityError)):
        return InvalidValue(say(f"value refused{where}: {primary}"))
    if isinstance(exc, psycopg.ProgrammingError) and exc.sqlstate is None:
        # Raised by psycopg before sending: a value it cannot adapt to any type.
        return InvalidValue(say(f"value cannot be sent{where}: {primary}"))
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return PermissionDenied(say(f"permission denied: {primary}"))
    if isinstance(exc, (pg_errors.QueryCanceled, pg_errors.LockNotAvailable)):
        return QueryTimeout(say(f"timed out: {primary}"))
    if isinstance(exc, pg_errors.UndefinedTable):
        # Most often a database nobody migrated (a new embedded server, a wrong DSN).
        return PfrError(say(f"database error: {primary} (has `pfr migrate` run on it?)"))
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseUnavailable(say(f"database unavailable: {primary}"))
    if isinstance(exc, psycopg.InterfaceError):
        return DatabaseUnavailable(say(f"database connection unusable: {primary}"))
    return PfrError(say(f"database error: {primary}"))


class PartialHourTimeZone(UserWarning):
    """A per-day figure was asked for in a session TimeZone that is not a whole number of
    hours from UTC (Asia/Kolkata, America/St_Johns): the rollups sum UTC hours, so days
    there may differ from the raw views. A warning, not an error: the figures are still
    returned."""
