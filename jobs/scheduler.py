"""``pfr scheduler``: the APScheduler 3.x daemon that runs every job on its cron schedule.

Job defaults are set on purpose: ``coalesce`` (runs missed during downtime become one),
``misfire_grace_time`` (default 3600 s; APScheduler's 1 s default silently skips a run
that starts a little late) and ``max_instances=1`` (a job never overlaps itself in one
daemon; the advisory lock covers other daemons). Every run goes through
``runner.run_job``, which records and logs it and never raises, so one job's failure
never stops the daemon. SIGTERM and SIGINT shut the scheduler down after the running
jobs finish.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Mapping

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.jobs.runner import JobFunction, run_job

log = logging.getLogger("pydal_free_repo.jobs.scheduler")


def trigger_for(expression: str, *, where: str = "schedule") -> CronTrigger:
    """A UTC cron trigger: five fields (minute hour day month weekday), or six with seconds."""
    parts = expression.split()
    try:
        if len(parts) == 5:
            return CronTrigger.from_crontab(expression, timezone="UTC")
        if len(parts) == 6:
            second, minute, hour, day, month, day_of_week = parts
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=day_of_week,
                timezone="UTC",
            )
    except ValueError as exc:
        raise ConfigurationError(
            f"{where}: invalid cron expression {expression!r}: {exc}"
        ) from None
    raise ConfigurationError(
        f"{where}: a cron expression has 5 fields (or 6 with seconds first), got {expression!r}"
    )


def build(
    db: Database,
    config: JobsConfig,
    *,
    scheduler_class: type[BaseScheduler] = BlockingScheduler,
    jobs: Mapping[str, JobFunction] | None = None,
    schedules: Mapping[str, str] | None = None,
) -> BaseScheduler:
    """A scheduler with every job whose schedule is not ``off`` (``jobs``/``schedules``
    replace the registry's and the configuration's, for tests)."""
    from pydal_free_repo.jobs.registry import job_functions

    functions = dict(job_functions() if jobs is None else jobs)
    defaults = {
        "coalesce": config.scheduler.coalesce,
        "misfire_grace_time": config.scheduler.misfire_grace_time,
        "max_instances": 1,
    }
    scheduler = scheduler_class(timezone="UTC", job_defaults=defaults)
    for name in functions:
        expression = (schedules or {}).get(name) or config.schedule_of(name)
        if not expression or expression.strip().lower() == "off":
            log.info("job %s has no schedule; it runs only with `pfr job run %s`", name, name)
            continue
        scheduler.add_job(
            run_job,
            trigger_for(expression, where=f"schedule of {name}"),
            args=[db, name, config],
            kwargs={"jobs": functions},
            id=name,
            name=name,
            replace_existing=True,
            **defaults,
        )
    return scheduler


def run_forever(db: Database, config: JobsConfig) -> int:
    """Run the daemon in the foreground until SIGTERM or SIGINT; return the exit status."""
    scheduler = build(db, config)

    def stop(signum: int, _frame: object) -> None:
        if not scheduler.running:
            return  # a second signal while stopping: the first one is being handled
        log.warning("received %s: stopping after running jobs finish", signal.Signals(signum).name)
        scheduler.shutdown(wait=True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for job in scheduler.get_jobs():
            log.info("scheduled %s: %s", job.name, job.trigger)
        log.info("scheduler started (UTC; database %s)", db.safe_dsn)
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")
    return 0
