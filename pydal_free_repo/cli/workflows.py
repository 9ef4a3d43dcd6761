"""``pfr workflows`` (latest runs), ``pfr workflow ID`` (one run: nodes as a timeline,
generations with tokens and cost) and ``pfr workflow-stats VIEW`` (the 0007 views)."""

from __future__ import annotations

import argparse
from typing import Any

from pydal_free_repo.cli.arguments import NON_NEGATIVE, POSITIVE, ROW_ID
from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, emit, print_json, print_table, to_jsonable
from pydal_free_repo.reports import generation_totals, pricing_word
from pydal_free_repo.workflows.logger import WorkflowLogger
from pydal_free_repo.workflows.records import FINAL_STATUSES

LIST_COLUMNS = [
    "id",
    "username",
    "status",
    "user_input",
    "created_at",
    "duration_seconds",
    "node_count",
    "failed_nodes",
    "generation_count",
    "total_tokens",
    "total_cost",
]
BAR_WIDTH = 30


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("workflows", help="latest workflow runs (document 000)")
    p.add_argument("--user", help="only this user's runs")
    p.add_argument(
        "--status", choices=["running", *FINAL_STATUSES], help="only runs in this status"
    )
    p.add_argument("--limit", type=POSITIVE, default=20, help="at most this many runs (default 20)")
    add_json_flag(p)
    p.set_defaults(handler=run_list)

    p = commands.add_parser(
        "workflow-stats", help="workflow statistics views: nodes, usage (LLM), daily (runs)"
    )
    p.add_argument("view", choices=["nodes", "usage", "daily"])
    p.add_argument(
        "--days", type=NON_NEGATIVE, default=30, help="usage/daily: last N days (default 30)"
    )
    add_json_flag(p)
    p.set_defaults(handler=run_stats)

    p = commands.add_parser("workflow", help="one workflow run: node timeline and generations")
    p.add_argument("id", type=ROW_ID, help="workflow id")
    add_json_flag(p)
    p.set_defaults(handler=run_show)


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    rows = WorkflowLogger(ctx.db).list_workflows(
        username=args.user, status=args.status, limit=args.limit
    )
    emit(args, rows, LIST_COLUMNS)
    return 0


def run_stats(args: argparse.Namespace, ctx: Context) -> int:
    logger = WorkflowLogger(ctx.db)
    if args.view == "nodes":
        rows = logger.node_performance()
    elif args.view == "usage":
        rows = logger.generation_usage(args.days)
    else:
        rows = logger.workflows_daily(args.days)
    emit(args, rows)
    return 0


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    details = WorkflowLogger(ctx.db).get_workflow_details(args.id)
    workflow, nodes, generations = details["workflow"], details["nodes"], details["generations"]
    totals = generation_totals(generations)
    if args.json:
        print_json({**details, "totals": totals})
        return 0
    emit(args, to_jsonable(workflow))
    print(f"\nnodes ({len(nodes)}):")
    print_table(_timeline(workflow.created_at, nodes))
    names = {node.id: node.node_name for node in nodes}
    print(f"\ngenerations ({len(generations)}):")
    print_table(
        [
            {
                "at": _offset(workflow.created_at, g.created_at),
                "node": names.get(g.node_id, ""),
                "model": g.model_name,
                "provider": g.model_provider,
                "prompt_tokens": g.prompt_tokens,
                "cached": g.cached_input_tokens,
                "cache_write": g.cache_write_input_tokens,
                "completion_tokens": g.completion_tokens,
                "reasoning": g.reasoning_tokens,
                "total_tokens": g.total_tokens,
                "cost": g.estimated_cost,
                "pricing": pricing_word(g.estimated_cost, g.prompt_tokens, g.completion_tokens),
                "latency_ms": g.latency_ms,
            }
            for g in generations
        ]
    )
    print(f"\ntotal: {totals['total_tokens']} tokens, {cost_summary(totals)}")
    return 0


def _offset(start, moment) -> str:
    if moment is None:
        return ""
    return f"+{(moment - start).total_seconds():.3f}s"


def _timeline(start, nodes) -> list[dict[str, Any]]:
    """Each node's start offset, duration and a bar placed on the run's time axis."""
    ends = [
        (n.started_at - start).total_seconds() * 1000 + (n.duration_ms or 0)
        for n in nodes
        if n.started_at is not None
    ]
    span = max(ends, default=0) or 1
    rows = []
    for n in nodes:
        begin = (n.started_at - start).total_seconds() * 1000 if n.started_at else 0
        lead = int(BAR_WIDTH * begin / span)
        length = max(1, int(BAR_WIDTH * (n.duration_ms or 0) / span))
        mark = "x" if n.status == "failed" else "#"
        rows.append(
            {
                "#": n.execution_order,
                "node": n.node_name,
                "type": n.node_type,
                "status": n.status,
                "start": _offset(start, n.started_at),
                "duration_ms": n.duration_ms,
                "timeline": (" " * lead + mark * length).ljust(BAR_WIDTH)[:BAR_WIDTH],
                "error": n.error_message,
            }
        )
    return rows


def cost_summary(totals: dict[str, Any]) -> str:
    """``cost $0.0123 (2 priced, 1 unpriced, 1 unknown usage)``; never ``$0`` for unknown."""
    cost = "cost unknown" if totals["total_cost"] is None else f"cost ${totals['total_cost']}"
    counts = [
        f"{totals[key]} {word}"
        for key, word in (
            ("priced", "priced"),
            ("unpriced", "unpriced"),
            ("unknown_usage", "unknown usage"),
        )
        if totals[key]
    ]
    return cost + (f" ({', '.join(counts)})" if counts else "")
