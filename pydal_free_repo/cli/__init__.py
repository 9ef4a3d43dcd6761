"""The ``pfr`` command line: ``pfr [--dsn DSN] COMMAND ...``.

Each area registers its subcommands from its own module (``db``, ``issues``,
``workflows``, ``jobs``, ``web``, ``pricing``). Errors print one line to stderr and exit
non-zero: 1 for a failed operation, 2 for bad usage or configuration, 3 when the database
is unreachable.
"""

from __future__ import annotations

import argparse
import logging
import sys

from pydal_free_repo.cli import db as db_commands
from pydal_free_repo.cli import issues as issue_commands
from pydal_free_repo.cli import jobs as job_commands
from pydal_free_repo.cli import pricing as pricing_commands
from pydal_free_repo.cli import replica as replica_commands
from pydal_free_repo.cli import web as web_commands
from pydal_free_repo.cli import workflows as workflow_commands
from pydal_free_repo.cli.context import Context
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable, PfrError
from pydal_free_repo.redact import redact_text

AREAS = [
    db_commands,
    issue_commands,
    workflow_commands,
    job_commands,
    replica_commands,
    web_commands,
    pricing_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pfr",
        description="History of what LLM agents did, in PostgreSQL.",
    )
    parser.add_argument(
        "--dsn",
        help="PostgreSQL connection string (default: $DATABASE_URL, else the embedded server)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for area in AREAS:
        area.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    context = Context(dsn=args.dsn)
    try:
        return int(args.handler(args, context) or 0)
    except ConfigurationError as exc:
        return _fail(exc, 2)
    except DatabaseUnavailable as exc:
        return _fail(exc, 3)
    except PfrError as exc:
        return _fail(exc, 1)
    except KeyboardInterrupt:
        return 130
    finally:
        context.close()


def _fail(exc: Exception, code: int) -> int:
    one_line = " ".join(redact_text(str(exc)).split())
    print(f"pfr: error: {one_line}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
