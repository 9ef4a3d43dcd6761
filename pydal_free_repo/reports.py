"""Reads the dashboard needs beyond document 004's and document 000's own.

Each method runs one named query from ``sql/reports/`` with bound parameters; the JSON
endpoints (``pfr serve``) and the dashboard's pages call the same method, so a figure on
a page is the figure of its endpoint. Every method takes ``conn=`` like the repositories.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import psycopg

from pydal_free_repo.database import Database
from pydal_free_repo.errors import InvalidValue

Conn = psycopg.Connection | None


class Reports:
    """Cost by model per day, tokens with the cached share, model and prompt comparison."""

    def __init__(self, db: Database):
        self.db = db

    def llm_cost_daily_by_model(self, days: int = 14, *, conn: Conn = None) -> list[dict]:
        """LLM calls and cost per day and model (priced calls summed, unpriced counted)."""
        return self.db.fetch_all("reports/llm_cost_daily_by_model", _window(days), conn=conn)

    def llm_tokens_daily(self, days: int = 14, *, conn: Conn = None) -> list[dict]:
        """Prompt, cached, cache-write, completion, reasoning and total tokens per day, with
        the cached share (from the rollups)."""
        return self.db.fetch_all("reports/llm_tokens_daily", _window(days), conn=conn)

    def model_comparison(self, days: int = 30, *, conn: Conn = None) -> list[dict]:
        """Per model: calls, failure rate, cost, unpriced calls, latency p50/p95/p99."""
        return self.db.fetch_all("reports/model_comparison", _window(days, least=1), conn=conn)

    def prompt_comparison(self, days: int = 30, *, conn: Conn = None) -> list[dict]:
        """Per model and system prompt (workflow generations): the same figures."""
        return self.db.fetch_all("reports/prompt_comparison", _window(days, least=1), conn=conn)


def pricing_word(cost: Decimal | None, prompt: int | None, completion: int | None) -> str:
    """priced / unpriced (no price for the model) / unknown usage (no token count)."""
    if cost is not None:
        return "priced"
    return "unknown usage" if prompt is None and completion is None else "unpriced"


def generation_totals(generations: Iterable[Any]) -> dict[str, Any]:
    """A workflow's generations summed: tokens, the cost of the priced ones (None, not $0,
    when none is priced: an unknown cost is not free), and how many are priced, unpriced
    (no price for the model) or of unknown usage (no token count came back)."""
    generations = list(generations)
    words = [
        pricing_word(g.estimated_cost, g.prompt_tokens, g.completion_tokens) for g in generations
    ]
    priced = [g.estimated_cost for g in generations if g.estimated_cost is not None]
    return {
        "generations": len(generations),
        "total_tokens": sum(g.total_tokens or 0 for g in generations),
        "total_cost": sum(priced, Decimal(0)) if priced else None,
        "priced": words.count("priced"),
        "unpriced": words.count("unpriced"),
        "unknown_usage": words.count("unknown usage"),
    }


def _window(days: Any, *, least: int = 0) -> dict[str, int]:
    if isinstance(days, bool) or not isinstance(days, int) or not least <= days <= 36600:
        raise InvalidValue(f"days must be a whole number from {least} to 36600, got {days!r}")
    return {"days": days}
