"""``pfr doctor``: the monitoring queries of document 004 as one health report.

Replication is reported from the side the server is on: a primary lists its standbys
with their lag (bytes of WAL not yet replayed, and time); a standby shows its own. With
``DATABASE_READ_URL`` set, the read standby's own view is added as ``read_replica``.

Each section is one named query under ``sql/monitoring/`` (or ``sql/maintenance/``); a
section that cannot run here (pg_stat_statements not installed) says so instead of
failing the report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database

SECTIONS = (
    "table_sizes",
    "index_usage",
    "unused_indexes",
    "dead_tuples",
    "slow_queries",
    "waiting_locks",
    "default_partition_rows",
    "unpriced_llm_calls",
    "unknown_usage_llm_calls",
    "usage_problems",
    "stale_claims",
    "replication",
    "wal_archiver",
)


def report(
    db: Database, config: JobsConfig | None = None, *, now: dt.datetime | None = None, limit=50
) -> dict[str, Any]:
    """Every section as a list of rows (or a note), keyed by section name."""
    config = config or JobsConfig()
    now = now or dt.datetime.now(dt.timezone.utc)
    params = {"limit": limit}
    out: dict[str, Any] = {}
    with db.connection() as conn:
        out["table_sizes"] = db.fetch_all("monitoring/table_sizes", params, conn=conn)
        indexes = db.fetch_all("monitoring/index_usage", params, conn=conn)
        out["index_usage"] = indexes
        out["unused_indexes"] = [row for row in indexes if row["unused"]]
        out["dead_tuples"] = db.fetch_all("monitoring/dead_tuples", params, conn=conn)
        if db.fetch_one("monitoring/pg_stat_statements_available", conn=conn)["available"]:
            out["slow_queries"] = db.fetch_all("monitoring/slow_queries", params, conn=conn)
        else:
            out["slow_queries"] = {"note": "pg_stat_statements is not installed in this database"}
        out["waiting_locks"] = db.fetch_all("monitoring/waiting_locks", params, conn=conn)
        # One row per table and UTC month: the months the partitions job must make.
        out["default_partition_rows"] = db.fetch_all(
            "maintenance/default_partition_months", conn=conn
        )
        # One scan per table for both: calls without a cost, by the word every report uses.
        without_cost = db.fetch_all("monitoring/llm_calls_without_cost", params, conn=conn)
        for section, word in (
            ("unpriced_llm_calls", "unpriced"),
            ("unknown_usage_llm_calls", "unknown usage"),
        ):
            out[section] = [
                {k: v for k, v in row.items() if k != "pricing"}
                for row in without_cost
                if row["pricing"] == word
            ]
        out["usage_problems"] = db.fetch_all("monitoring/usage_problems", params, conn=conn)
        out["stale_claims"] = db.fetch_all(
            "monitoring/stale_claims",
            {**params, "now": now, "stale_after_seconds": config.reaper.stale_after_seconds},
            conn=conn,
        )
        out["replication"] = replication(db, conn=conn, limit=limit)
        out["wal_archiver"] = db.fetch_all("monitoring/wal_archiver", conn=conn)
    reader = getattr(db, "reader", None)  # DATABASE_READ_URL: the standby reads go to
    if reader is not None:
        out["read_replica"] = replication(reader, limit=limit)
    return out


def replication(db: Database, *, conn=None, limit: int = 50) -> list[dict[str, Any]]:
    """On a primary, its standbys and their lag; on a standby, its own lag."""
    if db.fetch_one("monitoring/in_recovery", conn=conn)["in_recovery"]:
        return db.fetch_all("monitoring/replica_lag", conn=conn)
    return db.fetch_all("monitoring/replication_standbys", {"limit": limit}, conn=conn)
