"""The schema: apply, list and roll back the yoyo migrations shipped in ``migrations/``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import psycopg
from yoyo import get_backend, read_migrations
from yoyo.migrations import MigrationList

from pydal_free_repo.dsn import resolve_dsn, secrets_of, yoyo_uri
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable, MigrationError
from pydal_free_repo.redact import redact_text


@dataclass(frozen=True)
class MigrationState:
    id: str
    applied: bool


def migrations_dir() -> Path:
    return Path(str(files("pydal_free_repo.migrations")))


def _migrations() -> MigrationList:
    # The folder is a Python package (so importlib.resources can find it once installed);
    # its __init__.py is not a migration.
    found = read_migrations(str(migrations_dir()))
    return MigrationList([m for m in found if not m.id.startswith("__")])


@contextlib.contextmanager
def _backend(dsn: str | None) -> Iterator[Any]:
    resolved = resolve_dsn(dsn)
    secrets = secrets_of(resolved)
    try:
        # yoyo leaves its connection open unless the backend is used as a context manager.
        with get_backend(yoyo_uri(resolved)) as backend, backend.lock():
            yield backend
    except (MigrationError, ConfigurationError):
        raise  # a malformed DSN is a configuration error (exit 2), already masked
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(redact_text(f"database unavailable: {exc}", secrets)) from exc
    except Exception as exc:
        raise MigrationError(redact_text(f"migration failed: {exc}", secrets)) from exc


# From this migration on, model_pricing mirrors the genai-prices catalogue.
CATALOGUE_MIGRATION = "0021_price_from_catalogue"


def migrate(dsn: str | None = None) -> list[str]:
    """Apply every pending migration, then load the installed genai-prices catalogue
    into model_pricing (a no-op when this version is loaded); return the ids applied."""
    with _backend(dsn) as backend:
        pending = backend.to_apply(_migrations())
        backend.apply_migrations(pending)
        applied = set(backend.get_applied_migration_hashes())
        catalogue = any(m.id == CATALOGUE_MIGRATION and m.hash in applied for m in _migrations())
    if catalogue:
        _sync_catalogue(dsn)
    return [m.id for m in pending]


def _sync_catalogue(dsn: str | None) -> None:
    from pydal_free_repo import pricing
    from pydal_free_repo.database import Database

    with Database.connect(dsn, min_size=1, max_size=1) as db:
        pricing.sync_catalogue(db)


def rollback(dsn: str | None = None, count: int = 1) -> list[str]:
    """Roll back the ``count`` most recent migrations; return their ids."""
    if count < 1:
        raise MigrationError("rollback needs a count of at least 1")
    with _backend(dsn) as backend:
        to_roll = backend.to_rollback(_migrations())[:count]
        backend.rollback_migrations(to_roll)
        return [m.id for m in to_roll]


def status(dsn: str | None = None) -> list[MigrationState]:
    with _backend(dsn) as backend:
        applied = set(backend.get_applied_migration_hashes())
        return [MigrationState(m.id, m.hash in applied) for m in _migrations()]
