"""``pfr migrate`` and ``pfr db ...``: schema and connection housekeeping."""

from __future__ import annotations

import argparse

from pydal_free_repo import embedded, schema
from pydal_free_repo.cli.arguments import POSITIVE
from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, emit, print_json
from pydal_free_repo.dsn import conninfo_params
from pydal_free_repo.redact import redact_dsn


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("migrate", help="apply pending migrations (or list / roll back)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="show applied and pending migrations")
    group.add_argument(
        "--rollback", type=POSITIVE, metavar="N", help="roll back the N latest migrations"
    )
    add_json_flag(p)
    p.set_defaults(handler=run_migrate)

    db = commands.add_parser("db", help="connection housekeeping")
    sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    url = sub.add_parser("url", help="print the DSN in use, password masked")
    url.set_defaults(handler=run_url)
    start = sub.add_parser("start", help="start the embedded server (no-op with DATABASE_URL)")
    start.set_defaults(handler=run_start)
    stop = sub.add_parser("stop", help="stop the embedded server (or the server of --data-dir)")
    stop.add_argument(
        "--data-dir",
        metavar="DIR",
        help="a server started by `pfr restore --to-time` or `pfr replica create`",
    )
    stop.set_defaults(handler=run_stop)


def run_migrate(args: argparse.Namespace, ctx: Context) -> int:
    if args.list:
        states = schema.status(ctx.dsn)
        rows = [{"migration": s.id, "state": "applied" if s.applied else "pending"} for s in states]
        emit(args, rows)
        return 0
    if args.rollback is not None:
        done = schema.rollback(ctx.dsn, args.rollback)
        verb = "rolled back"
    else:
        done = schema.migrate(ctx.dsn)
        verb = "applied"
    if args.json:
        print_json({verb.replace(" ", "_"): done})
    elif done:
        for migration_id in done:
            print(f"{verb} {migration_id}")
    else:
        print(f"nothing to do: no migration {'to roll back' if args.rollback else 'pending'}")
    return 0


def run_url(args: argparse.Namespace, ctx: Context) -> int:
    conninfo_params(ctx.dsn)  # a malformed one is refused (exit 2), its password masked
    print(redact_dsn(ctx.dsn))
    return 0


def run_start(args: argparse.Namespace, ctx: Context) -> int:
    print(redact_dsn(ctx.dsn))
    return 0


def run_stop(args: argparse.Namespace, ctx: Context) -> int:
    stopped = embedded.stop(args.data_dir)
    where = embedded.data_dir(args.data_dir)
    print(f"embedded server in {where} {'stopped' if stopped else 'was not running'}")
    return 0
