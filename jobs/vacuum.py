"""vacuum: ``VACUUM (ANALYZE)`` every table of the project, most dead tuples first.

Runs on the job's autocommit connection (VACUUM cannot run in a transaction), one
table at a time, each under the job's ``lock_timeout``: a table another session has
locked is reported and skipped, the rest go on. Partitioned parents are ANALYZEd last,
since autovacuum never analyzes them.
"""

from __future__ import annotations

import time
from typing import Any

from pydal_free_repo.errors import QueryTimeout
from pydal_free_repo.jobs.runner import JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    vacuumed: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for table in ctx.db.fetch_all("maintenance/vacuum_candidates", conn=ctx.conn):
        identifiers = {"schema": table["schema_name"], "table": table["table_name"]}
        began = time.monotonic()
        try:
            ctx.db.execute("maintenance/vacuum_table", conn=ctx.conn, identifiers=identifiers)
        except QueryTimeout as exc:
            ctx.log.warning("vacuum: %s skipped: %s", table["table_name"], exc)
            skipped.append({"table": table["table_name"], "reason": str(exc)})
            continue
        vacuumed.append(
            {
                "table": table["table_name"],
                "dead_tuples_before": table["dead_tuples"],
                "dead_ratio_before": round(table["dead_ratio"], 4),
                "seconds": round(time.monotonic() - began, 3),
            }
        )
    analyzed = []
    for table in ctx.db.fetch_all("maintenance/partitioned_tables", conn=ctx.conn):
        identifiers = {"schema": table["schema_name"], "table": table["table_name"]}
        try:
            ctx.db.execute("maintenance/analyze_table", conn=ctx.conn, identifiers=identifiers)
        except QueryTimeout as exc:
            skipped.append({"table": table["table_name"], "reason": str(exc)})
            continue
        analyzed.append(table["table_name"])
    return {"vacuumed": vacuumed, "analyzed_parents": analyzed, "skipped": skipped}
