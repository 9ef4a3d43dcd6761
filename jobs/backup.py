"""backup: ``pg_dump -Fc`` into the backup directory, verified, checksummed, rotated.

The dump is written to a hidden ``.partial`` file created with mode 0600, checked with
``pg_restore --list`` and read in full by ``pg_restore`` (so a truncated or corrupted
archive fails). Its ``.sha256`` file is written and fsynced *before* the dump is renamed
to ``pfr-<database>-<UTC time>.dump``: a dump under its final name always has a complete
checksum beside it, and a checksum that cannot be written (disk full) leaves no dump that
looks complete. Nothing is pruned until the new dump is in place.

A file's database is its exact identity, not a prefix: the name is parsed back
(``pfr-<database>-<YYYYmmddTHHMMSSffffffZ>.dump``, the database percent-encoded), so the
backups of ``pfr`` never touch those of ``pfr-2`` in the same directory. Rotation keeps
the ``keep_count`` newest intact dumps (matching their ``.sha256``) and, of those, removes
any older than ``keep_days`` days; the dump just made is never removed, and neither is a
dump that no longer matches its checksum (reported as suspect).

The pg_dump used is the configured one (``[backup] pg_dump``), else the embedded wheel's,
else the first on PATH, and its major version must be at least the server's. The
password goes to pg_dump through ``PGPASSWORD``, never on its command line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from pydal_free_repo.backup_files import fsync_path, intact, sha256_of, write_checksum
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.dsn import client_connection
from pydal_free_repo.errors import PfrError
from pydal_free_repo.jobs.runner import JobContext
from pydal_free_repo.pgtools import choose_tool, run_tool

SUFFIX = ".dump"
_NAME = re.compile(r"^pfr-(?P<database>.+)-(?P<stamp>\d{8}T\d{12}Z)\.dump$")


def run(ctx: JobContext) -> dict[str, Any]:
    return make_backup(ctx.db, ctx.config, conn=ctx.conn, now=ctx.now)


def dump_name(database: str, stamp: str) -> str:
    return f"pfr-{quote(database, safe='')}-{stamp}{SUFFIX}"


def database_of(name: str) -> str | None:
    """The database a dump file (or its ``.partial``) belongs to, or None if not a dump."""
    if name.startswith(".") and name.endswith(".partial"):
        name = name[1 : -len(".partial")]
    match = _NAME.match(name)
    return unquote(match["database"]) if match else None


def dumps_of(directory: Path, database: str, *, partial: bool = False) -> list[Path]:
    """This database's dumps (or leftover ``.partial`` files) in ``directory``, exactly."""
    pattern = f".pfr-*{SUFFIX}.partial" if partial else f"pfr-*{SUFFIX}"
    return [p for p in directory.glob(pattern) if database_of(p.name) == database]


def make_backup(
    db: Database, config: JobsConfig, *, conn=None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Dump, verify, checksum, rename, rotate; return the file and what rotation removed."""
    server = db.fetch_one("jobs/server_version", conn=conn)
    server_major = server["server_version_num"] // 10000
    database = server["database_name"]
    pg_dump = choose_tool("pg_dump", server_major, config.backup.pg_dump)
    pg_restore = choose_tool(
        "pg_restore", server_major, config.backup.pg_restore, beside=pg_dump.path
    )
    directory = Path(config.backup.dir).expanduser()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The job's lock means no other backup of this database is being written: any .partial
    # file of it is what a killed run left behind. Other databases' files are not ours.
    leftovers = sorted(dumps_of(directory, database, partial=True))
    for path in leftovers:
        path.unlink(missing_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = directory / dump_name(database, stamp)
    partial = directory / f".{final.name}.partial"
    checksum = final.with_name(final.name + ".sha256")

    conninfo, env = client_connection(db.dsn)
    timeout = config.backup.timeout_seconds
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        run_tool(
            [
                pg_dump.path,
                "--format=custom",
                "--no-password",
                # Fail rather than queue behind a long ACCESS EXCLUSIVE lock (and block others).
                f"--lock-wait-timeout={config.timeouts.lock_timeout}",
                f"--file={partial}",
                f"--dbname={conninfo}",
            ],
            env,
            timeout,
            db.dsn,
            "pg_dump",
        )
        listing = run_tool(
            [pg_restore.path, "--list", str(partial)], env, timeout, db.dsn, "pg_restore --list"
        )
        if not any(line and not line.startswith(";") for line in listing.splitlines()):
            raise PfrError(f"backup {final.name} failed verification: its archive is empty")
        # --list reads only the table of contents, which a custom archive writes first: a
        # truncated or corrupted dump still lists. Reading every entry to /dev/null
        # decompresses all the data and fails on either.
        run_tool(
            [pg_restore.path, f"--file={os.devnull}", str(partial)],
            env,
            timeout,
            db.dsn,
            "pg_restore (verification)",
        )
        digest = sha256_of(partial)
        fsync_path(partial)
        write_checksum(checksum, digest, final.name)
        os.replace(partial, final)
        fsync_path(directory)
    except BaseException:
        partial.unlink(missing_ok=True)
        if not final.exists():
            checksum.unlink(missing_ok=True)
        raise
    suspects: list[Path] = []
    removed = rotate(
        directory,
        database,
        keep_count=config.backup.keep_count,
        keep_days=config.backup.keep_days,
        now=now,
        keep=final,
        suspects=suspects,
    )
    return {
        "file": str(final),
        "bytes": final.stat().st_size,
        "sha256": digest,
        "pg_dump": pg_dump.path,
        "pg_dump_major": pg_dump.major,
        "server_major": server_major,
        "removed": [str(p) for p in removed],
        "suspect": [str(p) for p in suspects],
        "removed_partial": [str(p) for p in leftovers],
    }


def rotate(
    directory: Path,
    database: str,
    *,
    keep_count: int,
    keep_days: int,
    now: dt.datetime | None = None,
    keep: Path | None = None,
    suspects: list[Path] | None = None,
) -> list[Path]:
    """Remove ``database``'s dumps beyond the ``keep_count`` newest or older than
    ``keep_days`` days.

    Only intact dumps (matching their ``.sha256``) count towards ``keep_count``: a dump
    truncated or corrupted on disk must not push a good one out. Such a dump is never
    removed here either (someone should look at it); it is appended to ``suspects``.
    Checking reads every kept dump once per run."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found = sorted(dumps_of(directory, database), key=lambda p: p.name, reverse=True)
    dumps = []
    for path in found:
        if path == keep or intact(path):
            dumps.append(path)
        elif suspects is not None:
            suspects.append(path)
    removed = []
    for index, path in enumerate(dumps):
        if keep is not None and path == keep:
            continue
        age = now - dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        if index >= keep_count or (keep_days > 0 and age > dt.timedelta(days=keep_days)):
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".sha256").unlink(missing_ok=True)
            removed.append(path)
    return removed
