"""JSON bodies: the CLI's ``to_jsonable`` (dates ISO 8601, Decimal as numbers) plus the
one place that says which field holds a cost and which says it is unknown.

A cost is ``null`` when a call has none, never 0: a call is priced, unpriced (token counts
but no price for its model) or of unknown usage (no token count came back), and every read
returns NULL for the last two and their counts beside each sum. ``COST_FIELDS`` maps each
cost field the pages show to its two counters, so a new cost column is one line here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from pydal_free_repo.cli.output import to_jsonable
from pydal_free_repo.reports import pricing_word

# cost field -> the fields counting the calls it leaves out: (unpriced: token counts but
# no price; unknown usage: no token count). None: one call, whose word is its own.
COST_FIELDS: dict[str, tuple[str, str] | None] = {
    "cost": None,  # detail().llm_calls[]
    "estimated_cost": None,  # workflow generations
    "total_llm_cost": ("unpriced_llm_calls", "unknown_usage_llm_calls"),  # detail()
    "total_llm_cost_usd": ("unpriced_llm_calls", "unknown_usage_llm_calls"),  # stats()
    # llm_cost, llm_cost_by_model, reports, workflows usage
    "total_cost": ("unpriced_calls", "unknown_usage_calls"),
}
# A workflow's generation totals (reports.generation_totals, workflows/workflow_list).
WORKFLOW_COUNTERS = ("unpriced", "unknown_usage")


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def pricing(row: Any) -> str:
    """One call's word: ``priced``, ``unpriced`` or ``unknown usage`` (its ``pricing``
    field when the read has one, else from its cost and token counts)."""
    word = _get(row, "pricing")
    if word:
        return str(word)
    value = _get(row, "cost") if _get(row, "cost") is not None else _get(row, "estimated_cost")
    return pricing_word(value, _get(row, "prompt_tokens"), _get(row, "completion_tokens"))


def cost(
    row: Any, field: str, calls: int | None = None, counters: tuple[str, str] | None = None
) -> str:
    """``row[field]`` for people, with the calls it leaves out (``COST_FIELDS``, or
    ``counters``); just the word (``unpriced``, ``unknown usage``) when no call of the
    ``calls`` had a cost (the sum is then 0 or null)."""
    value = _get(row, field)
    if field not in COST_FIELDS:
        raise KeyError(f"{field} is not a cost field (see COST_FIELDS)")
    counters = counters or COST_FIELDS[field]
    if counters is None:
        return money(value) if value is not None else pricing(row)
    unpriced, unknown = (int(_get(row, name) or 0) for name in counters)
    if value is None or (calls and unpriced + unknown >= calls):
        return without_cost(unpriced, unknown)
    return money(value, unpriced, unknown)


def without_cost(unpriced: int, unknown: int) -> str:
    """Calls none of which has a cost: ``unpriced``, ``unknown usage``, or both counted."""
    if unpriced and unknown:
        return f"{unpriced} unpriced, {unknown} unknown usage"
    return "unknown usage" if unknown else "unpriced"


def money(value: Decimal | float | None, unpriced: int | None = 0, unknown: int | None = 0) -> str:
    """A cost for people: ``$0.1234``, ``unpriced`` when nothing had a price, or the sum of
    the priced calls with ``+ N unpriced`` and ``+ M unknown usage``."""
    if value is None:
        return "unpriced"
    text = f"${Decimal(value):,.4f}" if Decimal(value) < 100 else f"${Decimal(value):,.2f}"
    if unpriced:
        text += f" + {unpriced} unpriced"
    if unknown:
        text += f" + {unknown} unknown usage"
    return text


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(to_jsonable(content), ensure_ascii=False, separators=(",", ":")).encode()
