"""reaper: fail stale claims and stale running workflows, so nothing stays stuck.

An issue run in ``processing`` for longer than ``[reaper] stale_after_seconds`` (default 2
hours) becomes ``failed`` with an error saying why, which frees its issue key for a new
claim. A workflow ``running`` with no progress (no change to it or its nodes) for as long
becomes ``failed``, with its ``running`` nodes.
"""

from __future__ import annotations

from typing import Any

from pydal_free_repo.jobs.runner import JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    seconds = ctx.config.reaper.stale_after_seconds
    params = {
        "now": ctx.now,
        "stale_after_seconds": seconds,
        "error_message": f"reaped: no progress for {_duration(seconds)} (stale claim)",
    }
    with ctx.conn.transaction():
        claims = ctx.db.fetch_all("maintenance/reap_stale_claims", params, conn=ctx.conn)
    params["error_message"] = f"reaped: no progress for {_duration(seconds)} (stale workflow)"
    with ctx.conn.transaction():
        workflows = ctx.db.fetch_one("maintenance/reap_stale_workflows", params, conn=ctx.conn)
    for claim in claims:
        ctx.log.warning("reaper: failed stale claim %s (run %s)", claim["issue_key"], claim["id"])
    if workflows["workflow_ids"]:
        ctx.log.warning("reaper: failed stale workflows %s", workflows["workflow_ids"])
    return {
        "stale_after_seconds": seconds,
        "claims": [{"id": c["id"], "issue_key": c["issue_key"]} for c in claims],
        "workflows": workflows["workflow_ids"],
        "nodes": workflows["node_ids"],
    }


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}min"
    return f"{seconds}s"
