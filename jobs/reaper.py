"""reaper: fail stale claims and stale running workflows, so nothing stays stuck.

An issue run in ``processing`` with no recorded activity (claim, LLM call, API call,
file change) for ``[reaper] stale_after_seconds`` (default 2 hours) becomes ``failed``
with an error saying why, which frees its issue key for a new claim. A workflow
``running`` with no recorded activity (a change to it or its nodes, a generation) for
as long becomes ``failed``, with its ``running`` nodes. A worker that comes back and
finishes a reaped run gets ``errors.Reaped`` (an ``InvalidTransition``) saying so.
A ``job_runs`` row left ``running`` by a daemon that died becomes ``failed`` once no
process holds that job's lock.
"""

from __future__ import annotations

from typing import Any

from pydal_free_repo.errors import REAPED_PREFIX
from pydal_free_repo.jobs.runner import JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    seconds = ctx.config.reaper.stale_after_seconds
    params = {
        "now": ctx.now,
        "stale_after_seconds": seconds,
        "error_message": f"{REAPED_PREFIX} {_idle(seconds)} (stale claim)",
    }
    with ctx.conn.transaction():
        claims = ctx.db.fetch_all("maintenance/reap_stale_claims", params, conn=ctx.conn)
    params["error_message"] = f"{REAPED_PREFIX} {_idle(seconds)} (stale workflow)"
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
        "abandoned_job_runs": reap_abandoned_runs(ctx),
    }


def reap_abandoned_runs(ctx: JobContext) -> list[int]:
    """Fail job_runs rows left 'running' by a process that died, job by job, each only while
    holding that job's advisory lock (so the job is certainly not running)."""
    current = ctx.run_id if ctx.run_id is not None else -1
    reaped: list[int] = []
    names = ctx.db.fetch_all(
        "maintenance/abandoned_run_jobs", {"current_run_id": current}, conn=ctx.conn
    )
    for row in names:
        job = {"job_name": row["job_name"]}
        if not ctx.db.fetch_one("jobs/lock_try", job, conn=ctx.conn)["locked"]:
            continue  # running right now: its rows are alive
        try:
            done = ctx.db.fetch_all(
                "maintenance/reap_abandoned_runs",
                {
                    **job,
                    "current_run_id": current,
                    "error": "abandoned: the process running it ended without recording the end",
                },
                conn=ctx.conn,
            )
        finally:
            ctx.db.fetch_one("jobs/lock_release", job, conn=ctx.conn)
        reaped.extend(r["id"] for r in done)
    if reaped:
        ctx.log.warning("reaper: marked abandoned job runs failed: %s", reaped)
    return reaped


def _idle(seconds: int) -> str:
    return f"no recorded activity for {_duration(seconds)}"


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}min"
    return f"{seconds}s"
