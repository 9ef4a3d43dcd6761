"""The price of an LLM call, computed when it is written, with genai-prices' own arithmetic.

Where a price comes from, first match wins:

1. a user price (``pfr pricing set``, ``model_pricing.source = 'user'``) for the EXACT
   model name (and the call's provider, when the price names one), the latest that
   started at or before the call;
2. the genai-prices catalogue installed with the package (provider-specific matching,
   dated snapshots, conditional and tiered prices), mirrored in ``model_pricing``
   (``source = 'genai-prices'``, one row per price of one catalogue version);
3. a user price with a ``model_pattern`` (LIKE), the longest matching: for models nobody
   else prices (a local model family, say);
4. nothing: the cost is NULL (unpriced), never 0.

A provider genai-prices does not know (``ollama``) gets no catalogue price: a local model
named like a hosted one is not billed at the hosted rate.

Exactness. The cost is genai-prices' ``ModelPrice.calc_price`` of the stored usage
(``input_tokens`` incl. cache reads and writes, ``cache_read_tokens``,
``cache_write_tokens``, ``output_tokens`` incl. ``output_reasoning_tokens``) at the
call's time. That call takes ~250 us, too slow for a writer of 100,000 rows/s, so a price
whose units are only the token kinds stored here (plus per-request fees and units a call
never reports) is compiled once into ``_Rates`` that redo the same decomposition and the
same Decimal arithmetic (tiers: above a tier's start, counted on the total input tokens,
ALL tokens pay the tier price); any other price (audio, image, per-modality rates) goes
through ``calc_price`` itself. ``tests/test_pricing_catalogue.py`` checks both ways agree
for every price of every model in the catalogue.

Prices are cached per process (per database): user prices are re-read at most every
``REFRESH_SECONDS``; ``forget(dsn)`` drops the cache at once (``pfr pricing set`` does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import genai_prices
from genai_prices import types as gp
from genai_prices.data_snapshot import get_snapshot
from psycopg.types.json import Jsonb

from pydal_free_repo.usage import log_problem_once, provider_name

log = logging.getLogger(__name__)

SOURCE_USER = "user"
SOURCE_CATALOGUE = "genai-prices"
CATALOGUE_VERSION = genai_prices.__version__
REFRESH_SECONDS = 5.0

# OpenTelemetry provider names (what the tables store) -> genai-prices provider ids.
CATALOGUE_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "aws.bedrock": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "mistral_ai": "mistral",
    "x_ai": "x-ai",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "perplexity": "perplexity",
}
# Providers that serve models on your own hardware: no catalogue price ever applies.
LOCAL_PROVIDERS = frozenset({"ollama", "vllm", "llama.cpp", "lmstudio", "local"})

# The price keys of the token counts the LLM-call tables store.
_TOKEN_KEYS = {
    "input_mtok": "input",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "output_mtok": "output",
    "output_reasoning_mtok": "reasoning",
}
_MILLION = Decimal(1_000_000)
_THOUSAND = Decimal(1_000)
_ZERO = Decimal(0)
# computed_cost is NUMERIC(12, 6): a larger cost is stored as NULL with a usage problem
# rather than refused with the call.
_COST_LIMIT = Decimal("999999.9999995")


@dataclasses.dataclass(frozen=True)
class Price:
    """One ``model_pricing`` row, ready to price calls."""

    id: int
    source: str
    model_price: gp.ModelPrice
    rates: _Rates | None  # None: price with model_price.calc_price (see the module doc)
    priced_by_tokens: bool  # False: nothing here prices tokens or requests (per-hour audio...)

    def cost(self, counts: Mapping[str, int | None]) -> tuple[Decimal | None, str | None]:
        """(USD cost, problem) of a call's counts (the tables' column names)."""
        return cost_of(self, counts)


@dataclasses.dataclass(frozen=True)
class _Rates:
    input: Decimal | gp.TieredPrices | None
    cache_read: Decimal | gp.TieredPrices | None
    cache_write: Decimal | gp.TieredPrices | None
    output: Decimal | gp.TieredPrices | None
    reasoning: Decimal | gp.TieredPrices | None
    requests_kcount: Decimal | None
    tiered: bool
    # A flat price as USD per token of each stored count (the decomposition folded in:
    # cache reads cost cache_read - input per token more than an input token...); exact,
    # since dividing by 10^6 and these sums never round in a 28-digit context.
    linear: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal] | None = None


def _linear(r: _Rates) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
    def per_token(value: Any) -> Decimal:
        return _ZERO if value is None else value / _MILLION

    base_in, base_out = per_token(r.input), per_token(r.output)
    return (
        base_in,
        per_token(r.cache_read) - base_in if r.cache_read is not None else _ZERO,
        per_token(r.cache_write) - base_in if r.cache_write is not None else _ZERO,
        base_out,
        per_token(r.reasoning) - base_out if r.reasoning is not None else _ZERO,
        _ZERO if r.requests_kcount is None else r.requests_kcount / _THOUSAND,
    )


def compile_price(model_price: gp.ModelPrice) -> tuple[_Rates | None, bool]:
    """The fast form of a catalogue or user price, and whether it prices tokens at all."""
    from genai_prices.units import _get_registry

    registry = _get_registry()
    keys = {
        key: value
        for key, value in model_price.__dict__.items()
        if not key.startswith("_") and value is not None
    }
    by_tokens = any(key in _TOKEN_KEYS or key == "requests_kcount" for key in keys)
    fast = True
    for key in keys:
        if key in _TOKEN_KEYS or key == "requests_kcount":
            continue
        try:
            unit = registry.unit_for_price_key(key)
        except KeyError:
            fast = False
            break
        # Another token kind (audio, image, per-modality, cache TTL...) changes the
        # decomposition of the counts stored here; calc_price handles it.
        if unit.dimensions.get("family") == "tokens":
            fast = False
            break
    if not fast:
        return None, by_tokens
    rates = _Rates(
        input=keys.get("input_mtok"),
        cache_read=keys.get("cache_read_mtok"),
        cache_write=keys.get("cache_write_mtok"),
        output=keys.get("output_mtok"),
        reasoning=keys.get("output_reasoning_mtok"),
        requests_kcount=keys.get("requests_kcount"),
        tiered=any(isinstance(value, gp.TieredPrices) for value in keys.values()),
    )
    if not rates.tiered:
        rates = dataclasses.replace(rates, linear=_linear(rates))
    return rates, by_tokens


def _rate(price: Decimal | gp.TieredPrices, total_input: int) -> Decimal:
    if isinstance(price, gp.TieredPrices):
        for tier in reversed(price.tiers):
            if total_input > tier.start:
                return tier.price
        return price.base
    return price


def _linear_total(
    linear: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal],
    i: int,
    cr: int,
    cw: int,
    o: int,
    z: int,
) -> Decimal:
    """A flat price's cost of the counts (``_Rates.linear``)."""
    a_in, a_cr, a_cw, a_out, a_z, fee = linear
    total = fee
    if i:
        total += a_in * i
    if cr:
        total += a_cr * cr
    if cw:
        total += a_cw * cw
    if o:
        total += a_out * o
    if z:
        total += a_z * z
    return total


def _fast_cost(r: _Rates, i: int, cr: int, cw: int, o: int, z: int) -> Decimal:
    """genai-prices' arithmetic for the stored token kinds (keep in step with
    ``ModelPrice.calc_price``: each unit's price * leaf count / per, summed)."""
    if r.linear is not None:
        return _linear_total(r.linear, i, cr, cw, o, z)
    total = _ZERO
    if r.input is not None:
        leaf = (
            i - (cr if r.cache_read is not None else 0) - (cw if r.cache_write is not None else 0)
        )
        total += _rate(r.input, i) * Decimal(leaf) / _MILLION
    if r.cache_read is not None:
        total += _rate(r.cache_read, i) * Decimal(cr) / _MILLION
    if r.cache_write is not None:
        total += _rate(r.cache_write, i) * Decimal(cw) / _MILLION
    if r.output is not None:
        leaf = o - (z if r.reasoning is not None else 0)
        total += _rate(r.output, i) * Decimal(leaf) / _MILLION
    if r.reasoning is not None:
        total += _rate(r.reasoning, i) * Decimal(z) / _MILLION
    if r.requests_kcount is not None:
        total += r.requests_kcount * Decimal(1) / _THOUSAND
    return total


def genai_usage(counts: Mapping[str, int | None]) -> gp.Usage:
    """The stored counts as the genai-prices ``Usage`` they are priced as."""
    return gp.Usage(
        input_tokens=counts.get("prompt_tokens"),
        cache_read_tokens=counts.get("cached_input_tokens"),
        cache_write_tokens=counts.get("cache_write_input_tokens"),
        output_tokens=counts.get("completion_tokens"),
        output_reasoning_tokens=counts.get("reasoning_tokens"),
    )


def cost_of(price: Price, counts: Mapping[str, int | None]) -> tuple[Decimal | None, str | None]:
    i = counts.get("prompt_tokens")
    cr = counts.get("cached_input_tokens")
    cw = counts.get("cache_write_input_tokens")
    o = counts.get("completion_tokens")
    z = counts.get("reasoning_tokens")
    if i is None and o is None:
        return None, None  # unknown usage: no cost, and not an error
    if not price.priced_by_tokens:
        return None, None
    if price.rates is not None and (i is not None or not (cr or cw)):
        try:
            return _fast_cost(price.rates, i or 0, cr or 0, cw or 0, o or 0, z or 0), None
        except ArithmeticError as exc:  # pragma: no cover - counts are INTEGER-bounded
            return None, f"cost could not be computed: {exc}"
    try:
        return price.model_price.calc_price(genai_usage(counts))["total_price"], None
    except (ValueError, TypeError, ArithmeticError) as exc:
        return None, f"genai-prices cannot price this usage: {exc}"


# -- the catalogue ---------------------------------------------------------------------------


def _variants(model: gp.ModelInfo) -> list[tuple[gp.ModelPrice, Any]]:
    if isinstance(model.prices, gp.ModelPrice):
        return [(model.prices, None)]
    return [(conditional.prices, conditional.constraint) for conditional in model.prices]


def _variant_index(model: gp.ModelInfo, at: dt.datetime) -> int:
    """Which conditional price applies at ``at`` (as ``ModelInfo.get_prices`` chooses)."""
    if isinstance(model.prices, gp.ModelPrice):
        return 0
    for index in range(len(model.prices) - 1, -1, -1):
        constraint = model.prices[index].constraint
        if constraint is None or constraint.active(at):
            return index
    return 0


def _condition_text(constraint: Any) -> str | None:
    if constraint is None:
        return None
    if isinstance(constraint, gp.StartDateConstraint):
        return f"from {constraint.start_date.isoformat()}"
    if isinstance(constraint, gp.TimeOfDateConstraint):
        return f"daily {constraint.start_time.isoformat()}-{constraint.end_time.isoformat()} UTC"
    return repr(constraint)  # pragma: no cover - a constraint kind added to genai-prices


def _price_json(model_price: gp.ModelPrice) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in model_price.__dict__.items():
        if key.startswith("_") or value is None:
            continue
        if isinstance(value, gp.TieredPrices):
            out[key] = {
                "base": str(value.base),
                "tiers": [{"start": tier.start, "price": str(tier.price)} for tier in value.tiers],
            }
        else:
            out[key] = str(value)
    return out


def _base(value: Any) -> Decimal | None:
    if isinstance(value, gp.TieredPrices):
        return value.base
    return value


def catalogue_rows(version: str = CATALOGUE_VERSION) -> Iterable[dict[str, Any]]:
    """One ``model_pricing`` row per price of every model in the installed catalogue."""
    for provider in get_snapshot().providers:
        for model in provider.models:
            for index, (model_price, constraint) in enumerate(_variants(model)):
                start = getattr(constraint, "start_date", None)
                valid_from = (
                    dt.datetime.combine(start, dt.time(), dt.timezone.utc)
                    if start is not None
                    else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
                )
                yield {
                    "model": model.id,
                    "provider": provider.id,
                    "input_per_1m": _base(getattr(model_price, "input_mtok", None)),
                    "cached_input_per_1m": _base(getattr(model_price, "cache_read_mtok", None)),
                    "cache_write_per_1m": _base(getattr(model_price, "cache_write_mtok", None)),
                    "output_per_1m": _base(getattr(model_price, "output_mtok", None)),
                    "valid_from": valid_from,
                    "source_version": version,
                    "catalogue_provider": provider.id,
                    "catalogue_model": model.id,
                    "price_variant": index,
                    "price_condition": _condition_text(constraint),
                    "price_data": Jsonb(_price_json(model_price)),
                }


def sync_catalogue(db: Any) -> int:
    """Load the installed catalogue into ``model_pricing``; returns the rows added (0 when
    this version is already there). Idempotent and safe to run concurrently."""
    from pydal_free_repo import queries

    rows = [_readable(row) for row in catalogue_rows()]
    statement = queries.load("pricing/catalogue_insert").composed()
    params = {"source_version": CATALOGUE_VERSION}
    with db.transaction() as conn:
        before = db.fetch_one("pricing/catalogue_count", params, conn=conn)["rows"]
        if before < len(rows):
            with conn.cursor() as cur:
                cur.executemany(statement, rows)
        after = db.fetch_one("pricing/catalogue_count", params, conn=conn)["rows"]
    forget(db.dsn)
    return after - before


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """The per-1M columns are for reading (6 decimals); the exact price is price_data."""
    for name in ("input_per_1m", "cached_input_per_1m", "cache_write_per_1m", "output_per_1m"):
        value = row[name]
        if value is not None:
            row[name] = min(value, Decimal("999999.999999")).quantize(Decimal("1e-6"))
    return row


# -- the book of prices one process uses ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _UserPrice:
    price: Price
    model: str
    pattern: str | None
    provider: str | None
    valid_from: dt.datetime


def _user_price(row: Mapping[str, Any]) -> _UserPrice:
    model_price = gp.ModelPrice(
        input_mtok=row["input_per_1m"],
        cache_read_mtok=row["cached_input_per_1m"],
        cache_write_mtok=row["cache_write_per_1m"],
        output_mtok=row["output_per_1m"],
    )
    rates, by_tokens = compile_price(model_price)
    return _UserPrice(
        price=Price(row["id"], SOURCE_USER, model_price, rates, by_tokens),
        model=row["model"],
        pattern=row["model_pattern"],
        provider=provider_name(row["provider"]),
        valid_from=row["valid_from"],
    )


def _like(pattern: str, text: str) -> bool:
    """SQL LIKE (``%`` any run, ``_`` one character, ``\\`` escapes)."""
    import re

    out = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.fullmatch("".join(out), text, re.S) is not None


@dataclasses.dataclass(frozen=True)
class _Plan:
    provider: str | None
    users: tuple[_UserPrice, ...]
    fixed: Price | None  # the catalogue's price, when the model has one unconditional price
    catalogue: bool  # the catalogue prices it, depending on the call's time


class PriceBook:
    """The prices of one database, cached in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, list[_UserPrice]] = {}
        self._patterns: list[_UserPrice] = []
        self._catalogue_ids: dict[tuple[str, str, int], int] | None = None
        self._catalogue_prices: dict[int, Price] = {}
        self._loaded_at = -1e9
        self._models: dict[tuple[str, str | None], tuple[gp.ModelInfo, str] | None] = {}
        self._owners: dict[int, str] = {}
        self._plans: dict[tuple[str, str | None], _Plan] = {}

    # loading

    def stale(self) -> bool:
        return time.monotonic() - self._loaded_at > REFRESH_SECONDS

    def load(
        self, user_rows: Iterable[Mapping[str, Any]], catalogue: Iterable[Mapping[str, Any]] | None
    ) -> None:
        users: dict[str, list[_UserPrice]] = {}
        patterns: list[_UserPrice] = []
        for row in user_rows:
            entry = _user_price(row)
            if entry.pattern:
                patterns.append(entry)
            else:
                users.setdefault(entry.model, []).append(entry)
        for entries in users.values():
            entries.sort(key=lambda e: (e.valid_from, e.price.id), reverse=True)
        patterns.sort(key=lambda e: (len(e.pattern or ""), e.valid_from, e.price.id), reverse=True)
        with self._lock:
            self._users, self._patterns = users, patterns
            self._plans = {}
            if catalogue is not None:
                self._catalogue_ids = {
                    (row["catalogue_provider"], row["catalogue_model"], row["price_variant"]): row[
                        "id"
                    ]
                    for row in catalogue
                }
                self._catalogue_prices = {}
            self._loaded_at = time.monotonic()

    @property
    def needs_catalogue(self) -> bool:
        return self._catalogue_ids is None

    # resolving

    def price_for(self, model: str, provider: str | None, at: dt.datetime) -> Price | None:
        """The price in force for ``model`` served by ``provider`` at ``at`` (None: unpriced)."""
        plan = self._plan_for(model, provider)
        for entry in plan.users:
            if entry.valid_from <= at:
                return entry.price
        if plan.fixed is not None:
            return plan.fixed
        if plan.catalogue:
            price = self._catalogue_price(model, plan.provider, at)
            if price is not None:
                return price
        return self._pattern_price(model, plan.provider, at)

    def timeless_price(self, model: str, provider: str | None) -> tuple[bool, Price | None]:
        """(True, the price) when ``price_for`` gives the same price at any time: no user
        price for the model, and the catalogue's one unconditional price (or no price at
        all and no pattern); (False, None) when it depends on the call's time."""
        plan = self._plan_for(model, provider)
        if plan.users:
            return False, None
        if plan.fixed is not None:
            return True, plan.fixed
        if not plan.catalogue and not self._patterns:
            return True, None
        return False, None

    def _plan_for(self, model: str, provider: str | None) -> _Plan:
        plan = self._plans.get((model, provider))
        if plan is None:
            plan = self._plans[(model, provider)] = self._plan(model, provider)
        return plan

    def _plan(self, model: str, provider: str | None) -> _Plan:
        """What can be decided once per model and provider: the user prices that apply
        (newest first), and the catalogue price when it does not depend on the time."""
        name = provider_name(provider)
        users = tuple(
            entry
            for entry in self._users.get(model, ())
            if entry.provider is None or entry.provider == name
        )
        found = self._find_model(model, name)
        fixed = None
        if found is not None and isinstance(found[0].prices, gp.ModelPrice):
            fixed = self._catalogue_price(model, name, now())
        return _Plan(name, users, fixed, found is not None and fixed is None)

    def _pattern_price(self, model: str, provider: str | None, at: dt.datetime) -> Price | None:
        for entry in self._patterns:
            if (
                entry.valid_from <= at
                and (entry.provider is None or entry.provider == provider)
                and _like(entry.pattern or "", model)
            ):
                return entry.price
        return None

    def _catalogue_price(self, model: str, provider: str | None, at: dt.datetime) -> Price | None:
        found = self._find_model(model, provider)
        if found is None:
            return None
        info, owner = found
        index = _variant_index(info, at)
        ids = self._catalogue_ids or {}
        price_id = ids.get((owner, info.id, index))
        if price_id is None:
            log_problem_once(
                f"genai-prices {CATALOGUE_VERSION} prices {model!r} but its price is not in "
                "model_pricing: run `pfr pricing sync`"
            )
            return None
        price = self._catalogue_prices.get(price_id)
        if price is None:
            model_price = _variants(info)[index][0]
            rates, by_tokens = compile_price(model_price)
            price = Price(price_id, SOURCE_CATALOGUE, model_price, rates, by_tokens)
            self._catalogue_prices[price_id] = price
        return price

    def _find_model(self, model: str, provider: str | None) -> tuple[gp.ModelInfo, str] | None:
        key = (model, provider)
        if key in self._models:
            return self._models[key]
        found = None
        if provider not in LOCAL_PROVIDERS:
            catalogue_provider = CATALOGUE_PROVIDERS.get(provider, provider) if provider else None
            try:
                _, info = get_snapshot().find_provider_model(model, None, catalogue_provider, None)
            except LookupError:
                info = None
            if info is not None:
                found = (info, self._owner(info))
        self._models[key] = found
        return found

    def _owner(self, info: gp.ModelInfo) -> str:
        if not self._owners:
            # Built whole, then published: the writer's and the callers' threads share a book.
            self._owners = {
                id(model): provider.id
                for provider in get_snapshot().providers
                for model in provider.models
            }
        return self._owners[id(info)]


_BOOKS: dict[str, PriceBook] = {}
_BOOKS_LOCK = threading.Lock()


def book_for(dsn: str) -> PriceBook:
    with _BOOKS_LOCK:
        book = _BOOKS.get(dsn)
        if book is None:
            book = _BOOKS[dsn] = PriceBook()
        return book


def forget(dsn: str) -> None:
    """Drop this process's cached prices of a database (after a price change)."""
    with _BOOKS_LOCK:
        _BOOKS.pop(dsn, None)


def book(db: Any, conn: Any = None) -> PriceBook:
    """The price book of ``db``, (re)loaded from ``model_pricing`` when stale."""
    found = book_for(db.dsn)
    if found.stale():
        catalogue = None
        if found.needs_catalogue:
            catalogue = db.fetch_all(
                "pricing/catalogue_ids", {"source_version": CATALOGUE_VERSION}, conn=conn
            )
        found.load(db.fetch_all("pricing/user_prices", conn=conn), catalogue)
    return found


async def abook(db: Any) -> PriceBook:
    """``book`` for an ``AsyncDatabase``."""
    found = book_for(db.dsn)
    if found.stale():
        catalogue = None
        if found.needs_catalogue:
            catalogue = await db.fetch_all(
                "pricing/catalogue_ids", {"source_version": CATALOGUE_VERSION}
            )
        found.load(await db.fetch_all("pricing/user_prices"), catalogue)
    return found


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def price_row(prices: PriceBook, row: dict[str, Any], model_key: str, provider_key: str) -> None:
    """Set ``pricing_id`` and ``computed_cost`` of a row about to be written (its
    ``created_at`` set), and its ``usage_problem`` when pricing refused the counts."""
    _set_cost(prices.price_for(row[model_key], row.get(provider_key), row["created_at"]), row)


def priced(
    prices: PriceBook, rows: Iterable[dict[str, Any]], model_key: str, provider_key: str
) -> Iterator[dict[str, Any]]:
    """Each row, ``price_row`` done, as it is reached: the writer prices a batch while its
    COPY streams, so the server is inserting the rows already sent meanwhile. The price of
    a model whose price does not depend on the call's time (the usual case) is looked up
    once per batch, and a flat one (no tiers) is applied here, without ``cost_of``'s calls
    (``_fast_cost``'s sums, ``_set_cost``'s limit)."""
    timeless: dict[tuple[str, str | None], tuple[bool, Price | None]] = {}
    for row in rows:
        key = (row[model_key], row.get(provider_key))
        known = timeless.get(key)
        if known is None:
            known = timeless[key] = prices.timeless_price(*key)
        price = known[1]
        if price is not None and price.priced_by_tokens and price.rates is not None:
            linear = price.rates.linear
            i = row["prompt_tokens"]
            if linear is not None and i is not None:
                total = _linear_total(
                    linear,
                    i,
                    row["cached_input_tokens"] or 0,
                    row["cache_write_input_tokens"] or 0,
                    row["completion_tokens"] or 0,
                    row["reasoning_tokens"] or 0,
                )
                if total < _COST_LIMIT:
                    row["pricing_id"] = price.id
                    row["computed_cost"] = total
                    yield row
                    continue
        if known[0]:
            _set_cost(price, row)
        else:
            price_row(prices, row, model_key, provider_key)
        yield row


def _set_cost(price: Price | None, row: dict[str, Any]) -> None:
    if price is None:
        row["pricing_id"] = row["computed_cost"] = None
        return
    cost, problem = price.cost(row)
    if cost is not None and cost >= _COST_LIMIT:
        cost, problem = None, f"cost {cost} USD is too large for the cost columns"
    row["pricing_id"] = price.id if cost is not None else None
    row["computed_cost"] = cost
    if problem:
        log_problem_once(problem)
        row["usage_problem"] = "; ".join(p for p in (row.get("usage_problem"), problem) if p)
