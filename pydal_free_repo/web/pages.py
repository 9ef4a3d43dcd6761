"""The dashboard's pages: each calls the same repository reads as its JSON endpoint and
hands rows and SVG charts to a Jinja2 template under ``templates/``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pydal_free_repo.web import charts
from pydal_free_repo.web import params as P
from pydal_free_repo.web.api import FILE_PATH, HISTORY_ID, WORKFLOW_ID, Reads
from pydal_free_repo.web.jsonify import WORKFLOW_COUNTERS, cost, money, pricing

OVERVIEW_DAYS = P.days(14, minimum=1)
COMPARE_DAYS = P.days(30, minimum=1)
RUN_STATUSES = ("completed", "failed", "processing", "queued")


def _render(request: Request, reads: Reads, template: str, **context: Any) -> Response:
    response = request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "zone": reads.zone,
            "zone_source": reads.zone_source,
            "query": dict(request.query_params),
            "money": money,
            "cost": cost,
            "pricing": pricing,
            "workflow_counters": WORKFLOW_COUNTERS,
            **context,
        },
    )
    if reads.zone_source == "query":  # a chosen zone sticks for the next pages
        response.set_cookie(P.ZONE_COOKIE, reads.zone, samesite="strict")
    return response


def _dates(zone: str, days: int) -> list[str]:
    today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    return [(today - dt.timedelta(days=n)).isoformat() for n in range(days, -1, -1)]


def _f(value: Any) -> float:
    return float(value) if value is not None else 0.0


def overview(request: Request) -> Response:
    days = P.parse((OVERVIEW_DAYS,), request.query_params)["days"]
    r = Reads(request)
    stats = r.history.stats()
    if stats["total_issues"] == 0 and not r.workflows.list_workflows(limit=1):
        return _render(request, r, "empty.html", page="overview")
    daily = {str(row["date"]): row for row in r.history.daily_stats(days)}
    cost = r.reports.llm_cost_daily_by_model(days)
    tokens = {str(row["date"]): row for row in r.reports.llm_tokens_daily(days)}
    percentiles = r.history.duration_percentiles(days)[0]
    failures = r.history.failure_reasons(days, 5)
    dates = _dates(r.zone, days)
    return _render(
        request,
        r,
        "overview.html",
        page="overview",
        days=days,
        stats=stats,
        percentiles=percentiles,
        failures=failures,
        unpriced=_unpriced_models(cost),
        runs_chart=_runs_chart(dates, daily),
        cost_chart=_cost_chart(dates, cost),
        tokens_chart=_tokens_chart(dates, tokens),
        duration_chart=charts.hbar_chart(
            "duration-percentiles",
            f"Duration of completed runs, last {days} days (seconds)",
            [(name, percentiles[name]) for name in ("p50", "p75", "p90", "p95", "p99")],
            fmt=lambda v: f"{v:,.1f} s",
        ),
        failures_chart=charts.hbar_chart(
            "failure-reasons",
            f"Top failure reasons, last {days} days",
            [(row["error_preview"] or "(no message)", row["occurrence_count"]) for row in failures],
            color=charts.STATUS_COLORS["failed"],
            label_width=300,
        ),
    )


def _runs_chart(dates: list[str], daily: dict[str, dict]) -> Any:
    series = [
        charts.Series(status, [_f(daily.get(d, {}).get(status)) for d in dates], color)
        for status, color in ((s, charts.STATUS_COLORS[s]) for s in RUN_STATUSES)
    ]
    rate = [daily[d]["success_rate"] if d in daily else None for d in dates]
    return charts.bar_chart(
        "runs-per-day",
        "Runs per day by status, with the success rate",
        dates,
        series,
        y_label="runs",
        line=charts.Series("success rate", [_f(v) if v is not None else None for v in rate], ""),
        line_label="success rate",
    )


def _cost_chart(dates: list[str], rows: list[dict]) -> Any:
    per_model: dict[str, dict[str, Decimal]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row["total_cost"] is not None:
            per_model[row["model"]][str(row["date"])] = row["total_cost"]
            totals[row["model"]] += row["total_cost"]
    models = sorted(per_model, key=lambda m: (-totals[m], m))
    palette = charts.colors(models)
    series = [
        charts.Series(m, [_f(per_model[m].get(d)) for d in dates], palette[m]) for m in models
    ]
    return charts.bar_chart(
        "cost-per-day",
        "LLM cost per day by model (priced calls; calls without a cost listed below)",
        dates,
        series,
        y_label="USD",
        fmt=charts.usd,
        tick_fmt=charts.usd_tick,
    )


def _tokens_chart(dates: list[str], tokens: dict[str, dict]) -> Any:
    def col(name: str) -> list[float]:
        return [_f(tokens.get(d, {}).get(name)) for d in dates]

    cached = col("cached_input_tokens")
    prompt = col("prompt_tokens")
    series = [
        charts.Series("cached input", cached, "#56B4E9"),
        charts.Series(
            "uncached input", [p - c for p, c in zip(prompt, cached, strict=True)], "#0072B2"
        ),
        charts.Series("output", col("completion_tokens"), "#E69F00"),
    ]
    share = [
        _f(tokens[d]["cached_share"])
        if d in tokens and tokens[d]["cached_share"] is not None
        else None
        for d in dates
    ]
    return charts.bar_chart(
        "tokens-per-day",
        "LLM tokens per day, with the cached share of input tokens",
        dates,
        series,
        y_label="tokens",
        fmt=charts.compact,
        line=charts.Series("cached share", share, ""),
        line_label="cached share of input",
    )


def _unpriced_models(rows: list[dict]) -> list[dict]:
    """Models with calls that had no cost (unpriced, or of unknown usage), from the same
    rows as the cost chart."""
    calls: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for key in ("unpriced_calls", "unknown_usage_calls"):
            if row[key]:
                calls[row["model"]][key] += row[key]
    return [
        {
            "model": m,
            "unpriced_calls": n["unpriced_calls"],
            "unknown_usage_calls": n["unknown_usage_calls"],
        }
        for m, n in sorted(calls.items())
    ]


def runs(request: Request) -> Response:
    args = P.parse((P.limit(50), P.RUN_STATUS, P.ISSUE_KEY), request.query_params)
    r = Reads(request)
    rows = r.history.history(args["limit"], args["status"], args["issue_key"])
    return _render(
        request, r, "runs.html", page="runs", rows=rows, args=args, statuses=RUN_STATUSES
    )


def run_detail(request: Request) -> Response:
    history_id = HISTORY_ID.parse(request.path_params["history_id"])
    r = Reads(request)
    run = r.detail(history_id)
    events = sorted(
        [*(("LLM call", c) for c in run.llm_calls), *(("API call", c) for c in run.api_calls)]
        + [("file", f) for f in run.files],
        key=lambda pair: pair[1].created_at,
    )
    return _render(
        request,
        r,
        "run.html",
        page="runs",
        run=run,
        events=events,
        timeline=_run_timeline(run, events),
        calls=len(run.llm_calls),
    )


def _run_timeline(run: Any, events: list[tuple[str, Any]]) -> Any:
    """LLM and API calls as a waterfall: a call is recorded when it ends, so it started
    ``duration`` seconds before its created_at."""
    start = run.started_at or run.created_at
    lanes = []
    for kind, event in events:
        if kind == "file":
            continue
        seconds = float(event.duration or 0)
        begin = (event.created_at - start).total_seconds() - seconds
        what = event.model if kind == "LLM call" else f"{event.method} {event.endpoint}"
        failed = event.error_message is not None or (
            kind == "API call" and (event.status_code or 0) >= 400
        )
        lanes.append(
            charts.Lane(
                label=f"{kind}: {what}"[:30],
                start_ms=max(begin, 0) * 1000,
                duration_ms=seconds * 1000,
                status="failed" if failed else "completed",
                detail=f"{kind} {what}: {seconds:.3f} s"
                + (f" · {event.error_message}" if event.error_message else ""),
            )
        )
    return charts.waterfall("run-timeline", "LLM and API calls of the run", lanes)


def files(request: Request) -> Response:
    args = P.parse((P.Param("path", str, None, "file path"), P.limit(20)), request.query_params)
    r = Reads(request)
    if args["path"]:
        rows = r.history.file_history(FILE_PATH.parse(args["path"]), args["limit"])
        return _render(request, r, "file.html", page="files", path=args["path"], rows=rows)
    top = r.history.top_modified_files(args["limit"])
    return _render(request, r, "files.html", page="files", top=top)


def workflows(request: Request) -> Response:
    args = P.parse((P.limit(50), P.WORKFLOW_USER, P.WORKFLOW_STATUS), request.query_params)
    r = Reads(request)
    rows = r.workflows.list_workflows(
        username=args["user"], status=args["status"], limit=args["limit"]
    )
    return _render(
        request,
        r,
        "workflows.html",
        page="workflows",
        rows=rows,
        args=args,
        statuses=P.WORKFLOW_STATUS.choices,
        nodes=r.workflows.node_performance(),
    )


def workflow_detail(request: Request) -> Response:
    workflow_id = WORKFLOW_ID.parse(request.path_params["workflow_id"])
    r = Reads(request)
    details = r.workflow(workflow_id)
    workflow, nodes, generations = details["workflow"], details["nodes"], details["generations"]
    names = {node.id: node.node_name for node in nodes}
    return _render(
        request,
        r,
        "workflow.html",
        page="workflows",
        workflow=workflow,
        nodes=nodes,
        generations=generations,
        names=names,
        totals=details["totals"],
        waterfall=_workflow_waterfall(workflow, nodes, generations),
    )


def _workflow_waterfall(workflow: Any, nodes: list, generations: list) -> Any:
    start = workflow.created_at
    now = dt.datetime.now(dt.timezone.utc)
    by_node: dict[int | None, list] = defaultdict(list)
    for g in generations:
        by_node[g.node_id].append(g)
    lanes = []
    for node in nodes:
        began = node.started_at or node.created_at
        if node.duration_ms is not None:
            duration = float(node.duration_ms)
        else:
            duration = ((node.completed_at or now) - began).total_seconds() * 1000
        offset = (began - start).total_seconds() * 1000
        marks = [
            charts.Mark(
                start_ms=(g.created_at - start).total_seconds() * 1000 - (g.latency_ms or 0),
                duration_ms=float(g.latency_ms or 0),
                label=f"{g.model_name}: {g.latency_ms} ms, {g.total_tokens} tokens, "
                f"{cost(g, 'estimated_cost')}",
            )
            for g in by_node.get(node.id, [])
        ]
        lanes.append(
            charts.Lane(
                label=f"{node.execution_order}. {node.node_name}",
                start_ms=offset,
                duration_ms=duration,
                status=node.status,
                detail=f"{node.node_name} ({node.status}): {duration:,.0f} ms"
                + (f" · {node.error_message}" if node.error_message else ""),
                marks=marks,
            )
        )
    return charts.waterfall("workflow-waterfall", "Nodes of the workflow over time", lanes)


def compare(request: Request) -> Response:
    days = P.parse((COMPARE_DAYS,), request.query_params)["days"]
    r = Reads(request)
    models = r.reports.model_comparison(days)
    prompts = r.reports.prompt_comparison(days)
    return _render(
        request,
        r,
        "compare.html",
        page="compare",
        days=days,
        models=models,
        prompts=prompts,
        model_latency=charts.hbar_chart(
            "model-latency-p95",
            "p95 latency per model (seconds, cache hits left out)",
            [(row["model"], _opt(row["p95_seconds"])) for row in models],
            fmt=lambda v: f"{v:,.2f} s",
        ),
        model_failures=charts.hbar_chart(
            "model-failure-rate",
            "Failure rate per model (%)",
            [(row["model"], _f(row["failure_rate"])) for row in models],
            fmt=charts.percent,
            color=charts.STATUS_COLORS["failed"],
        ),
        prompt_latency=charts.hbar_chart(
            "prompt-latency-p95",
            "p95 latency per model and system prompt (ms)",
            [
                (f"{row['model_name']} · {row['prompt_id']}", _opt(row["p95_latency_ms"]))
                for row in prompts
            ],
            fmt=lambda v: f"{v:,.0f} ms",
        ),
    )


def _opt(value: Any) -> float | None:
    return float(value) if value is not None else None


def home(request: Request) -> Response:
    query = request.url.query
    return RedirectResponse("/ui/" + (f"?{query}" if query else ""), status_code=307)


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET"], name="home"),
        Route("/ui/", overview, methods=["GET"], name="overview"),
        Route("/ui/runs", runs, methods=["GET"], name="runs"),
        Route("/ui/runs/{history_id}", run_detail, methods=["GET"], name="run"),
        Route("/ui/files", files, methods=["GET"], name="files"),
        Route("/ui/workflows", workflows, methods=["GET"], name="workflows"),
        Route("/ui/workflows/{workflow_id}", workflow_detail, methods=["GET"], name="workflow"),
        Route("/ui/compare", compare, methods=["GET"], name="compare"),
    ]
