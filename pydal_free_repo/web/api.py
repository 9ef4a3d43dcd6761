"""The JSON endpoints: one table from which the routes and ``/openapi.json`` are built.

Every endpoint calls one repository read (``IssueHistory``, ``WorkflowLogger``,
``Reports``) on the pool of the request's time zone; no endpoint holds SQL of its own.
Document 004's paths and field names are kept (``/history``, ``/history/<id>``,
``/stats``, ``/stats/daily``, ``/stats/llm-cost``, ``/files/<path>/history``); its seven
analytics are ``/analytics/<name>``; the workflow reads of ``pfr workflows``,
``pfr workflow ID`` and ``pfr workflow-stats`` are under ``/workflows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from pydal_free_repo.errors import NotFound
from pydal_free_repo.issues import IssueHistory
from pydal_free_repo.issues.analytics import ANALYTICS, Analytic
from pydal_free_repo.reports import Reports, generation_totals
from pydal_free_repo.web import params as P
from pydal_free_repo.web.jsonify import JsonResponse
from pydal_free_repo.workflows.logger import WorkflowLogger


class Reads:
    """The repositories of one request, on the pool of its time zone."""

    def __init__(self, request: Request):
        zone, source = P.zone(request.query_params, request.cookies)
        self.zone = zone
        self.zone_source = source
        self.db = request.app.state.pools.get(zone)
        self.history = IssueHistory(self.db)
        self.workflows = WorkflowLogger(self.db)
        self.reports = Reports(self.db)

    def detail(self, history_id: int):
        found = self.history.detail(history_id)
        if found is None:
            raise NotFound(f"no issue history row with id {history_id}")
        return found

    def workflow(self, workflow_id: int) -> dict[str, Any]:
        details = self.workflows.get_workflow_details(workflow_id)
        return {**details, "totals": generation_totals(details["generations"])}


@dataclass(frozen=True)
class Endpoint:
    path: str  # Starlette syntax; {name:path} takes slashes
    tag: str
    summary: str
    read: Callable[[Reads, dict[str, Any]], Any]
    params: tuple[P.Param, ...] = ()
    path_params: tuple[P.Param, ...] = ()

    @property
    def name(self) -> str:
        return "api:" + self.path

    def route(self) -> Route:
        def handle(request: Request) -> JsonResponse:
            args = P.parse(self.params, request.query_params)
            for param in self.path_params:
                args[param.name] = param.parse(request.path_params[param.name])
            reads = Reads(request)
            return JsonResponse(self.read(reads, args), headers={"X-PFR-Time-Zone": reads.zone})

        return Route(self.path, handle, methods=["GET"], name=self.name)


HISTORY_ID = P.Param("history_id", int, None, "run id (issue_processing_history.id)", minimum=1)
WORKFLOW_ID = P.Param("workflow_id", int, None, "workflow id", minimum=1)
FILE_PATH = P.Param("path", str, None, "the file's path as recorded (slashes allowed)")


def _analytic_endpoint(analytic: Analytic) -> Endpoint:
    params = tuple(
        P.Param(key, int, default, f"{key} (document 004's default {default})", minimum=1)
        for key, default in analytic.defaults.items()
    )
    return Endpoint(
        f"/analytics/{analytic.name}",
        "analytics",
        f"Document 004's analytics: {analytic.description}",
        lambda r, a, name=analytic.name: r.history.analytics(name, **a),  # type: ignore[misc]
        params,
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "/history",
        "issues",
        "Newest runs first (document 004's GET /history)",
        lambda r, a: r.history.history(a["limit"], a["status"], a["issue_key"]),
        (P.limit(20), P.RUN_STATUS, P.ISSUE_KEY),
    ),
    Endpoint(
        "/history/{history_id}",
        "issues",
        "One run with its files, LLM calls, API calls and total cost; 404 if unknown",
        lambda r, a: r.detail(a["history_id"]),
        path_params=(HISTORY_ID,),
    ),
    Endpoint(
        "/stats",
        "issues",
        "Overall counts, success rate, average duration, LLM cost (priced calls) and cache rate",
        lambda r, a: r.history.stats(),
    ),
    Endpoint(
        "/stats/daily",
        "issues",
        "Runs per day, newest first (view v_processing_stats)",
        lambda r, a: r.history.daily_stats(a["days"]),
        (P.days(7),),
    ),
    Endpoint(
        "/stats/llm-cost",
        "issues",
        "LLM calls, cache hits, tokens and cost per day and call type (v_llm_cost_daily)",
        lambda r, a: r.history.llm_cost(a["days"]),
        (P.days(7),),
    ),
    Endpoint(
        "/stats/llm-cost/models",
        "issues",
        "LLM calls and cost per day and model; unpriced and unknown-usage calls counted, never $0",
        lambda r, a: r.reports.llm_cost_daily_by_model(a["days"]),
        (P.days(14),),
    ),
    Endpoint(
        "/stats/tokens",
        "issues",
        "Prompt, cached input, cache-write, completion, reasoning and total tokens per day, "
        "with the cached share",
        lambda r, a: r.reports.llm_tokens_daily(a["days"]),
        (P.days(14),),
    ),
    Endpoint(
        "/files/{path:path}/history",
        "issues",
        "The latest changes to one file, with the issue of each",
        lambda r, a: r.history.file_history(a["path"], a["limit"]),
        (P.limit(20),),
        (FILE_PATH,),
    ),
    Endpoint(
        "/analytics",
        "analytics",
        "The seven analytics queries and their parameters",
        lambda r, a: [
            {"name": x.name, "description": x.description, "params": dict(x.defaults)}
            for x in ANALYTICS.values()
        ],
    ),
    *(_analytic_endpoint(analytic) for analytic in ANALYTICS.values()),
    Endpoint(
        "/compare/models",
        "compare",
        "Per model (issue LLM calls): calls, failure rate, cost, latency p50/p95/p99",
        lambda r, a: r.reports.model_comparison(a["days"]),
        (P.days(30, minimum=1),),
    ),
    Endpoint(
        "/compare/prompts",
        "compare",
        "Per model and system prompt (workflow generations): the same figures",
        lambda r, a: r.reports.prompt_comparison(a["days"]),
        (P.days(30, minimum=1),),
    ),
    Endpoint(
        "/workflows",
        "workflows",
        "Latest workflow runs with node and generation counts, tokens and cost",
        lambda r, a: r.workflows.list_workflows(
            username=a["user"], status=a["status"], limit=a["limit"]
        ),
        (P.limit(20), P.WORKFLOW_USER, P.WORKFLOW_STATUS),
    ),
    Endpoint(
        "/workflows/stats/nodes",
        "workflows",
        "Per node name: calls, failures, duration percentiles (v_node_performance)",
        lambda r, a: r.workflows.node_performance(),
    ),
    Endpoint(
        "/workflows/stats/usage",
        "workflows",
        "LLM generations per day, model and provider: tokens, cost, latency",
        lambda r, a: r.workflows.generation_usage(a["days"]),
        (P.days(30),),
    ),
    Endpoint(
        "/workflows/stats/daily",
        "workflows",
        "Workflow runs per day and status",
        lambda r, a: r.workflows.workflows_daily(a["days"]),
        (P.days(30),),
    ),
    Endpoint(
        "/workflows/{workflow_id}",
        "workflows",
        "One workflow: the run, its nodes in order, its generations and totals; 404 if unknown",
        lambda r, a: r.workflow(a["workflow_id"]),
        path_params=(WORKFLOW_ID,),
    ),
)


def health(request: Request) -> JsonResponse:
    """200 with the server's version when the database answers, else 503."""
    row = request.app.state.pools.get().fetch_one("jobs/server_version")
    return JsonResponse({"status": "ok", "server_version_num": row["server_version_num"]})


def routes() -> list[Route]:
    return [
        *(endpoint.route() for endpoint in ENDPOINTS),
        Route("/healthz", health, methods=["GET"], name="health"),
    ]
