"""``pfr replica create --data-dir DIR``: a streaming standby of the embedded server."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, print_json


def register(commands: argparse._SubParsersAction) -> None:
    replica = commands.add_parser(
        "replica", help="a streaming read replica (standby) of the server, for reads"
    )
    sub = replica.add_subparsers(dest="replica_command", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create",
        help="pg_basebackup -R into DIR, start it, print its DSN (use as DATABASE_READ_URL)",
    )
    create.add_argument("--data-dir", required=True, metavar="DIR", help="a new, short path")
    add_json_flag(create)
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo import replica

    uri = replica.create(ctx.dsn, Path(args.data_dir))
    if args.json:
        print_json({"dsn": uri, "data_dir": str(Path(args.data_dir).resolve())})
    else:
        print(uri)
    return 0
