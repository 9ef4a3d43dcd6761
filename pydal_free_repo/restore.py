"""``pfr restore FILE --target-dsn DSN``: a backup made by the backup job into a database.

The target must be empty (no table, view or sequence outside the system schemas) unless
``clean`` is given, which drops the archive's schemas (``public`` and any other it holds,
with everything in them) first. Either way the restore runs in a single transaction
(``--no-owner``): it completes or leaves the target as it was. When a ``.sha256`` file
sits beside the dump, the dump must match it.

Triggers are post-data in an archive (created after the rows are loaded), so restored
rows keep their stored costs; the pricing triggers do not price them again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.errors import InvalidTransition, InvalidValue, NotFound


def restore(
    file: str | os.PathLike,
    target_dsn: str,
    *,
    clean: bool = False,
    config: JobsConfig | None = None,
) -> dict[str, Any]:
    from pydal_free_repo.database import Database
    from pydal_free_repo.jobs import backup

    config = config or JobsConfig()
    path = Path(file)
    if not path.is_file():
        raise NotFound(f"backup file not found: {path}")
    checksum = path.with_name(path.name + ".sha256")
    verified = False
    if checksum.is_file():
        expected = checksum.read_text().split()[0]
        if backup.sha256_of(path) != expected:
            raise InvalidValue(f"{path} does not match its checksum file {checksum.name}")
        verified = True

    with Database.connect(target_dsn, min_size=1, max_size=1) as target:
        server = target.fetch_one("jobs/server_version")
        relations = target.fetch_one("jobs/target_objects")["relations"]
    if relations and not clean:
        raise InvalidTransition(
            f"the target database is not empty ({relations} relations); restore into an empty "
            "database, or pass --clean to drop and replace the archive's objects"
        )
    pg_restore = backup.choose_tool(
        "pg_restore", server["server_version_num"] // 10000, config.backup.pg_restore
    )
    conninfo, env = backup.client_connection(target_dsn)
    timeout = config.backup.timeout_seconds
    with tempfile.TemporaryDirectory(prefix="pfr-restore-") as scratch:
        if not clean:
            command = [
                pg_restore.path,
                "--no-owner",
                "--no-password",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(path),
            ]
            backup._run(command, env, timeout, target_dsn, "pg_restore")
        else:
            # pg_restore --clean cannot drop partitions' inherited constraints; instead the
            # archive's schemas are dropped and the restore script runs after that, in ONE
            # transaction through psql, so a failure leaves the target as it was.
            script = Path(scratch) / "restore.sql"
            backup._run(
                [
                    pg_restore.path,
                    "--no-owner",
                    f"--file={script}",
                    str(path),
                ],
                env,
                timeout,
                target_dsn,
                "pg_restore",
            )
            prelude = Path(scratch) / "clean.sql"
            listing = backup._run(
                [pg_restore.path, "--list", str(path)],
                env,
                timeout,
                target_dsn,
                "pg_restore --list",
            )
            prelude.write_text(_clean_statements(target_dsn, _archive_schemas(listing)))
            psql = str(Path(pg_restore.path).with_name("psql"))
            command = [
                psql,
                "--no-psqlrc",
                "--no-password",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--file={prelude}",
                f"--file={script}",
                f"--dbname={conninfo}",
            ]
            backup._run(command, env, timeout, target_dsn, "psql (restore --clean)")
    return {
        "file": str(path),
        "checksum_verified": verified,
        "cleaned": bool(clean and relations),
        "pg_restore": pg_restore.path,
    }


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
