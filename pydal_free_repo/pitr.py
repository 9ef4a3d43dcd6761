"""``pfr restore --to-time T --data-dir DIR``: a new server recovered to moment ``T``.

What can be recovered is a window: from the moment the oldest kept base backup finished
(a backup is consistent only from its end) to the last commit in the archived WAL
(recovery to a time stops at the first commit after it, so it must find one). When the
source server is running, a transaction is committed and its WAL segment archived first,
so the window reaches "now". A time outside the window is refused, saying what it is.

The new data directory is rebuilt from the newest backup that finished before ``T``
(``pg_combinebackup`` over its chain, or a copy of a full one), then given
``recovery.signal`` and, in ``postgresql.auto.conf``, ``restore_command`` reading the
archive, ``recovery_target_time = T`` and ``recovery_target_action = promote``; its own
archiving goes to ``DIR-wal`` (never into the source's archive, where its new timeline
would be taken for the source's). It is started on its own Unix socket in ``DIR``; once
it has promoted, the recovery settings are removed again and its DSN is returned.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pydal_free_repo import embedded, physical, queries, wal_archive
from pydal_free_repo.errors import InvalidValue, PfrError
from pydal_free_repo.pgtools import choose_tool, run_tool

PROMOTE_TIMEOUT_SECONDS = 3600
ARCHIVE_WAIT_SECONDS = 30
RECOVERY_SETTINGS = ("restore_command", "recovery_target_time", "recovery_target_action")
# Files of the source's data directory that describe its running server, not its data.
# The embedded server keeps its Unix socket (and the socket's lock file) in the data dir.
NOT_COPIED = (
    ".handle_pids.json",
    "log",
    "postmaster.opts",
    ".s.PGSQL.5432",
    ".s.PGSQL.5432.lock",
    physical.METADATA,
)


@dataclass(frozen=True)
class Window:
    start: dt.datetime | None
    end: dt.datetime | None

    def covers(self, moment: dt.datetime) -> bool:
        return bool(self.start and self.end and self.start <= moment < self.end)

    def describe(self) -> str:
        if self.start is None:
            return "no base backup is kept yet (run `pfr backup --physical`)"
        if self.end is None or self.end <= self.start:
            return (
                f"no commit archived after the oldest backup finished ({_show(self.start)}); "
                "write something and try again"
            )
        return f"from {_show(self.start)} to before {_show(self.end)}"


def parse_time(text: str) -> dt.datetime:
    """An ISO time (``2026-12-01 10:15:00+00``); without a zone it is taken as UTC."""
    cleaned = text.strip().replace("Z", "+00:00")
    if len(cleaned) > 3 and cleaned[-3] in "+-" and cleaned[-3:].lstrip("+-").isdigit():
        cleaned += ":00"  # +00 -> +00:00 for Python 3.10
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidValue(
            f"--to-time must look like 2026-12-01 10:15:00+00, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def window(backups: Path, archive: Path) -> Window:
    kept = physical.list_backups(backups)
    start = min((b.finished_at for b in kept), default=None)
    return Window(start, wal_archive.last_commit_time(archive))


def archive_now(source_uri: str, archive: Path, timeout: float = ARCHIVE_WAIT_SECONDS) -> None:
    """Commit a transaction on the source and wait until its WAL segment is archived."""
    with psycopg.connect(source_uri, autocommit=True, connect_timeout=5) as conn:
        conn.execute(queries.load("physical/assign_xid").text)
        switched = conn.execute(queries.load("physical/switch_wal").text).fetchone()
        assert switched is not None  # a SELECT without FROM: one row
        segment = switched[0]
    deadline = time.monotonic() + timeout
    while not (archive / segment).exists():
        if time.monotonic() > deadline:
            raise PfrError(
                f"WAL segment {segment} was not archived within {timeout:g}s; see `pfr doctor`"
            )
        time.sleep(0.1)


def restore_to_time(
    moment: dt.datetime,
    data_dir: Path,
    *,
    backups: Path,
    archive: Path,
    source_uri: str | None = None,
    database: str = embedded.DATABASE_NAME,
) -> dict[str, object]:
    """Build ``data_dir`` recovered to ``moment``, start it, return its DSN and timings."""
    data_dir = Path(data_dir).expanduser().resolve()
    if data_dir.exists() and any(data_dir.iterdir()):
        raise InvalidValue(f"--data-dir {data_dir} exists and is not empty")
    if not data_dir.parent.is_dir():
        raise InvalidValue(f"the parent of --data-dir ({data_dir.parent}) does not exist")
    if source_uri:
        archive_now(source_uri, archive)
    covered = window(backups, archive)
    if not covered.covers(moment):
        raise InvalidValue(
            f"{_show(moment)} is outside what the kept backups and WAL cover: {covered.describe()}"
        )
    kept = physical.list_backups(backups)
    base = max((b for b in kept if b.finished_at <= moment), key=lambda b: b.finished_at)
    chain = physical.chain_to(kept, base)

    began = time.monotonic()
    try:
        _rebuild(chain, data_dir)
        _configure(data_dir, archive, moment)
        rebuilt = time.monotonic() - began
        _start_and_promote(data_dir)
    except BaseException:
        _stop_quietly(data_dir)
        raise
    uri = embedded.running_uri(data_dir, database)
    assert uri is not None
    with psycopg.connect(uri, autocommit=True) as conn:
        for setting in RECOVERY_SETTINGS:
            conn.execute(
                queries.load("physical/reset_server_setting").composed({"setting": setting})
            )
        conn.execute(queries.load("physical/reload").text)
    return {
        "dsn": uri,
        "data_dir": str(data_dir),
        "to_time": moment.isoformat(),
        "base_backup": base.name,
        "chain": [b.name for b in chain],
        "rebuild_seconds": round(rebuilt, 3),
        "recovery_seconds": round(time.monotonic() - began - rebuilt, 3),
    }


def _rebuild(chain: list[physical.BaseBackup], data_dir: Path) -> None:
    if len(chain) == 1:
        shutil.copytree(chain[0].path, data_dir, symlinks=True)
    else:
        combine = choose_tool("pg_combinebackup", chain[-1].server_major)
        run_tool(
            # --no-sync: the server syncs the whole data directory itself before it starts
            # recovering a backup (recovery_init_sync_method), so syncing here is twice.
            [combine.path, "--no-sync", *[str(b.path) for b in chain], f"--output={data_dir}"],
            None,
            PROMOTE_TIMEOUT_SECONDS,
            "",
            "pg_combinebackup",
        )
    for name in NOT_COPIED:
        (data_dir / name).unlink(missing_ok=True)


def _configure(data_dir: Path, archive: Path, moment: dt.datetime) -> None:
    own_archive = embedded.archive_dir(data_dir)
    own_archive.mkdir(mode=0o700, exist_ok=True)
    settings = {
        "restore_command": wal_archive.restore_command(archive),
        "recovery_target_time": moment.isoformat(sep=" "),
        "recovery_target_action": "promote",
        "archive_command": wal_archive.archive_command(own_archive),
    }
    with open(data_dir / "postgresql.auto.conf", "a") as conf:
        conf.write("\n# pfr restore --to-time\n")
        for name, value in settings.items():
            conf.write(f"{name} = '{_conf_quote(value)}'\n")
    (data_dir / "recovery.signal").touch()
    os.chmod(data_dir, 0o700)
    embedded.give_to_system_user(data_dir, own_archive)


def _start_and_promote(data_dir: Path) -> None:
    try:
        embedded.start_data_dir(data_dir, PROMOTE_TIMEOUT_SECONDS)
    except subprocess.CalledProcessError:
        raise PfrError(f"the recovered server did not start: {_last_error(data_dir)}") from None
    deadline = time.monotonic() + PROMOTE_TIMEOUT_SECONDS
    while True:
        uri = embedded.running_uri(data_dir, "postgres")
        if uri is None and not (data_dir / "postmaster.pid").exists():
            raise PfrError(f"recovery failed: {_last_error(data_dir)}")
        if uri is not None:
            try:
                with psycopg.connect(uri, connect_timeout=5) as conn:
                    state = conn.execute(queries.load("monitoring/in_recovery").text).fetchone()
                    if state is not None and not state[0]:
                        return
            except psycopg.OperationalError:
                pass
        if time.monotonic() > deadline:
            raise PfrError(f"recovery did not finish within {PROMOTE_TIMEOUT_SECONDS}s")
        time.sleep(0.1)


def _stop_quietly(data_dir: Path) -> None:
    if (data_dir / "postmaster.pid").exists():
        with contextlib.suppress(Exception):  # already stopped, or never started
            embedded.stop(data_dir)


def _last_error(data_dir: Path) -> str:
    try:
        lines = (data_dir / "log").read_text(errors="replace").splitlines()
    except OSError:
        return "no server log"
    for line in reversed(lines):
        if "FATAL" in line or "PANIC" in line:
            return line.split("FATAL:", 1)[-1].split("PANIC:", 1)[-1].strip()
    return lines[-1] if lines else "empty server log"


def _conf_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")


def _show(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")
