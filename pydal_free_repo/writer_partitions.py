"""Where the buffered writer copies a batch of LLM calls: straight into its monthly
partitions when nothing the parent would do is skipped, else through the parent.

A COPY through the partitioned ``llm_call_history`` inserts row by row (its rollup marker
is a statement trigger with a transition table, and PostgreSQL's COPY does not batch
into a partitioned table that has one) and routes every row. Into the partition, COPY
inserts in multi-row buffers; the writer then marks the batch's UTC hours for the rollups
itself, in the same transaction, which is all that trigger does. The SQL files
(``sql/writer/llm_call_partitions.sql`` and its neighbours) say when the shortcut is taken
and what it keeps: foreign keys, row triggers and CHECKs are the partition's own.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

LOCK = "writer/llm_call_history_lock"
PARTITIONS = "writer/llm_call_partitions"
MARK_HOURS = "writer/llm_call_hours_mark"


# The destination of the rows no monthly partition may take directly (the {target} of
# writer/copy_llm_call_history, like a partition's (schema, name)).
PARENT = "llm_call_history"


@dataclass
class Split:
    """A batch of LLM-call rows grouped by destination (a partition's schema and name, or
    ``PARENT``), in the order each destination's first row was accepted: within one
    destination the rows keep their order, so ids follow it."""

    groups: dict[tuple[str, str] | str, list[dict[str, Any]]] = field(default_factory=dict)
    hours: set[dt.datetime] = field(default_factory=set)


# Sent together, in one round trip, at the start of the batch's transaction (the writer
# adds its run lookup): the lock first, so the partitions read are the ones the COPY meets.
LOOKUP = ((LOCK, None), (PARTITIONS, None))


def split(partition_rows: list[dict[str, Any]], rows: list[dict[str, Any]]) -> Split:
    """Assign each row (its ``created_at`` set) to the partition it may be copied into
    straight (``partition_rows``: what ``PARTITIONS`` returned after ``LOCK``), or to the
    parent."""
    # Bounds in the rows' own tzinfo: aware datetimes sharing one tzinfo compare fast.
    partitions = [
        (
            p["lower_bound"].astimezone(dt.timezone.utc),
            p["upper_bound"].astimezone(dt.timezone.utc),
            (p["partition_schema"], p["partition_name"]),
        )
        for p in partition_rows
    ]
    lowers = [lower for lower, _, _ in partitions]
    result = Split()
    groups = result.groups
    lower: dt.datetime | None = None
    upper: dt.datetime | None = None
    bucket: list[dict[str, Any]] = []
    for row in rows:
        at = row["created_at"]
        # Consecutive calls almost always share a month: try the last one first.
        if lower is None or upper is None or not lower <= at < upper:
            index = bisect.bisect_right(lowers, at) - 1
            if index >= 0 and at < partitions[index][1]:
                lower, upper, name = partitions[index]
                bucket = groups.setdefault(name, [])
            else:
                lower = upper = None
                groups.setdefault(PARENT, []).append(row)
                continue
        bucket.append(row)
    for key, group in groups.items():
        if key != PARENT:
            # date_trunc('hour', created_at, 'UTC'), as the marker trigger computes it
            # (created_at is in UTC: the row builders store it so).
            result.hours.update(
                {r["created_at"].replace(minute=0, second=0, microsecond=0) for r in group}
            )
    return result
