"""The fast price arithmetic equals genai-prices' own, for every price of every model.

The package prices a call with ``_Rates`` compiled from the catalogue's ``ModelPrice``
(``calc_price`` itself takes ~250 us, too slow for the buffered writer); this checks,
without a database, that both agree exactly (Decimal equality, not just to the
micro-dollar) on usages around every tier threshold, with cache reads, cache writes and
reasoning tokens.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import threading

from genai_prices.data_snapshot import get_snapshot

from pydal_free_repo import pricing

PRICES = [
    (f"{provider.id}/{model.id}/{index}", model_price)
    for provider in get_snapshot().providers
    for model in provider.models
    for index, (model_price, _) in enumerate(pricing._variants(model))
]
INPUTS = (0, 1, 999, 128_000, 128_001, 200_000, 200_001, 272_001, 1_000_001, 2_000_000_000)


def usages(seed: int):
    rnd = random.Random(seed)
    for total_input in INPUTS:
        cache_read = rnd.randint(0, total_input // 2)
        cache_write = rnd.randint(0, (total_input - cache_read) // 2)
        output = rnd.randint(0, 100_000)
        yield {
            "prompt_tokens": total_input,
            "cached_input_tokens": cache_read,
            "cache_write_input_tokens": cache_write,
            "completion_tokens": output,
            "reasoning_tokens": rnd.randint(0, output),
        }
    yield {"prompt_tokens": 10, "completion_tokens": 5}  # no cache, no reasoning reported


def test_the_catalogue_is_large_and_mostly_on_the_fast_path():
    compiled = [pricing.compile_price(model_price) for _, model_price in PRICES]
    assert len(compiled) > 1000
    fast = sum(1 for rates, by_tokens in compiled if rates is not None and by_tokens)
    assert fast > 0.9 * sum(1 for _, by_tokens in compiled if by_tokens)


def test_fast_cost_equals_calc_price_for_every_catalogue_price():
    wrong = []
    for seed, (name, model_price) in enumerate(PRICES):
        rates, by_tokens = pricing.compile_price(model_price)
        price = pricing.Price(1, "genai-prices", model_price, rates, by_tokens)
        for counts in usages(seed):
            got, problem = price.cost(counts)
            if not by_tokens:
                # Priced per hour, character, page...: nothing here prices it; NULL, not 0.
                if got is not None or problem is not None:
                    wrong.append((name, counts, got, None))
                continue
            try:
                want = model_price.calc_price(pricing.genai_usage(counts))["total_price"]
            except ValueError:
                want = None
            if got != want:
                wrong.append((name, counts, got, want))
    assert wrong == []


def test_unknown_usage_has_no_cost():
    model_price = PRICES[0][1]
    rates, by_tokens = pricing.compile_price(model_price)
    price = pricing.Price(1, "genai-prices", model_price, rates, by_tokens)
    assert price.cost({}) == (None, None)


def test_threads_sharing_a_fresh_price_book_all_find_their_model():
    """The buffered writer's thread and the callers' threads share one book per database;
    its lazily built tables must be whole before any thread reads them."""
    models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-20241022", "gemini-2.5-pro"] * 2
    at = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often, as under load
    try:
        _price_together(models, at)
    finally:
        sys.setswitchinterval(switch)


def _price_together(models: list[str], at: dt.datetime) -> None:
    for _ in range(10):
        book = pricing.PriceBook()
        start = threading.Barrier(len(models))
        errors: list[BaseException] = []

        def find(model: str, book: pricing.PriceBook = book, start=start, errors=errors) -> None:
            start.wait()
            try:
                book.price_for(model, None, at)
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

        threads = [threading.Thread(target=find, args=(m,)) for m in models]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
