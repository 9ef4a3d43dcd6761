"""``pfr scheduler``, ``pfr job list|run``, ``pfr backup``, ``pfr restore``, ``pfr doctor``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pydal_free_repo import config as jobs_config
from pydal_free_repo.cli.context import Context
from pydal_free_repo.cli.output import add_json_flag, emit, print_json, print_table
from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.jobs import registry
from pydal_free_repo.redact import redact_dsn


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

    backup = commands.add_parser(
        "backup",
        help="pg_dump -Fc now (prints the file); --physical: a base backup; list: what is kept",
    )
    backup.add_argument(
        "action",
        nargs="?",
        choices=["list"],
        help="list: the base backups and the window of time they and the WAL can recover",
    )
    backup.add_argument(
        "--physical",
        action="store_true",
        help="a physical base backup (pg_basebackup, incremental between fulls) now",
    )
    _add_config(backup)
    add_json_flag(backup)
    backup.set_defaults(handler=run_backup)

    restore = commands.add_parser(
        "restore",
        help="restore a logical backup into an empty database, or a physical one to a moment",
        description="pfr restore FILE (--target-db NAME | --target-dsn DSN) [--clean]: a "
        "`pfr backup` dump into a database. pfr restore --to-time TIME --data-dir DIR: a new "
        "server recovered to TIME from the physical backups and WAL archive; prints its DSN.",
    )
    restore.add_argument("file", nargs="?", help="a .dump file made by `pfr backup`")
    target = restore.add_mutually_exclusive_group()
    target.add_argument("--target-dsn", help="the database to restore into")
    target.add_argument(
        "--target-db",
        metavar="NAME",
        help="a database on the same server as --dsn (the embedded one by default); "
        "created when missing",
    )
    restore.add_argument(
        "--clean", action="store_true", help="drop the archive's objects in a non-empty target"
    )
    restore.add_argument(
        "--no-checksum",
        action="store_true",
        help="restore a dump that has no (or an unreadable) .sha256 file beside it",
    )
    restore.add_argument(
        "--to-time",
        metavar="TIME",
        help="point-in-time recovery: e.g. '2026-12-01 10:15:00+00' (see `pfr backup list`)",
    )
    restore.add_argument(
        "--data-dir", metavar="DIR", help="with --to-time: the new data directory to create"
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
    # 4: the job did its work but left something to look at (details.warnings).
    return {"succeeded": 0, "skipped": 0, "warning": 4}.get(result.status, 1)


def run_backup(args: argparse.Namespace, ctx: Context) -> int:
    from pydal_free_repo.jobs.runner import run_job

    settings = jobs_config.load(args.config)
    if args.action == "list":
        return _list_physical(args, ctx, settings)
    job = "physical_backup" if args.physical else "backup"
    result = run_job(ctx.db, job, settings)
    if args.json:
        print_json(result)
    elif result.status == "succeeded" and "note" in result.details:
        print(f"pfr: {result.details['note']}", file=sys.stderr)
        return 1
    elif result.status == "succeeded":
        print(result.details["backup" if args.physical else "file"])
    elif result.error:
        print(f"pfr: error: {job} {result.status}: {result.error}", file=sys.stderr)
    else:
        print(f"{job} {result.status}: {result.details.get('reason', '')}", file=sys.stderr)
    return 0 if result.status == "succeeded" else 1


def _physical_source(ctx: Context, settings: jobs_config.JobsConfig):
    """Where the base backups and archive are, and the running source server's DSN (or
    None). Without --dsn or DATABASE_URL the embedded server is looked at, never started."""
    from pydal_free_repo import embedded, physical
    from pydal_free_repo.dsn import ENV_VAR

    given = ctx.given_dsn or os.environ.get(ENV_VAR)
    data_directory = None
    source = None
    if given:
        source = ctx.dsn
        data_directory = ctx.db.fetch_one("physical/data_directory")["data_directory"]
    else:
        source = embedded.running_uri()
    where = physical.locations(settings.physical.dir, settings.physical.archive_dir, data_directory)
    if where is None:
        raise ConfigurationError(
            "no physical backups here: set [physical] dir (PFR_PHYSICAL_DIR), or use the "
            "embedded server, whose WAL archive sits beside its data"
        )
    return where, source


def _list_physical(args: argparse.Namespace, ctx: Context, settings) -> int:
    from pydal_free_repo import physical, pitr

    where, _ = _physical_source(ctx, settings)
    backups = [b.as_dict() for b in physical.list_backups(where.backups)]
    covered = (
        pitr.window(where.backups, where.archive) if where.archive else pitr.Window(None, None)
    )
    if args.json:
        print_json(
            {
                "backups": backups,
                "window": {"start": covered.start, "end": covered.end},
                "directory": str(where.backups),
                "archive": str(where.archive) if where.archive else None,
            }
        )
        return 0
    print_table(backups)
    print(f"recoverable: {covered.describe()}")
    return 0


def _restore_to_time(args: argparse.Namespace, ctx: Context, settings) -> int:
    from pydal_free_repo import pitr

    if not args.data_dir:
        raise ConfigurationError("--to-time needs --data-dir DIR (a new data directory)")
    if args.file or args.target_db or args.target_dsn:
        raise ConfigurationError("--to-time restores physical backups: give no FILE or target")
    moment = pitr.parse_time(args.to_time)
    where, source = _physical_source(ctx, settings)
    if where.archive is None:
        raise ConfigurationError("--to-time needs the WAL archive: set [physical] archive_dir")
    from pydal_free_repo import embedded
    from pydal_free_repo.dsn import conninfo_params

    # The printed DSN names the database the command was pointed at (default: pfr).
    database = conninfo_params(source).get("dbname") if source else None
    done = pitr.restore_to_time(
        moment,
        Path(args.data_dir),
        backups=where.backups,
        archive=where.archive,
        source_uri=source,
        database=database or embedded.DATABASE_NAME,
    )
    if args.json:
        print_json(done)
    else:
        print(done["dsn"])
    return 0


def run_restore(args: argparse.Namespace, ctx: Context) -> int:
    settings = jobs_config.load(args.config)
    if args.to_time is not None:
        return _restore_to_time(args, ctx, settings)
    from pydal_free_repo.restore import restore, target_database

    if not args.file:
        raise ConfigurationError("give the dump FILE to restore, or --to-time TIME --data-dir DIR")
    if args.target_db:
        target = target_database(ctx.dsn, args.target_db)
    elif args.target_dsn:
        target = args.target_dsn
    else:
        raise ConfigurationError("say where to restore: --target-db NAME or --target-dsn DSN")
    done = restore(
        args.file, target, clean=args.clean, verify=not args.no_checksum, config=settings
    )
    done["target"] = redact_dsn(target)
    if args.json:
        print_json(done)
    else:
        print(f"restored {done['file']} into {done['target']}")
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
