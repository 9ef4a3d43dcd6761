"""Document 004's seven analytics queries: names, windows and defaults.

Each query is one file under ``sql/analytics/``; its window (months, days, hours) and
row limit are bound parameters with the document's defaults. ``IssueHistory`` has one
method per query, and ``IssueHistory.analytics(name, **params)`` runs any by name (what
``pfr analytics NAME`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydal_free_repo.errors import InvalidValue


@dataclass(frozen=True)
class Analytic:
    name: str
    description: str
    defaults: MappingProxyType

    @property
    def query(self) -> str:
        return f"analytics/{self.name}"

    def params(self, given: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            allowed = ", ".join(self.defaults) or "none"
            raise InvalidValue(
                f"analytics {self.name!r} takes no parameter {', '.join(unknown)} "
                f"(it takes: {allowed})"
            )
        params = {**self.defaults, **{k: v for k, v in given.items() if v is not None}}
        for key, value in params.items():
            if value is None:
                continue  # a window whose default is None: no window at all
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidValue(f"{key} must be a whole number of 1 or more, got {value!r}")
        return params


def _analytic(name: str, description: str, **defaults: Any) -> Analytic:
    return Analytic(name, description, MappingProxyType(defaults))


ANALYTICS: dict[str, Analytic] = {
    a.name: a
    for a in (
        _analytic(
            "weekly_success_trend",
            "runs and success rate per week",
            months=3,
        ),
        _analytic(
            "top_modified_files",
            "files changed most often, by how many issues, last change",
            limit=10,
            days=None,
        ),
        _analytic(
            "llm_cost_by_model",
            "LLM calls, cache hits, tokens and cost by model and call type",
            days=30,
        ),
        _analytic(
            "hourly_throughput",
            "completed runs and average duration by hour of day",
            days=7,
        ),
        _analytic(
            "failure_reasons",
            "most frequent failure messages (first 100 characters)",
            days=30,
            limit=20,
        ),
        _analytic(
            "api_calls_per_hour",
            "API calls per hour and method, errors counted (rate limits)",
            hours=24,
        ),
        _analytic(
            "duration_percentiles",
            "p50/p75/p90/p95/p99 of completed runs' duration in seconds",
            days=30,
        ),
    )
}


def get(name: str) -> Analytic:
    try:
        return ANALYTICS[name]
    except KeyError:
        raise InvalidValue(
            f"no analytics query named {name!r}; known: {', '.join(ANALYTICS)}"
        ) from None
