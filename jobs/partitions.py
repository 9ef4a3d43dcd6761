"""partitions: monthly partitions made online, one table and month per transaction.

For each partitioned table, the months it needs (``pfr_partition_months``): from the
current month to ``months_ahead`` later (``[partitions] <table>_months_ahead`` per table),
plus every month, past or far future, that has rows in the default partition (gap fill;
after missed runs the window catches up by itself). Each missing month is made by
``pfr_attach_month_partition`` (migration 0012): a standalone table, the month's stranded
rows moved into it from the default partition, then ATTACH (SHARE UPDATE EXCLUSIVE on the
parent: writers never wait for it), in its own transaction under ``ddl_lock_timeout``,
retried with jitter.

The run ends ``warning`` when rows remain in a default partition afterwards (each table
and month is named), and ``failed`` when a month could not be made (lock never granted,
or an error); the other tables and months are still done.
"""

from __future__ import annotations

from typing import Any

from pydal_free_repo.config import PARTITIONED_SETTING
from pydal_free_repo.errors import PfrError
from pydal_free_repo.jobs.runner import JobContext, ddl_transaction, retry_on_lock


def run(ctx: JobContext) -> dict[str, Any]:
    created: list[str] = []
    moved: list[dict[str, Any]] = []
    errors: list[str] = []
    existing = 0
    tables = ctx.db.fetch_all("maintenance/partitioned_tables", conn=ctx.conn)
    for table in tables:
        name = table["table_name"]
        qualified = f"{_quoted(table['schema_name'])}.{_quoted(name)}"
        months_ahead = (
            ctx.config.partitions.months_ahead_of(name)
            if name in PARTITIONED_SETTING
            else ctx.config.partitions.months_ahead
        )
        months = ctx.db.fetch_all(
            "maintenance/partition_months",
            {"table": qualified, "months_ahead": months_ahead, "now": ctx.now},
            conn=ctx.conn,
        )
        for month in months:
            if month["partition_exists"]:
                existing += 1
                continue
            params = {"table": qualified, "month": month["month"]}

            def attach(params: dict[str, Any] = params) -> dict[str, Any]:
                return ddl_transaction(
                    ctx,
                    lambda: ctx.db.fetch_one(
                        "maintenance/attach_month_partition", params, conn=ctx.conn
                    ),
                )

            try:
                made = retry_on_lock(ctx, f"partitions: {month['partition_name']}", attach)
            except PfrError as exc:
                errors.append(f"{month['partition_name']}: {exc}")
                continue
            if made["created"]:
                created.append(made["partition_name"])
            if made["moved"]:
                moved.append({"table_name": name, **made})
                ctx.log.warning(
                    "partitions: moved %s stranded row(s) of %s into %s",
                    made["moved"],
                    name,
                    made["partition_name"],
                )
    left = ctx.db.fetch_all("maintenance/default_partition_months", conn=ctx.conn)
    details: dict[str, Any] = {
        "months_ahead": ctx.config.partitions.months_ahead,
        "created": created,
        "existing": existing,
        "moved": moved,
        "rows_in_default_partitions": {
            f"{r['table_name']} {r['month']:%Y-%m}": r["row_count"] for r in left
        },
    }
    if left:
        details["warnings"] = [
            f"{r['row_count']} row(s) of {r['table_name']} for {r['month']:%Y-%m} "
            f"still in {r['default_partition']}"
            for r in left
        ]
    if errors:
        details["errors"] = errors
    return details


def _quoted(identifier: str) -> str:
    """An identifier as regclass input reads it (a bound value, never SQL text)."""
    return '"' + identifier.replace('"', '""') + '"'
