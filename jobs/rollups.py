"""rollups: fold the dashboard rollups' dirty markers into their aggregate tables.

Statement triggers mark every hour (or file path) a write touches, in the writer's own
transaction; the read views aggregate the marked buckets from the raw rows, so dashboards
are exact whether or not this job has run. Running it keeps that live part small: it
recomputes the marked buckets from the raw rows and removes their markers
(``pfr_rollup_refresh()``, migration 0010), and after a partition was dropped or
detached it recomputes what that partition held. Scheduled every minute by default.
"""

from __future__ import annotations

from typing import Any

from pydal_free_repo.jobs.runner import IDLE, JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    with ctx.conn.transaction():
        rows = ctx.db.fetch_all("rollups/refresh", conn=ctx.conn)
    refreshed = {row["rollup"]: row["buckets"] for row in rows}
    changed = {name: buckets for name, buckets in refreshed.items() if buckets}
    if changed:
        ctx.log.info("rollups: recomputed %s", changed)
    # Every minute by default: a run that found nothing to fold in is not worth an INFO line.
    return {"recomputed_buckets": refreshed, IDLE: not changed}
