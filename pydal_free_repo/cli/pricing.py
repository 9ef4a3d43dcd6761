"""``pfr pricing list|sync|set|reprice``: the prices LLM calls are costed with.

``list`` shows what is in force (the user's own prices, which win, and the installed
genai-prices catalogue); ``sync`` loads the installed catalogue into ``model_pricing``;
``set MODEL`` adds the user's own price (a negotiated or self-hosted rate), says how many
recorded calls it would change and, with ``--reprice``, reprices them; ``reprice``
recomputes past costs (see ``pydal_free_repo.repricing``), recorded in ``job_runs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from pydal_free_repo import pricing, repricing
from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, emit, print_json
from pydal_free_repo.errors import ConfigurationError, PfrError
from pydal_free_repo.usage import provider_name

LIST_COLUMNS = [
    "id",
    "source",
    "model",
    "provider",
    "input_per_1m",
    "cached_input_per_1m",
    "cache_write_per_1m",
    "output_per_1m",
    "tiered",
    "price_condition",
    "valid_from",
]


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("pricing", help="LLM prices: list, sync, set, reprice")
    actions = parser.add_subparsers(dest="pricing_command", metavar="ACTION", required=True)

    p = actions.add_parser("list", help="the prices in force (your own first, then the catalogue)")
    p.add_argument("--model", help="only models whose name contains this text")
    p.add_argument("--source", choices=[pricing.SOURCE_USER, pricing.SOURCE_CATALOGUE])
    p.add_argument("--limit", type=int, default=200)
    add_json_flag(p)
    p.set_defaults(handler=_list)

    p = actions.add_parser("sync", help="load the installed genai-prices catalogue")
    add_json_flag(p)
    p.set_defaults(handler=_sync)

    p = actions.add_parser("set", help="your own price for a model (wins over the catalogue)")
    p.add_argument("model", help="exact model name as the calls record it (e.g. gpt-4o)")
    p.add_argument("--input", required=True, type=_usd, help="USD per 1M input tokens")
    p.add_argument("--output", required=True, type=_usd, help="USD per 1M output tokens")
    p.add_argument(
        "--cached-input", type=_usd, help="USD per 1M cache-read tokens (default: --input)"
    )
    p.add_argument(
        "--cache-write", type=_usd, help="USD per 1M cache-write tokens (default: --input)"
    )
    p.add_argument("--provider", help="only calls served by this provider (default: any)")
    p.add_argument(
        "--pattern",
        action="store_true",
        help="MODEL is a LIKE pattern (e.g. 'local-llama-%%') for models nobody else prices",
    )
    p.add_argument(
        "--from",
        dest="valid_from",
        type=_instant,
        help="applies to calls from this date/time on (ISO 8601; default: now)",
    )
    p.add_argument(
        "--reprice", action="store_true", help="reprice the recorded calls it covers now"
    )
    add_json_flag(p)
    p.set_defaults(handler=_set)

    p = actions.add_parser("reprice", help="recompute the cost of recorded calls")
    p.add_argument("--since", type=_instant, help="only calls from this date/time on")
    p.add_argument(
        "--model", help="every call of this model (default: unpriced and retired-price calls)"
    )
    p.add_argument("--batch-size", type=int, default=repricing.DEFAULT_BATCH)
    add_json_flag(p)
    p.set_defaults(handler=_reprice)


def _usd(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1000000"):
        raise argparse.ArgumentTypeError(f"a price must be 0 or more and below 1e6: {text!r}")
    return value


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date/time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _list(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit < 1:
        raise ConfigurationError("--limit must be at least 1")
    rows = ctx.db.fetch_all(
        "pricing/list",
        {
            "version": pricing.CATALOGUE_VERSION,
            "model": args.model,
            "source": args.source,
            "limit": args.limit,
        },
    )
    emit(args, rows, LIST_COLUMNS)
    return 0


def _sync(args: argparse.Namespace, ctx: Context) -> int:
    added = pricing.sync_catalogue(ctx.db)
    result = {
        "source": pricing.SOURCE_CATALOGUE,
        "version": pricing.CATALOGUE_VERSION,
        "added": added,
    }
    if args.json:
        print_json(result)
    else:
        print(
            f"genai-prices {pricing.CATALOGUE_VERSION}: {added} prices added"
            + (" (already loaded)" if added == 0 else "")
        )
    return 0


def _set(args: argparse.Namespace, ctx: Context) -> int:
    valid_from = args.valid_from or pricing.now()
    provider = provider_name(args.provider)
    params = {
        "model": args.model,
        "model_pattern": args.model if args.pattern else None,
        "provider": provider,
        "input_per_1m": args.input,
        "cached_input_per_1m": args.cached_input,
        "cache_write_per_1m": args.cache_write,
        "output_per_1m": args.output,
        "valid_from": valid_from,
    }
    with ctx.db.transaction() as conn:
        row = ctx.db.fetch_one("pricing/user_price_insert", params, conn=conn)
        affected: dict[str, Any] = (
            {"llm_calls": None, "generations": None}
            if args.pattern
            else ctx.db.fetch_one(
                "pricing/affected_calls",
                {"model": args.model, "valid_from": valid_from, "provider": provider},
                conn=conn,
            )
        )
    pricing.forget(ctx.dsn)
    result: dict[str, Any] = {"price": row, "affected": affected}
    if args.reprice:
        job = repricing.reprice(
            ctx.db, since=valid_from, model=None if args.pattern else args.model
        )
        if job.status != "succeeded":
            raise PfrError(f"the price was added but repricing {job.status}: {job.error}")
        result["reprice"] = {"run_id": job.run_id, **job.details}
    if args.json:
        print_json(result)
        return 0
    print(f"price {row['id']} added for {args.model} from {valid_from.isoformat()}")
    if not args.pattern:
        total = affected["llm_calls"] + affected["generations"]
        print(
            f"{total} recorded calls are covered ({affected['llm_calls']} LLM calls, "
            f"{affected['generations']} generations)"
            + (
                ""
                if args.reprice
                else "; run with --reprice (or `pfr pricing reprice "
                f"--model {args.model}`) to recompute their cost"
            )
        )
    if args.reprice:
        print(_reprice_line(result["reprice"]))
    return 0


def _reprice(args: argparse.Namespace, ctx: Context) -> int:
    if args.batch_size < 1:
        raise ConfigurationError("--batch-size must be at least 1")
    job = repricing.reprice(ctx.db, since=args.since, model=args.model, batch_size=args.batch_size)
    result = {"run_id": job.run_id, "status": job.status, **job.details}
    if job.status == "failed":
        raise PfrError(f"reprice failed (run {job.run_id}): {job.error}")
    if args.json:
        print_json(result)
    elif job.status == "skipped":
        print(f"reprice skipped: {job.details.get('reason')}")
    else:
        print(_reprice_line(result))
    return 0


def _reprice_line(result: dict[str, Any]) -> str:
    parts = [
        f"{name}: {result[name]['repriced']} of {result[name]['read']} repriced"
        for name in repricing.TABLES
        if name in result
    ]
    return f"reprice (job run {result.get('run_id')}): " + "; ".join(parts)
