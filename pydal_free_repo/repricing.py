"""Recompute the stored cost of past LLM calls after prices changed (``pfr pricing reprice``).

Which calls: with ``model``, every call of that model in the window (a price of it was
set or changed); without, the calls that are unpriced (no price when they were written,
or written by another client with no cost) and those priced from a retired price (an
older catalogue version, the 2024 seed rows). Calls with no token count are skipped:
there is nothing to price.

How: keyset batches on (created_at, id) through ``idx_*_created_at``; each batch is priced
in Python exactly as a new call is (``pricing.price_row``) and only the rows whose cost or
price changed are updated, in one short statement per batch (autocommit). Writers only
insert new rows, so they never wait on it; the tables' UPDATE triggers mark the touched
hours for the dashboard rollups, so ``stats()`` and ``llm_cost()`` are exact afterwards.
``provided_cost`` is never touched. Run through the job runner: an advisory lock keeps two
repricings apart, and the run is recorded in ``job_runs`` with its counts.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from pydal_free_repo import pricing
from pydal_free_repo.database import Database
from pydal_free_repo.jobs.runner import JobContext, JobResult, run_job

JOB_NAME = "reprice"
TABLES = ("llm_call_history", "generations")
# Each table's named queries, spelled out: a query name is never built from a value.
_CANDIDATES = {
    "llm_call_history": "pricing/reprice_candidates_llm_call_history",
    "generations": "pricing/reprice_candidates_generations",
}
_UPDATES = {
    "llm_call_history": "pricing/reprice_update_llm_call_history",
    "generations": "pricing/reprice_update_generations",
}
DEFAULT_BATCH = 5_000
_MICRO = Decimal("0.000001")
_BEGINNING = dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)
_END = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)


def reprice(
    db: Database,
    *,
    since: dt.datetime | None = None,
    model: str | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> JobResult:
    """Reprice as described in the module documentation; the ``job_runs`` result."""
    job = functools.partial(_run, since=since, model=model, batch_size=batch_size)
    pricing.forget(db.dsn)
    return run_job(db, JOB_NAME, jobs={JOB_NAME: job})


def _run(
    ctx: JobContext, *, since: dt.datetime | None, model: str | None, batch_size: int
) -> dict[str, Any]:
    prices = pricing.book(ctx.db, ctx.conn)
    details: dict[str, Any] = {"since": since.isoformat() if since else None, "model": model}
    for table in TABLES:
        details[table] = _reprice_table(ctx, prices, table, since, model, batch_size)
    return details


def _reprice_table(
    ctx: JobContext,
    prices: pricing.PriceBook,
    table: str,
    since: dt.datetime | None,
    model: str | None,
    batch_size: int,
) -> dict[str, int]:
    params = {
        "after_at": _BEGINNING,
        "after_id": 0,
        "since": since or _BEGINNING,
        "until": ctx.now,
        "model": model,
        "version": pricing.CATALOGUE_VERSION,
        "batch_size": batch_size,
    }
    seen = changed = batches = 0
    while True:
        rows = ctx.db.fetch_all(_CANDIDATES[table], params, conn=ctx.conn)
        if not rows:
            break
        batches += 1
        seen += len(rows)
        updates = []
        for row in rows:
            old = (row["computed_cost"], row["pricing_id"])
            pricing.price_row(prices, row, "model", "model_provider")
            cost = row["computed_cost"]
            if cost is not None:
                cost = cost.quantize(_MICRO)  # NUMERIC(12, 6), as stored
            if (cost, row["pricing_id"]) != old:
                updates.append((row["id"], row["created_at"], cost, row["pricing_id"]))
        if updates:
            ids, created, costs, pricing_ids = (
                list(column) for column in zip(*updates, strict=True)
            )
            ctx.db.execute(
                _UPDATES[table],
                {"ids": ids, "created_at": created, "costs": costs, "pricing_ids": pricing_ids},
                conn=ctx.conn,
            )
            changed += len(updates)
        last = rows[-1]
        params["after_at"], params["after_id"] = last["created_at"], last["id"]
        if len(rows) < batch_size:
            break
    ctx.log.info(
        "reprice %s: %d calls read, %d repriced in %d batches", table, seen, changed, batches
    )
    return {"read": seen, "repriced": changed, "batches": batches}
