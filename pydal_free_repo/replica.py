"""``pfr replica create --data-dir DIR``: a streaming standby of the embedded server.

``pg_basebackup -R`` copies the running primary into ``DIR`` with ``standby.signal`` and
``primary_conninfo`` (its Unix socket), so the new server streams WAL from it. It also
gets ``restore_command`` reading the primary's WAL archive, so a standby that falls
behind further than the primary keeps WAL (it uses no replication slot, which could fill
the primary's disk while the standby is down) catches up from the archive. Its own
``archive_command`` points at ``DIR-wal``: if it is ever promoted, its new timeline is
not written into the primary's archive. It starts on its own socket in ``DIR``; the DSN
it prints is read-only (``DATABASE_READ_URL``) while it is a standby.

For tests and small setups on one machine; a production standby is the DBA's (the same
``pg_basebackup -R`` from another host, with a slot and monitoring).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg

from pydal_free_repo import embedded, queries, wal_archive
from pydal_free_repo.dsn import client_connection
from pydal_free_repo.errors import InvalidValue, PfrError
from pydal_free_repo.pgtools import choose_tool, run_tool

START_TIMEOUT_SECONDS = 600
NOT_COPIED = (".handle_pids.json", "log", "postmaster.opts", ".s.PGSQL.5432.lock")


def create(primary_dsn: str, data_dir: Path, *, database: str | None = None) -> str:
    """Make ``data_dir`` a standby of the primary at ``primary_dsn``, start it, return its
    DSN (for ``database``, default the primary DSN's database)."""
    data_dir = Path(data_dir).expanduser().resolve()
    if data_dir.exists() and any(data_dir.iterdir()):
        raise InvalidValue(f"--data-dir {data_dir} exists and is not empty")
    if len(str(data_dir / ".s.PGSQL.5432")) > embedded.SOCKET_PATH_LIMIT:
        raise InvalidValue(f"--data-dir {data_dir} is too long for a Unix socket path")
    with psycopg.connect(primary_dsn, connect_timeout=5) as conn:
        major = conn.info.server_version // 10000
        database = database or conn.info.dbname
        settings = conn.execute(queries.load("physical/replication_source").text).fetchone()
        assert settings is not None  # a SELECT without FROM: one row
    pg_basebackup = choose_tool("pg_basebackup", major)
    conninfo, env = client_connection(primary_dsn)
    try:
        run_tool(
            [
                pg_basebackup.path,
                f"--dbname={conninfo}",
                f"--pgdata={data_dir}",
                "--format=plain",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--write-recovery-conf",
                "--no-password",
            ],
            env,
            START_TIMEOUT_SECONDS,
            primary_dsn,
            "pg_basebackup --write-recovery-conf",
        )
        for name in NOT_COPIED:
            (data_dir / name).unlink(missing_ok=True)
        own_archive = embedded.archive_dir(data_dir)
        own_archive.mkdir(mode=0o700, exist_ok=True)
        extra = {"archive_command": wal_archive.archive_command(own_archive)}
        primary_archive = _primary_archive(settings[0], settings[1])
        if primary_archive is not None:
            extra["restore_command"] = wal_archive.restore_command(primary_archive)
        with open(data_dir / "postgresql.auto.conf", "a") as conf:
            conf.write("\n# pfr replica create\n")
            for name, value in extra.items():
                conf.write(f"{name} = '{value.replace(chr(39), chr(39) * 2)}'\n")
        data_dir.chmod(0o700)
        embedded.give_to_system_user(data_dir, own_archive)
        embedded.start_data_dir(data_dir, START_TIMEOUT_SECONDS)
    except subprocess.CalledProcessError:
        raise PfrError(f"the standby did not start: see {data_dir / 'log'}") from None
    uri = embedded.running_uri(data_dir, database)
    if uri is None:
        raise PfrError(f"the standby did not start: see {data_dir / 'log'}")
    return uri


def _primary_archive(archive_command: str, data_directory: str | None) -> Path | None:
    """The primary's archive when it is the package's own (the embedded server's)."""
    if not data_directory:
        return None
    archive = embedded.archive_dir(data_directory)
    if archive_command == wal_archive.archive_command(archive) and archive.is_dir():
        return archive
    return None
