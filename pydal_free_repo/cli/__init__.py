"""The ``pfr`` command line: ``pfr [--dsn DSN] COMMAND ...``.

Each area registers its subcommands from its own module (``db``, ``issues``,
``workflows``, ``jobs``, ``web``, ``pricing``). Errors print one line to stderr and exit
non-zero: 1 for a failed operation, 2 for bad usage, a bad argument value or
configuration (argparse's convention: checked before anything connects), 3 when the
database is unreachable; 141 when the reader of its output went away (``| head``),
silently.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import NoReturn

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

# 128 + SIGPIPE: what a shell reports for a writer whose reader closed the pipe.
EXIT_BROKEN_PIPE = 141

AREAS = [
    db_commands,
    issue_commands,
    workflow_commands,
    job_commands,
    replica_commands,
    web_commands,
    pricing_commands,
]


class Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (exit 2): `pfr demo: error: argument --days:
    must be from 0 to 3650, not 3650000 (see pfr demo --help)`."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2) or --help (0), already printed
        return int(exc.code or 0)
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
    except BrokenPipeError:
        # The reader went away (`pfr history --json | head`): end quietly, like `yes | head`.
        # Python would report the pipe again when it flushes stdout at exit; point stdout
        # at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    finally:
        context.close()


def _fail(exc: Exception, code: int) -> int:
    one_line = " ".join(redact_text(str(exc)).split())
    print(f"pfr: error: {one_line}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
