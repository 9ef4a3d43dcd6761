"""JSON bodies: the CLI's ``to_jsonable`` (dates ISO 8601, Decimal as numbers) plus the
one place that says which field holds a cost and which says it is unknown.

A cost is ``null`` when the model had no price, never 0: every read returns NULL for an
unpriced call and a count of unpriced calls beside each sum. ``COST_FIELDS`` maps each
cost field the pages show to its unpriced counter, so a new cost column (cache-write
tokens, repricing) is one line here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from pydal_free_repo.cli.output import to_jsonable

# cost field -> the field counting the calls it leaves out (None: one call, unpriced
# exactly when the cost is null).
COST_FIELDS: dict[str, str | None] = {
    "cost": None,  # detail().llm_calls[]
    "estimated_cost": None,  # workflow generations
    "total_llm_cost": "unpriced_llm_calls",  # detail()
    "total_llm_cost_usd": "unpriced_llm_calls",  # stats()
    "total_cost": "unpriced_calls",  # llm_cost, llm_cost_by_model, reports, workflows usage
}


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def cost(row: Any, field: str, calls: int | None = None) -> str:
    """``row[field]`` for people, with the calls it leaves out (``COST_FIELDS``); just
    ``unpriced`` when no call of the ``calls`` had a price (the sum is then 0 or null)."""
    value = _get(row, field)
    if field not in COST_FIELDS:
        raise KeyError(f"{field} is not a cost field (see COST_FIELDS)")
    counter = COST_FIELDS[field]
    if counter is None:
        return money(value)
    unpriced = int(_get(row, counter) or 0)
    if calls and unpriced >= calls:
        return "unpriced"
    return money(value, unpriced)


def money(value: Decimal | float | None, unpriced: int | None = 0) -> str:
    """A cost for people: ``$0.1234``, ``unpriced`` when nothing had a price, or the sum of
    the priced calls with ``+ N unpriced``."""
    if value is None:
        return "unpriced"
    text = f"${Decimal(value):,.4f}" if Decimal(value) < 100 else f"${Decimal(value):,.2f}"
    if unpriced:
        text += f" + {unpriced} unpriced"
    return text


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(to_jsonable(content), ensure_ascii=False, separators=(",", ":")).encode()
