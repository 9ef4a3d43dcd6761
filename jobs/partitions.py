"""partitions: monthly partitions from the current month to N months ahead.

Rows stranded in a default partition for a month of that window are moved into the new
partition first (one transaction under the job's ``lock_timeout``), so creating the
partition never fails on them. Months before the window are left alone: their rows stay
in the default partition and `pfr doctor` reports them.
"""

from __future__ import annotations

from typing import Any

from pydal_free_repo.jobs.runner import JobContext, retry_on_lock


def run(ctx: JobContext) -> dict[str, Any]:
    params = {"months_ahead": ctx.config.partitions.months_ahead, "now": ctx.now}

    def move() -> list[dict[str, Any]]:
        with ctx.conn.transaction():
            return ctx.db.fetch_all("maintenance/move_stranded_rows", params, conn=ctx.conn)

    def ensure() -> list[dict[str, Any]]:
        with ctx.conn.transaction():
            return ctx.db.fetch_all("maintenance/ensure_partitions", params, conn=ctx.conn)

    moved = retry_on_lock(ctx, "partitions: moving stranded rows", move)
    for row in moved:
        ctx.log.warning(
            "partitions: moved %s stranded row(s) of %s into %s",
            row["moved"],
            row["table_name"],
            row["partition_name"],
        )
    ensured = retry_on_lock(ctx, "partitions: creating partitions", ensure)
    stranded = ctx.db.fetch_all("maintenance/default_partition_rows", conn=ctx.conn)
    return {
        "months_ahead": params["months_ahead"],
        "created": [r["partition_name"] for r in moved]
        + [r["partition_name"] for r in ensured if r["created"]],
        "existing": sum(1 for r in ensured if not r["created"]),
        "moved": [dict(r) for r in moved],
        "rows_in_default_partitions": {
            r["table_name"]: r["row_count"] for r in stranded if r["row_count"]
        },
    }
