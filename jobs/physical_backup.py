"""physical_backup: a base backup (incremental between fulls), verified, rotated, and the
WAL archive pruned to what the oldest kept backup needs.

For the embedded server the backups go to ``<data dir>-base`` and the archive is
``<data dir>-wal`` (``[physical] dir`` / ``archive_dir`` override). For a server the
package does not own, the job needs ``[physical] dir`` and a login with the REPLICATION
attribute; WAL archiving there is the DBA's (``archive_command``): with ``[physical]
archive_dir`` set to that archive the job prunes it too, without it the job only takes
base backups. With neither directory known the job does nothing and says so.
"""

from __future__ import annotations

from typing import Any

from pydal_free_repo import physical, wal_archive
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.jobs.runner import JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    return take_physical_backup(ctx.db, ctx.config, conn=ctx.conn)


def take_physical_backup(db: Database, config: JobsConfig, *, conn=None) -> dict[str, Any]:
    settings = config.physical
    server = db.fetch_one("jobs/server_version", conn=conn)
    data_directory = db.fetch_one("physical/data_directory", conn=conn)["data_directory"]
    where = physical.locations(settings.dir, settings.archive_dir, data_directory or "/nonexistent")
    if where is None:
        return {"note": "not configured: set [physical] dir for a server the package does not own"}
    backup = physical.take(
        db.dsn,
        where.backups,
        server_major=server["server_version_num"] // 10000,
        full_every_days=settings.full_every_days,
        timeout=settings.timeout_seconds,
        fsync=settings.fsync,
    )
    removed = physical.rotate(where.backups, settings.keep_full)
    pruned: list[str] = []
    oldest = physical.oldest_needed_segment(where.backups)
    if where.archive is not None and oldest is not None:
        pruned = wal_archive.prune(where.archive, oldest)
    return {
        "backup": str(backup.path),
        "kind": backup.kind,
        "removed": [b.name for b in removed],
        "wal_pruned": len(pruned),
        "oldest_wal_kept": oldest,
    }
