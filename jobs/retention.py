"""retention: drop expired partitions, delete expired rows in batches, null old file contents.

Each period is in days from the run's "now" (0 keeps forever; see ``config.Retention``).
A partitioned table loses only partitions whose whole month ends at or before the cutoff
(so rows live up to a month past their period) plus expired rows in its default
partition. Dropping a partition needs ACCESS EXCLUSIVE on the parent for a moment (a
default partition rules out DETACH CONCURRENTLY), so each drop waits at most
``ddl_lock_timeout`` per attempt and gives up after ``ddl_attempts``: the run then ends
``warning`` naming the partition. An unpartitioned table loses rows in batches of
``batch_size``, each batch its own short transaction. Deleting an issue run or a workflow
cascades to its children.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydal_free_repo.errors import QueryTimeout
from pydal_free_repo.jobs.runner import JobContext, ddl_transaction, retry_on_lock

# Partitioned table -> its [retention] setting.
PARTITIONED = {
    "bitbucket_api_history": "api_calls_days",
    "llm_call_history": "llm_calls_days",
    "generations": "generations_days",
    "file_modification_history": "file_modifications_days",
}

# Unpartitioned table -> (its [retention] setting, the batch query).
UNPARTITIONED = {
    "issue_processing_history": ("issue_runs_days", "maintenance/retention_delete_issue_runs"),
    "workflows": ("workflows_days", "maintenance/retention_delete_workflows"),
    "job_runs": ("job_runs_days", "maintenance/retention_delete_job_runs"),
}


def run(ctx: JobContext) -> dict[str, Any]:
    settings = ctx.config.retention
    dropped: list[str] = []
    deleted: dict[str, int] = {}
    locked_out: list[dict[str, str]] = []
    defaults = {
        r["table_name"]: r
        for r in ctx.db.fetch_all("maintenance/default_partitions", conn=ctx.conn)
    }

    for table, setting in PARTITIONED.items():
        cutoff = _cutoff(ctx.now, getattr(settings, setting))
        if cutoff is None:
            continue
        expired = ctx.db.fetch_all(
            "maintenance/retention_expired_partitions",
            {"table_name": table, "cutoff": cutoff, "now": ctx.now},
            conn=ctx.conn,
        )
        for partition in expired:
            identifiers = {
                "schema": partition["schema_name"],
                "partition": partition["partition_name"],
            }
            try:
                retry_on_lock(
                    ctx,
                    f"retention: dropping {partition['partition_name']}",
                    lambda ids=identifiers: ddl_transaction(
                        ctx,
                        lambda: ctx.db.execute(
                            "maintenance/retention_drop_partition", conn=ctx.conn, identifiers=ids
                        ),
                    ),
                )
            except QueryTimeout as exc:
                locked_out.append({"partition": partition["partition_name"], "reason": str(exc)})
                continue
            dropped.append(partition["partition_name"])
        if table in defaults:
            default = defaults[table]
            count = _batched(
                ctx,
                "maintenance/retention_delete_default_rows",
                {"cutoff": cutoff},
                identifiers={
                    "schema": default["schema_name"],
                    "table": default["default_partition"],
                },
            )
            if count:
                deleted[default["default_partition"]] = count

    nulled = 0
    cutoff = _cutoff(ctx.now, settings.file_contents_days)
    if cutoff is not None:
        nulled = _batched(ctx, "maintenance/retention_null_file_contents", {"cutoff": cutoff})

    for table, (setting, query) in UNPARTITIONED.items():
        cutoff = _cutoff(ctx.now, getattr(settings, setting))
        if cutoff is not None:
            count = _batched(ctx, query, {"cutoff": cutoff})
            if count:
                deleted[table] = count

    details: dict[str, Any] = {
        "dropped_partitions": dropped,
        "deleted_rows": deleted,
        "file_contents_nulled": nulled,
    }
    if locked_out:
        # Gave up quickly (ddl_attempts x ddl_lock_timeout) rather than queue every writer
        # behind an ACCESS EXCLUSIVE request: the next run tries again.
        details["not_dropped"] = locked_out
        details["warnings"] = [
            f"{p['partition']} not dropped: its lock was not granted ({p['reason']})"
            for p in locked_out
        ]
    return details


def _cutoff(now: dt.datetime, days: int) -> dt.datetime | None:
    return None if days <= 0 else now - dt.timedelta(days=days)


def _batched(
    ctx: JobContext, name: str, params: dict[str, Any], identifiers: dict[str, str] | None = None
) -> int:
    """Run one batch query until it affects fewer rows than a batch; return the total."""
    size = ctx.config.retention.batch_size
    total = 0
    while True:
        count = ctx.db.execute(
            name, {**params, "batch_size": size}, conn=ctx.conn, identifiers=identifiers
        )
        total += count
        if count < size:
            return total
