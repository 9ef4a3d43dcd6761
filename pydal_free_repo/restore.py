"""``pfr restore FILE``: a logical backup made by the backup job into a database.

The target is ``--target-dsn DSN``, or ``--target-db NAME``: a database of that name on
the same server as the command's own DSN (the embedded server by default), created when
it does not exist. An unreachable target fails at once with the server's reason.

The dump must match the ``.sha256`` file written beside it; a dump without one (or with
an empty or unreadable one) is refused unless ``verify=False`` (``--no-checksum``), and a
truncated or corrupted archive fails in ``pg_restore``. Every failure is one line.

The target must be empty (no table, view or sequence outside the system schemas) unless
``clean`` is given, which drops the archive's schemas (``public`` and any other it holds,
with everything in them) first. Either way the restore runs in a single transaction: it
completes or leaves the target as it was. Objects are restored with ``--no-owner
--no-privileges``: they belong to the restoring user and carry no GRANTs, so the restore
works on a fresh server where the roles of ``sql/admin/roles.sql`` do not exist; apply
that file again afterwards to give the roles their grants.

Triggers are post-data in an archive (created after the rows are loaded), so restored
rows keep their stored costs; the pricing triggers do not price them again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pydal_free_repo.backup_files import checksum_path, read_checksum, sha256_of
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.dsn import client_connection, secrets_of, with_database
from pydal_free_repo.errors import DatabaseUnavailable, InvalidTransition, InvalidValue, NotFound
from pydal_free_repo.pgtools import choose_tool, run_tool
from pydal_free_repo.redact import redact_text

CONNECT_TIMEOUT_SECONDS = 5
# Everything a restore passes to pg_restore about ownership: see the module docstring.
OWNERSHIP = ["--no-owner", "--no-privileges"]


def target_database(source_dsn: str, name: str) -> str:
    """The DSN of database ``name`` on ``source_dsn``'s server, created when missing."""
    with _connect(source_dsn) as conn:
        conn.autocommit = True
        found = conn.execute(_query("jobs/database_exists"), {"name": name}).fetchone()
        if not (found and found[0]):
            conn.execute(_query("jobs/create_database", {"database": name}))
    return with_database(source_dsn, name)


def verify_checksum(path: Path) -> None:
    """Raise ``InvalidValue`` unless ``path`` matches the checksum file beside it."""
    checksum = checksum_path(path)
    if not checksum.exists():
        raise InvalidValue(
            f"{path.name} has no checksum file ({checksum.name}); it may be incomplete. "
            "Pass --no-checksum to restore it anyway"
        )
    expected = read_checksum(path)
    if expected is None:
        raise InvalidValue(
            f"the checksum file {checksum.name} is empty or unreadable, so {path.name} cannot "
            "be verified (the backup that wrote it failed). Pass --no-checksum to restore it anyway"
        )
    if sha256_of(path) != expected:
        raise InvalidValue(f"{path.name} does not match its checksum file {checksum.name}")


def restore(
    file: str | os.PathLike,
    target_dsn: str,
    *,
    clean: bool = False,
    verify: bool = True,
    config: JobsConfig | None = None,
) -> dict[str, Any]:
    config = config or JobsConfig()
    path = Path(file)
    if not path.is_file():
        raise NotFound(f"backup file not found: {path}")
    if verify:
        verify_checksum(path)

    with _connect(target_dsn) as conn:
        server_major = conn.info.server_version // 10000
        counted = conn.execute(_query("jobs/target_objects")).fetchone()
        relations = counted[0] if counted else 0
    if relations and not clean:
        raise InvalidTransition(
            f"the target database is not empty ({relations} relations); restore into an empty "
            "database, or pass --clean to drop and replace the archive's objects"
        )
    pg_restore = choose_tool("pg_restore", server_major, config.backup.pg_restore)
    conninfo, env = client_connection(target_dsn)
    timeout = config.backup.timeout_seconds

    def pg(command: list[str], what: str) -> str:
        return run_tool(command, env, timeout, target_dsn, what)

    # Reading the table of contents first turns a file that is no archive at all (or one
    # cut short in its header) into one clear line before anything touches the target.
    pg([pg_restore.path, "--list", str(path)], "pg_restore --list (reading the archive)")
    with tempfile.TemporaryDirectory(prefix="pfr-restore-") as scratch:
        if not clean:
            pg(
                [
                    pg_restore.path,
                    *OWNERSHIP,
                    "--no-password",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={conninfo}",
                    str(path),
                ],
                "pg_restore",
            )
        else:
            # pg_restore --clean cannot drop partitions' inherited constraints; instead the
            # archive's schemas are dropped and the restore script runs after that, in ONE
            # transaction through psql, so a failure leaves the target as it was.
            script = Path(scratch) / "restore.sql"
            pg([pg_restore.path, *OWNERSHIP, f"--file={script}", str(path)], "pg_restore")
            listing = pg([pg_restore.path, "--list", str(path)], "pg_restore --list")
            prelude = Path(scratch) / "clean.sql"
            prelude.write_text(_clean_statements(target_dsn, _archive_schemas(listing)))
            pg(
                [
                    pg_restore.sibling("psql"),
                    "--no-psqlrc",
                    "--no-password",
                    "--quiet",
                    "--set=ON_ERROR_STOP=1",
                    "--single-transaction",
                    f"--file={prelude}",
                    f"--file={script}",
                    f"--dbname={conninfo}",
                ],
                "psql (restore --clean)",
            )
    return {
        "file": str(path),
        "checksum_verified": verify,
        "cleaned": bool(clean and relations),
        "pg_restore": pg_restore.path,
    }


def _connect(dsn: str) -> psycopg.Connection:
    """One direct connection that fails at once (no pool retrying for 30 s)."""
    try:
        return psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseUnavailable(
            redact_text(f"cannot connect to the restore target: {reason}", secrets_of(dsn))
        ) from None


def _query(name: str, identifiers: dict[str, str] | None = None) -> sql.SQL | sql.Composed:
    from pydal_free_repo import queries

    return queries.load(name).composed(identifiers)


def _archive_schemas(listing: str) -> list[str]:
    """The schemas an archive restores: public, plus each it creates (``SCHEMA - name``)."""
    schemas = ["public"]
    for line in listing.splitlines():
        if not line.startswith(";") and " SCHEMA - " in line:
            name = line.split(" SCHEMA - ", 1)[1].split()[0]
            if name not in schemas:
                schemas.append(name)
    return schemas


def _clean_statements(target_dsn: str, schemas: list[str]) -> str:
    from pydal_free_repo import queries

    with psycopg.connect(target_dsn) as conn:
        drops = [
            queries.load("jobs/restore_drop_schema").composed({"schema": s}).as_string(conn)
            for s in schemas
        ]
        create = queries.load("jobs/restore_create_schema").composed({"schema": "public"})
        return ";\n".join([*drops, create.as_string(conn)]) + ";\n"
