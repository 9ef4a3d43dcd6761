"""Physical base backups: ``pg_basebackup`` into a directory, verified, listed, rotated.

Each backup is a plain-format ``pg_basebackup`` (with the WAL it needs, ``-X stream``)
in ``<dir>/<UTC time, to the microsecond>-full`` or ``-incr``. It is written under a
hidden ``.partial`` name, checked with ``pg_verifybackup``, given a ``pfr-backup.json``
(kind, parent, when it started and finished, its first WAL segment) written last, and
only then renamed: a directory without the ``.partial`` mark is a complete, verified backup.

Incremental backups (PostgreSQL 17+ with ``summarize_wal = on``, which the embedded
server has) hold only the blocks changed since their parent; a chain is one full backup
and the incrementals after it, and ``pg_combinebackup`` rebuilds a data directory from a
chain. A full backup is taken when there is none yet, when the newest full one is
``full_every_days`` old, or when the server cannot take an incremental one.

Rotation keeps the ``keep_full`` newest chains whole (an incremental is useless without
its chain) and only then prunes archived WAL older than the oldest kept backup's first
segment: WAL newer than that is never removed, so every kept backup can be rolled forward.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydal_free_repo.backup_files import fsync_path
from pydal_free_repo.dsn import client_connection
from pydal_free_repo.errors import PfrError
from pydal_free_repo.pgtools import choose_tool, run_tool

METADATA = "pfr-backup.json"
_NAME = re.compile(r"^\d{8}T\d{12}Z-(full|incr)$")
_START = re.compile(r"START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)")


@dataclass(frozen=True)
class BaseBackup:
    path: Path
    kind: str  # "full" or "incremental"
    parent: str | None
    started_at: dt.datetime
    finished_at: dt.datetime
    start_segment: str
    server_major: int

    @property
    def name(self) -> str:
        return self.path.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "parent": self.parent,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "start_segment": self.start_segment,
            "bytes": _size(self.path),
        }


def list_backups(directory: Path) -> list[BaseBackup]:
    """The complete backups in ``directory``, oldest first (partial ones are not listed)."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if not _NAME.match(path.name) or not (path / METADATA).is_file():
            continue
        meta = json.loads((path / METADATA).read_text())
        found.append(
            BaseBackup(
                path=path,
                kind=meta["kind"],
                parent=meta["parent"],
                started_at=dt.datetime.fromisoformat(meta["started_at"]),
                finished_at=dt.datetime.fromisoformat(meta["finished_at"]),
                start_segment=meta["start_segment"],
                server_major=meta["server_major"],
            )
        )
    return found


def chains(backups: list[BaseBackup]) -> list[list[BaseBackup]]:
    """Backups grouped into chains (a full one and the incrementals after it), oldest first."""
    out: list[list[BaseBackup]] = []
    for backup in backups:
        if backup.kind == "full" or not out:
            out.append([backup])
        else:
            out[-1].append(backup)
    return out


def chain_to(backups: list[BaseBackup], target: BaseBackup) -> list[BaseBackup]:
    """The backups ``pg_combinebackup`` needs to rebuild ``target``, full one first."""
    for chain in chains(backups):
        if target in chain:
            return chain[: chain.index(target) + 1]
    raise PfrError(f"backup {target.name} is not in the list")


def take(
    dsn: str,
    directory: Path,
    *,
    server_major: int,
    full_every_days: int = 7,
    timeout: float = 3600,
    now: dt.datetime | None = None,
    force_full: bool = False,
    fsync: bool = True,
) -> BaseBackup:
    """Take one base backup of the server at ``dsn`` into ``directory``; return it."""
    now = now or dt.datetime.now(dt.timezone.utc)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pg_basebackup = choose_tool("pg_basebackup", server_major)
    pg_verifybackup = choose_tool("pg_verifybackup", server_major, beside=pg_basebackup.path)
    existing = list_backups(directory)
    parent = existing[-1] if existing else None
    newest_full = next((b for b in reversed(existing) if b.kind == "full"), None)
    incremental = (
        not force_full
        and server_major >= 17
        and parent is not None
        and newest_full is not None
        and now - newest_full.started_at < dt.timedelta(days=full_every_days)
    )
    for leftover in directory.glob(".*.partial"):  # a killed run's; the job lock is held
        shutil.rmtree(leftover, ignore_errors=True)
    conninfo, env = client_connection(dsn)
    started = dt.datetime.now(dt.timezone.utc)
    kind = "incr" if incremental else "full"
    name = f"{started.strftime('%Y%m%dT%H%M%S%fZ')}-{kind}"
    partial = directory / f".{name}.partial"
    command = [
        pg_basebackup.path,
        f"--dbname={conninfo}",
        f"--pgdata={partial}",
        "--format=plain",
        "--wal-method=stream",
        "--checkpoint=fast",
        "--no-password",
        "--label=pfr physical backup",
        *([] if fsync else ["--no-sync"]),
    ]
    try:
        if incremental:
            assert parent is not None
            try:
                run_tool(
                    [*command, f"--incremental={parent.path / 'backup_manifest'}"],
                    env,
                    timeout,
                    dsn,
                    "pg_basebackup --incremental",
                )
            except PfrError as exc:
                # No WAL summaries back to the parent (summarize_wal was off then): a full one.
                if "summar" not in str(exc) and "incremental" not in str(exc):
                    raise
                shutil.rmtree(partial, ignore_errors=True)
                return take(
                    dsn,
                    directory,
                    server_major=server_major,
                    full_every_days=full_every_days,
                    timeout=timeout,
                    now=now,
                    force_full=True,
                    fsync=fsync,
                )
        else:
            run_tool(command, env, timeout, dsn, "pg_basebackup")
        run_tool(
            [pg_verifybackup.path, "--quiet", str(partial)], env, timeout, dsn, "pg_verifybackup"
        )
        finished = dt.datetime.now(dt.timezone.utc)
        label = (partial / "backup_label").read_text()
        match = _START.search(label)
        if not match:
            raise PfrError(f"backup {name}: no START WAL LOCATION in its backup_label")
        meta = {
            "kind": "incremental" if incremental else "full",
            "parent": parent.name if incremental and parent else None,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "start_segment": match.group(1),
            "server_major": server_major,
        }
        metadata = partial / METADATA
        metadata.write_text(json.dumps(meta, indent=2) + "\n")
        fsync_path(metadata)
        final = directory / name
        os.replace(partial, final)
        fsync_path(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return next(b for b in list_backups(directory) if b.name == name)


def rotate(directory: Path, keep_full: int) -> list[BaseBackup]:
    """Remove whole chains beyond the ``keep_full`` newest; return what was removed."""
    removed = []
    for chain in chains(list_backups(directory))[:-keep_full]:
        # Newest first: an interrupted removal never leaves an incremental without parent.
        for backup in reversed(chain):
            shutil.rmtree(backup.path)
            removed.append(backup)
    return removed


def oldest_needed_segment(directory: Path) -> str | None:
    """The first WAL segment the oldest kept backup needs, or None when there is none."""
    kept = list_backups(directory)
    return kept[0].start_segment if kept else None


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@dataclass(frozen=True)
class Locations:
    backups: Path
    archive: Path | None  # None: WAL archiving is the DBA's, outside the package


def locations(
    dir: str = "", archive_dir: str = "", data_directory: str | os.PathLike | None = None
) -> Locations | None:
    """Where base backups and the WAL archive are: the configured directories, else those
    beside the embedded server's data directory (``data_directory``, default
    ``PFR_DATA_DIR``) when its archive exists; None when neither says."""
    from pydal_free_repo import embedded

    archive = Path(archive_dir).expanduser() if archive_dir else None
    if dir:
        return Locations(Path(dir).expanduser(), archive)
    data = embedded.data_dir(data_directory)
    if embedded.archive_dir(data).is_dir():
        return Locations(embedded.base_backup_dir(data), archive or embedded.archive_dir(data))
    return None
