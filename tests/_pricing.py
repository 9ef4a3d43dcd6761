"""What a stored cost must be: genai-prices' own ``calc_price``, to the micro-dollar."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import genai_prices

from pydal_free_repo.pricing import CATALOGUE_PROVIDERS


def expected_cost(
    model: str,
    provider: str | None,
    at: dt.datetime,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    reasoning_tokens: int | None = None,
) -> Decimal:
    """genai_prices.calc_price for the same usage, model, provider and call time, rounded
    as the NUMERIC(12, 6) cost columns round."""
    usage = genai_prices.Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        output_reasoning_tokens=reasoning_tokens,
    )
    price = genai_prices.calc_price(
        usage,
        model,
        provider_id=CATALOGUE_PROVIDERS.get(provider, provider) if provider else None,
        genai_request_timestamp=at,
    )
    return price.total_price.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def document_prices(db) -> None:
    """Document 004's 2024 prices as the user's own (they win over the catalogue), so
    tests written with those figures keep them."""
    from pydal_free_repo import pricing

    with db.connection() as conn:
        conn.execute(
            "INSERT INTO model_pricing"
            " (model, input_per_1m, cached_input_per_1m, output_per_1m, valid_from, source)"
            " VALUES ('gpt-4o', 5, 2.5, 15, '2000-01-01', 'user'),"
            " ('gpt-3.5-turbo', 0.5, NULL, 1.5, '2000-01-01', 'user')"
        )
    pricing.forget(db.dsn)
