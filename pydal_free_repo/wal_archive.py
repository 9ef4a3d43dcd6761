"""The WAL archive of the embedded server: the archive command, and reading the archive.

``archive_command`` is a short /bin/sh command, run by the server for each finished WAL
segment (``%p`` its path, ``%f`` its name). It never overwrites an archived segment: if
one of that name exists, it succeeds only when the two are identical (the server retries
a segment whose archiving it did not see finish) and fails otherwise. A new segment is
copied to a hidden temporary name, fsynced, hard-linked to its final name (``ln`` fails
rather than replace) and the directory fsynced, so a crash leaves either no segment or a
complete one. When the archive's disk is full the copy fails, the temporary file is
removed and the command fails: the server keeps the segment in ``pg_wal`` and retries
(about once a minute), so nothing is lost while ``pg_wal`` grows; ``pfr doctor`` shows
the failures (``pg_stat_archiver``), and the physical backup job's pruning frees space.

``archive_timeout`` (one hour) bounds how old the newest archived WAL can be on a quiet
server: a forced segment switch archives a 16 MB file, so a shorter timeout costs disk.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from pydal_free_repo import queries
from pydal_free_repo.errors import PfrError
from pydal_free_repo.pgtools import run_tool, wheel_bin

ARCHIVE_TIMEOUT = "1h"
SEGMENT = re.compile(r"^[0-9A-F]{24}$")
_COMMIT = re.compile(r"desc: (?:COMMIT|ABORT) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \w+)")


def archive_command(archive: Path) -> str:
    directory = shlex.quote(str(archive))
    target = f"{directory}/%f"
    temporary = f"{directory}/.%f.tmp"
    return (
        f"if [ -e {target} ]; then cmp -s %p {target}; exit $?; fi; "
        f"cp %p {temporary} && sync {temporary} && ln {temporary} {target} "
        f"&& rm -f {temporary} && sync {directory} || {{ rm -f {temporary}; exit 1; }}"
    )


def restore_command(archive: Path) -> str:
    """For recovery: copy a segment (or timeline history file) back out of the archive."""
    return f"cp {shlex.quote(str(archive))}/%f %p"


def enable(uri: str, data: Path, archive: Path) -> bool:
    """Turn archiving into ``archive`` on for the server at ``uri``; True when the server
    must restart for it (archive_mode was off). The archive is created for its user."""
    from pydal_free_repo.embedded import give_to_server

    if not archive.exists():
        archive.mkdir(mode=0o700, parents=True)
        give_to_server(archive, data)
    wanted = {
        "archive_command": archive_command(archive),
        "archive_timeout": ARCHIVE_TIMEOUT,
        "archive_mode": "on",
    }
    with psycopg.connect(uri, autocommit=True, row_factory=dict_row) as conn:
        now = conn.execute(queries.load("physical/archive_settings").text).fetchone()
        assert now is not None  # a SELECT without FROM: one row
        if now["server_version_num"] >= 170000:  # WAL summaries (incremental backups): 17+
            wanted["summarize_wal"] = "on"
        changed = {k: v for k, v in wanted.items() if now[k] != v and not _same_time(now[k], v)}
        for setting, value in changed.items():
            conn.execute(setting_statement(setting, value))
        if changed:
            conn.execute(queries.load("physical/reload").text)
    return now["archive_mode"] != "on"


def setting_statement(setting: str, value: str) -> sql.Composed:
    return sql.SQL(queries.load("physical/set_server_setting").text).format(
        setting=sql.Identifier(setting), value=sql.Literal(value)
    )


def segments(archive: Path) -> list[str]:
    """The archived WAL segment names, oldest first (timeline, then position)."""
    if not archive.is_dir():
        return []
    return sorted(p.name for p in archive.iterdir() if SEGMENT.match(p.name))


def prune(archive: Path, oldest_needed: str) -> list[str]:
    """Remove archived segments before ``oldest_needed`` (pg_archivecleanup); never it or
    anything after it, never timeline history files. Returns the names removed."""
    before = set(segments(archive))
    run_tool(
        [str(wheel_bin() / "pg_archivecleanup"), str(archive), oldest_needed],
        None,
        300,
        "",
        "pg_archivecleanup",
    )
    return sorted(before - set(segments(archive)))


def last_commit_time(archive: Path, *, look_back: int = 8) -> dt.datetime | None:
    """The time of the newest commit (or abort) in the archived WAL, or None when none of
    the newest ``look_back`` segments holds one. Recovery to a time after it can never see
    a record past its target, so that time is the end of what the archive covers."""
    names = segments(archive)
    for name in reversed(names[-look_back:]):
        found = _commit_times(archive, name)
        if found:
            return max(found)
    return None


def _commit_times(archive: Path, segment: str) -> list[dt.datetime]:
    import subprocess

    done = subprocess.run(
        [str(wheel_bin() / "pg_waldump"), f"--path={archive}", segment, segment],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # pg_waldump exits non-zero at the end of a segment's valid records; what it printed
    # before that is what we want.
    times = []
    for match in _COMMIT.finditer(done.stdout):
        stamp, zone = match.group(1).rsplit(" ", 1)
        if zone != "UTC":
            raise PfrError(f"pg_waldump printed a time in {zone}, expected UTC")
        times.append(dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.timezone.utc))
    return times


def _same_time(current: str, wanted: str) -> bool:
    # SHOW prints archive_timeout as "1h"; equal spellings need no ALTER SYSTEM.
    return current.replace(" ", "") == wanted
