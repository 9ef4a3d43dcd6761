"""`pfr` commands for the issue history (document 004's HTTP endpoints, as commands).

``pfr history``, ``pfr show ID``, ``pfr stats [daily|llm-cost]``, ``pfr files PATH``,
``pfr analytics [NAME]`` and ``pfr demo``; each read prints an aligned table, or JSON
with ``--json``.
"""

from __future__ import annotations

import argparse
import sys

from pydal_free_repo.cli.arguments import (
    DEMO_MAX_DAYS,
    NON_NEGATIVE,
    POSITIVE,
    ROW_ID,
    whole_number,
)
from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, emit, print_json, print_table, to_jsonable
from pydal_free_repo.issues import IssueHistory
from pydal_free_repo.issues.analytics import ANALYTICS
from pydal_free_repo.issues.records import STATUSES

HISTORY_COLUMNS = [
    "id",
    "issue_key",
    "status",
    "created_at",
    "duration",
    "modified_files_count",
    "pr_url",
    "error_message",
]


def register(commands: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to ``pfr``."""
    p = commands.add_parser("history", help="issue processing runs, newest first")
    p.add_argument("--limit", type=POSITIVE, default=20, help="how many runs (default 20)")
    p.add_argument("--status", choices=STATUSES, help="only runs with this status")
    p.add_argument("--issue-key", help="only runs of this issue key")
    add_json_flag(p)
    p.set_defaults(handler=run_history)

    p = commands.add_parser("show", help="one run with its files, LLM calls and API calls")
    p.add_argument("id", type=ROW_ID, help="history id (from pfr history)")
    add_json_flag(p)
    p.set_defaults(handler=run_show)

    p = commands.add_parser("stats", help="overall figures, or per day (daily, llm-cost)")
    p.add_argument(
        "view",
        nargs="?",
        choices=["daily", "llm-cost"],
        help="daily: runs per day; llm-cost: LLM calls and cost per day and call type",
    )
    p.add_argument("--days", type=NON_NEGATIVE, default=7, help="days back from today (default 7)")
    add_json_flag(p)
    p.set_defaults(handler=run_stats)

    p = commands.add_parser("files", help="the latest changes to one file path")
    p.add_argument("path", help="file path as recorded")
    p.add_argument("--limit", type=POSITIVE, default=20, help="how many changes (default 20)")
    add_json_flag(p)
    p.set_defaults(handler=run_files)

    p = commands.add_parser(
        "analytics", help="document 004's analytics queries (no NAME: list them)"
    )
    p.add_argument("name", nargs="?", choices=list(ANALYTICS), metavar="NAME")
    p.add_argument("--months", type=POSITIVE, help="window in months (weekly_success_trend)")
    p.add_argument("--days", type=POSITIVE, help="window in days")
    p.add_argument("--hours", type=POSITIVE, help="window in hours (api_calls_per_hour)")
    p.add_argument("--limit", type=POSITIVE, help="at most this many rows")
    add_json_flag(p)
    p.set_defaults(handler=run_analytics)

    p = commands.add_parser("demo", help="write realistic sample data through the repositories")
    p.add_argument("--issues", type=NON_NEGATIVE, default=40, help="issues to process (default 40)")
    p.add_argument(
        "--days",
        type=whole_number(0, DEMO_MAX_DAYS),
        default=14,
        help=f"spread over this many days, at most {DEMO_MAX_DAYS} (default 14)",
    )
    p.add_argument(
        "--workflows",
        type=NON_NEGATIVE,
        default=10,
        help="sample workflows to write too (default 10)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    add_json_flag(p)
    p.set_defaults(handler=run_demo)


def run_history(args: argparse.Namespace, ctx: Context) -> int:
    rows = IssueHistory(ctx.db).history(
        limit=args.limit, status=args.status, issue_key=args.issue_key
    )
    emit(args, rows, HISTORY_COLUMNS)
    return 0


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    detail = IssueHistory(ctx.db).detail(args.id)
    if detail is None:
        print(f"pfr: error: no issue history row with id {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print_json(detail)
        return 0
    data = to_jsonable(detail)
    lists = {key: data.pop(key) for key in ("files", "llm_calls", "api_calls")}
    emit(args, _unknown_cost(data, "total_llm_cost", len(lists["llm_calls"])))
    for title, rows in lists.items():
        print(f"\n{title}:")
        print_table(rows)
    return 0


def run_stats(args: argparse.Namespace, ctx: Context) -> int:
    issues = IssueHistory(ctx.db)
    if args.view == "daily":
        emit(args, issues.daily_stats(days=args.days))
    elif args.view == "llm-cost":
        emit(args, issues.llm_cost(days=args.days))
    elif args.json:
        emit(args, issues.stats())
    else:
        stats = issues.stats()
        emit(args, _unknown_cost(stats, "total_llm_cost_usd", stats["total_llm_calls"]))
    return 0


def _unknown_cost(figures: dict, field: str, calls: int) -> dict:
    """For people: a cost no call had says so (the calls counted as unpriced and of
    unknown usage beside it), instead of an empty cell; never $0."""
    if figures[field] is not None:
        return figures
    return {**figures, field: "unknown (no call is priced)" if calls else "none (no call)"}


def run_files(args: argparse.Namespace, ctx: Context) -> int:
    emit(args, IssueHistory(ctx.db).file_history(args.path, limit=args.limit))
    return 0


def run_analytics(args: argparse.Namespace, ctx: Context) -> int:
    if args.name is None:
        listing = [
            {
                "name": a.name,
                "parameters": ", ".join(f"{k}={v}" for k, v in a.defaults.items()),
                "description": a.description,
            }
            for a in ANALYTICS.values()
        ]
        emit(args, listing)
        return 0
    analytic = ANALYTICS[args.name]
    given = {
        key: getattr(args, key)
        for key in ("months", "days", "hours", "limit")
        if getattr(args, key) is not None
    }
    # A flag the query has no use for is an error, not silently ignored.
    rows = IssueHistory(ctx.db).analytics(analytic.name, **given)
    emit(args, rows)
    return 0


def run_demo(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.issues.demo import write_demo_data

    progress = ProgressBar("issues", args.issues)
    summary = write_demo_data(
        ctx.db, issues=args.issues, days=args.days, seed=args.seed, progress=progress
    )
    progress.done()
    result: dict[str, object] = {"issues": to_jsonable(summary)}
    result["workflows"] = _demo_workflows(ctx, args)
    if args.json:
        print_json(result)
    else:
        emit(args, summary)
        if isinstance(result["workflows"], str):
            print(result["workflows"])
        else:
            print(f"workflows written: {result['workflows']}")
    return 0


def _demo_workflows(ctx: Context, args: argparse.Namespace) -> object:
    if args.workflows <= 0:
        return 0
    try:
        from pydal_free_repo.workflows.demo import write_demo_workflows
    except ImportError:
        return "workflows skipped: pydal_free_repo.workflows.demo is not available"
    return to_jsonable(write_demo_workflows(ctx.db, args.workflows, args.days, args.seed))


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream=None):
        self.label = label
        self.total = max(total, 0)
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int) -> None:
        if not self.enabled or not self.total:
            return
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total}")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\n")
            self.stream.flush()
