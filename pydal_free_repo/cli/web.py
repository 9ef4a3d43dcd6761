"""``pfr serve`` (the dashboard and JSON endpoints) and ``pfr run`` (migrations, the
maintenance scheduler and the dashboard in one process: what ``make run`` starts)."""

from __future__ import annotations

import argparse
import logging
import os

from pydal_free_repo import config as jobs_config
from pydal_free_repo import schema
from pydal_free_repo.cli.context import Context
from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.routing import READ_ENV_VAR
from pydal_free_repo.web.settings import DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "serve", help="the dashboard and document 004's JSON endpoints (read-only)"
    )
    _add_bind(p)
    p.set_defaults(handler=run_serve)

    p = commands.add_parser(
        "run", help="apply migrations, then the maintenance scheduler and the dashboard together"
    )
    _add_bind(p)
    p.add_argument(
        "--config", metavar="FILE", help="TOML settings file (default: $PFR_CONFIG, if set)"
    )
    p.set_defaults(handler=run_all)


def _add_bind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; any other needs ${TOKEN_ENV})",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default 8000")


def _settings(args: argparse.Namespace, ctx: Context):
    from pydal_free_repo.web.settings import ServeSettings

    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the web extra is missing
        raise ConfigurationError(
            f"pfr serve needs the web extra: pip install 'pydal_free_repo[web]' ({exc})"
        ) from None
    # The dashboard only reads (read-only sessions): with DATABASE_READ_URL it reads from
    # that standby; migrations and the scheduler of `pfr run` stay on the primary.
    dsn = os.environ.get(READ_ENV_VAR) or ctx.dsn
    return ServeSettings.from_environment(dsn, host=args.host, port=args.port)


def run_serve(args: argparse.Namespace, ctx: Context) -> int:
    settings = _settings(args, ctx)
    from pydal_free_repo.web.server import serve

    return serve(settings)


def run_all(args: argparse.Namespace, ctx: Context) -> int:
    settings = _settings(args, ctx)
    config = jobs_config.load(args.config)
    for migration_id in schema.migrate(ctx.dsn):
        print(f"applied {migration_id}", flush=True)
    logging.getLogger("pydal_free_repo").setLevel(logging.INFO)
    from pydal_free_repo.web.server import serve_with_scheduler

    return serve_with_scheduler(settings, ctx.db, config)
