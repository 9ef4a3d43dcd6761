"""Run one maintenance job once: lock, record, time out, log, never raise.

A run opens its own autocommit connection, sets ``lock_timeout`` and
``statement_timeout`` on it, skips on a replica, and takes the job's session-level
advisory lock (``pg_try_advisory_lock(hashtext('pfr:job:' || name))``) for the whole
run: a second daemon finds it taken, records a ``skipped`` run and goes on. The
``job_runs`` row is written in its own committed statements (``running`` first, then
``succeeded`` or ``failed`` with details and the error), so a failed job still leaves
its row; a run that fails before it starts (its session settings refused, say) gets a
``failed`` row too, written on a fresh connection. A job's exception is caught, logged
and recorded; with the database down the failure goes to the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.errors import LockNotAvailable

from pydal_free_repo import values
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.dsn import secrets_of
from pydal_free_repo.errors import ConfigurationError, QueryTimeout
from pydal_free_repo.redact import redact_text

log = logging.getLogger("pydal_free_repo.jobs")

CONNECT_TIMEOUT_SECONDS = 10
# DDL that times out waiting for a lock is tried ``[timeouts] ddl_attempts`` times in all,
# the waits between attempts doubling from LOCK_RETRY_SECONDS with jitter (two jobs, or a
# job and a migration, do not retry in step): a short query holding the table is
# outwaited, and the application is never queued behind the DDL for longer than one
# ``ddl_lock_timeout`` at a time.
LOCK_RETRY_SECONDS = 0.25


@dataclass
class JobContext:
    """What a job function gets: the database, its locked connection, settings and "now"."""

    name: str
    db: Database
    conn: psycopg.Connection
    config: JobsConfig
    now: dt.datetime
    run_id: int | None = None
    log: logging.Logger = field(default=log)


JobFunction = Callable[[JobContext], Mapping[str, Any]]
# A job returns {IDLE: True, ...} when it found nothing to do: its run is still recorded,
# but logged at DEBUG, so a job scheduled every minute is quiet at INFO when nothing changed.
IDLE = "idle"


@dataclass(frozen=True)
class JobResult:
    job_name: str
    status: str
    run_id: int | None
    duration_seconds: float
    details: dict[str, Any]
    error: str | None = None


def retry_on_lock(ctx: JobContext, what: str, action: Callable[[], Any]) -> Any:
    """Run ``action`` (one transaction on ``ctx.conn``) again when it fails waiting for
    a lock; after ``[timeouts] ddl_attempts`` the ``QueryTimeout`` goes to the caller."""
    attempts = max(1, ctx.config.timeouts.ddl_attempts)
    delay = LOCK_RETRY_SECONDS
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except QueryTimeout as exc:
            if attempt == attempts or not isinstance(exc.__cause__, LockNotAvailable):
                raise
            pause = delay * random.uniform(0.5, 1.5)
            ctx.log.warning(
                "%s: %s (attempt %d of %d, next in %.2fs)", what, exc, attempt, attempts, pause
            )
            time.sleep(pause)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def ddl_transaction(ctx: JobContext, action: Callable[[], Any]) -> Any:
    """Run ``action`` in one transaction whose lock waits last ``ddl_lock_timeout``."""
    with ctx.conn.transaction():
        ctx.conn.execute(
            "SELECT set_config('lock_timeout', %s, true)", (ctx.config.timeouts.ddl_lock_timeout,)
        )
        return action()


def run_job(
    db: Database,
    name: str,
    config: JobsConfig | None = None,
    *,
    now: dt.datetime | None = None,
    jobs: Mapping[str, JobFunction] | None = None,
) -> JobResult:
    """Run job ``name`` once and return how it went; only an unknown name raises."""
    from pydal_free_repo.jobs.registry import job_functions

    functions = job_functions() if jobs is None else jobs
    if name not in functions:
        known = ", ".join(sorted(functions))
        raise ConfigurationError(f"unknown job {name!r}; jobs are: {known}")
    config = config or JobsConfig()
    secrets = secrets_of(db.dsn)
    began = time.monotonic()

    def failed(error: str, run_id: int | None = None) -> JobResult:
        return JobResult(name, "failed", run_id, time.monotonic() - began, {}, error)

    try:
        conn = psycopg.connect(
            db.dsn,
            autocommit=True,
            application_name=f"pfr-job:{name}",
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except psycopg.Error as exc:
        unavailable = redact_text(f"database unavailable: {exc}".strip(), secrets)
        log.error("job %s failed before it started: %s", name, unavailable)
        return failed(unavailable)

    error: str | None
    with conn:
        try:
            settings = db.fetch_one(
                "jobs/session_settings",
                {
                    "lock_timeout": config.timeouts.lock_timeout,
                    "statement_timeout": config.timeouts.statement_timeout,
                },
                conn=conn,
            )
            if settings["in_recovery"]:
                log.info("job %s skipped: the server is a replica", name)
                return JobResult(name, "skipped", None, 0.0, {"reason": "replica"})
            locked = db.fetch_one("jobs/lock_try", {"job_name": name}, conn=conn)["locked"]
            if not locked:
                details: dict[str, Any] = {
                    "reason": "another session holds the job's advisory lock"
                }
                row = db.fetch_one(
                    "jobs/run_skipped",
                    {"job_name": name, "details": values.json(details)},
                    conn=conn,
                )
                log.info("job %s skipped: another run holds its lock", name)
                return JobResult(name, "skipped", row["id"], 0.0, details)
            run_id = db.fetch_one("jobs/run_start", {"job_name": name}, conn=conn)["id"]
        except Exception as exc:
            error = redact_text(f"{type(exc).__name__}: {exc}", secrets)
            log.error("job %s failed before it started: %s", name, error)
            return failed(error, _record_failed_start(db, name, error))

        log.debug("job %s started (run %s)", name, run_id)
        context = JobContext(
            name=name,
            db=db,
            conn=conn,
            config=config,
            now=now or dt.datetime.now(dt.timezone.utc),
            run_id=run_id,
        )
        status, details, error = "succeeded", {}, None
        idle = False
        try:
            details = dict(functions[name](context) or {})
            idle = bool(details.pop(IDLE, False))
            # A job reports what it could not do without raising: errors (a step failed)
            # make the run failed, warnings (something needs attention) make it warning.
            if details.get("errors"):
                status = "failed"
                error = redact_text("; ".join(map(str, details["errors"])), secrets)
                log.error("job %s failed (run %s): %s", name, run_id, error)
            elif details.get("warnings"):
                status = "warning"
                log.warning("job %s: %s", name, "; ".join(map(str, details["warnings"])))
        except Exception as exc:
            status = "failed"
            error = redact_text(f"{type(exc).__name__}: {exc}", secrets)
            trace = redact_text("".join(traceback.format_exception(exc)), secrets)
            log.error("job %s failed (run %s): %s\n%s", name, run_id, error, trace.rstrip())
        duration = time.monotonic() - began
        details["duration_seconds"] = round(duration, 3)
        _finish(db, conn, run_id, status, details, error, name)
        _release(db, conn, name)
        if status == "succeeded":
            log.log(
                logging.DEBUG if idle else logging.INFO,
                "job %s succeeded in %.1fs (run %s): %s",
                name,
                duration,
                run_id,
                details,
            )
        return JobResult(name, status, run_id, duration, details, error)


def _record_failed_start(db: Database, name: str, error: str) -> int | None:
    """A job_runs row for a run that failed before it started, on a fresh connection (the
    run's own may be what failed); None, and only the log, if even that cannot be done."""
    params = {
        "job_name": name,
        "details": values.json({"phase": "before start"}),
        "error": values.text(error),
    }
    try:
        with psycopg.connect(
            db.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        ) as fresh:
            return db.fetch_one("jobs/run_failed_to_start", params, conn=fresh)["id"]
    except Exception as exc:
        log.error("job %s: its failure before starting could not be recorded: %s", name, exc)
        return None


def _finish(
    db: Database,
    conn: psycopg.Connection,
    run_id: int,
    status: str,
    details: dict[str, Any],
    error: str | None,
    name: str,
) -> None:
    params = {
        "id": run_id,
        "status": status,
        "details": values.json(details, "details"),
        "error": values.text(error),
    }
    try:
        db.fetch_one("jobs/run_finish", params, conn=conn)
        return
    except Exception as exc:
        # The job's connection may have broken under it (server restarted): try a fresh one.
        log.warning("job %s: recording run %s on its own connection failed: %s", name, run_id, exc)
    try:
        with psycopg.connect(
            db.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        ) as fresh:
            db.fetch_one("jobs/run_finish", params, conn=fresh)
    except Exception as exc:
        log.error(
            "job %s: run %s ended %s but could not be recorded: %s", name, run_id, status, exc
        )


def _release(db: Database, conn: psycopg.Connection, name: str) -> None:
    if conn.closed or conn.broken:
        return  # a closed session holds no lock
    try:
        db.fetch_one("jobs/lock_release", {"job_name": name}, conn=conn)
    except Exception as exc:  # closing the connection below releases it anyway
        log.warning("job %s: releasing its lock failed: %s", name, exc)
