"""``pfr scheduler``, ``pfr job list|run``, ``pfr backup``, ``pfr restore``, ``pfr doctor``."""

from __future__ import annotations

import argparse
import logging
import sys

from pydal_free_repo import config as jobs_config
from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, emit, print_json, print_table
from pydal_free_repo.jobs import registry


def register(commands: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to ``pfr``."""
    p = commands.add_parser(
        "scheduler", help="run the maintenance daemon in the foreground (SIGTERM stops it)"
    )
    _add_config(p)
    p.set_defaults(handler=run_scheduler)

    job = commands.add_parser("job", help="maintenance jobs: list them, run one now")
    sub = job.add_subparsers(dest="job_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="each job's schedule, last run and last status")
    _add_config(listing)
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)
    once = sub.add_parser(
        "run",
        help="run one job now (same lock and recording as the daemon)",
        description="Run one job now, with the daemon's lock and recording.\n\njobs:\n"
        + "\n".join(f"  {job.name:<11} {job.description}" for job in registry.JOBS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    once.add_argument("name", choices=registry.names(), metavar="NAME", help="the job to run")
    _add_config(once)
    add_json_flag(once)
    once.set_defaults(handler=run_once)

    backup = commands.add_parser("backup", help="pg_dump -Fc now; prints the backup file")
    _add_config(backup)
    add_json_flag(backup)
    backup.set_defaults(handler=run_backup)

    restore = commands.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file", help="a .dump file made by `pfr backup`")
    restore.add_argument("--target-dsn", required=True, help="the database to restore into")
    restore.add_argument(
        "--clean", action="store_true", help="drop the archive's objects in a non-empty target"
    )
    _add_config(restore)
    add_json_flag(restore)
    restore.set_defaults(handler=run_restore)

    doctor = commands.add_parser("doctor", help="sizes, indexes, dead tuples, locks, stale work")
    _add_config(doctor)
    add_json_flag(doctor)
    doctor.set_defaults(handler=run_doctor)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="TOML settings file (default: $PFR_CONFIG, if set)"
    )


def run_scheduler(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.jobs import scheduler

    settings = jobs_config.load(args.config)
    logging.getLogger("pydal_free_repo").setLevel(logging.INFO)
    ctx.check_connection = False  # each run connects on its own and records a failure
    return scheduler.run_forever(ctx.db, settings)


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    settings = jobs_config.load(args.config)
    last = {row["job_name"]: row for row in ctx.db.fetch_all("jobs/last_runs")}
    rows = []
    for name, spec in registry.jobs().items():
        run = last.get(name, {})
        rows.append(
            {
                "name": name,
                "schedule": settings.schedule_of(name),
                "last_run": run.get("started_at"),
                "last_status": run.get("status"),
                "duration_seconds": run.get("duration_seconds"),
                "description": spec.description,
            }
        )
    emit(args, rows)
    return 0


def run_once(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.jobs.runner import run_job

    settings = jobs_config.load(args.config)  # a bad setting stops here, before connecting
    result = run_job(ctx.db, args.name, settings)
    if args.json:
        print_json(result)
    else:
        print(f"{result.job_name}: {result.status} in {result.duration_seconds:.1f}s")
        if result.error:
            print(f"error: {result.error}")
        print_details(result.details)
    return {"succeeded": 0, "skipped": 0}.get(result.status, 1)


def run_backup(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.jobs.runner import run_job

    settings = jobs_config.load(args.config)
    result = run_job(ctx.db, "backup", settings)
    if args.json:
        print_json(result)
    elif result.status == "succeeded":
        print(result.details["file"])
    elif result.error:
        print(f"pfr: error: backup {result.status}: {result.error}", file=sys.stderr)
    else:
        print(f"backup {result.status}: {result.details.get('reason', '')}", file=sys.stderr)
    return 0 if result.status == "succeeded" else 1


def run_restore(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.restore import restore

    done = restore(
        args.file, args.target_dsn, clean=args.clean, config=jobs_config.load(args.config)
    )
    if args.json:
        print_json(done)
    else:
        print(f"restored {done['file']}")
    return 0


def run_doctor(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.jobs import doctor

    settings = jobs_config.load(args.config)
    report = doctor.report(ctx.db, settings)
    if args.json:
        print_json(report)
        return 0
    for section, rows in report.items():
        print(f"== {section.replace('_', ' ')} ==")
        if isinstance(rows, dict):
            print(rows.get("note", ""))
        else:
            print_table(rows)
        print()
    return 0


def print_details(details: dict) -> None:
    """A job's details for people: lists of rows as tables, short lists on one line."""
    for key, value in details.items():
        label = key.replace("_", " ")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            print(f"\n{label} ({len(value)}):")
            print_table(value)
        elif isinstance(value, list):
            print(f"{label}: {', '.join(str(v) for v in value) if value else '(none)'}")
        elif isinstance(value, dict):
            print(f"{label}:")
            for inner, item in value.items():
                print(f"  {inner}: {item}")
        else:
            print(f"{label}: {value}")
