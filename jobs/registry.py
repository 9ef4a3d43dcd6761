"""The one list of maintenance jobs.

Everything else about a job comes from here: the ``[schedules]`` keys and their defaults
(``config.Schedules``), the ``pfr job run`` choices and help, ``pfr job list``, the
scheduler daemon, and the README's job table (``tests/test_jobs_registry.py`` checks that
the table, the CLI help and the configuration defaults match this list). Adding a job is
one ``Job`` here, its module with a ``run(ctx)``, and its README row.

This module imports nothing of the package at import time, so ``config`` can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydal_free_repo.jobs.runner import JobFunction


@dataclass(frozen=True)
class Job:
    name: str
    # One line for `pfr job list` and `pfr job run --help`.
    description: str
    # The default cron expression (UTC) of `[schedules] <name>` / PFR_SCHEDULES_<NAME>.
    schedule: str
    # The settings section the job reads besides [timeouts] (a field of JobsConfig), if any.
    settings: str | None = None

    @property
    def function(self) -> JobFunction:
        run: JobFunction = import_module(f"pydal_free_repo.jobs.{self.name}").run
        return run


JOBS: tuple[Job, ...] = (
    Job(
        "partitions",
        "create monthly partitions ahead; move stranded rows",
        "15 0 * * *",
        "partitions",
    ),
    Job(
        "vacuum",
        "VACUUM (ANALYZE) the project's tables, most dead tuples first",
        "30 3 * * *",
    ),
    Job(
        "retention",
        "drop expired partitions, delete expired rows in batches",
        "0 4 * * *",
        "retention",
    ),
    Job("backup", "pg_dump -Fc, verified, rotated by count and age", "0 2 * * *", "backup"),
    Job(
        "physical_backup",
        "pg_basebackup (incremental between fulls), verified; WAL archive pruned",
        "30 1 * * *",
        "physical",
    ),
    Job(
        "reaper",
        "fail claims and workflows with no recorded activity for too long",
        "*/5 * * * *",
        "reaper",
    ),
    Job(
        "rollups",
        "fold the dashboard rollups' markers in (reads are exact either way)",
        "* * * * *",
    ),
)

# Kept for callers of the earlier name.
JobSpec = Job


def names() -> list[str]:
    """Every job name, in the order `pfr job list` shows them."""
    return [job.name for job in JOBS]


def default_schedules() -> dict[str, str]:
    return {job.name: job.schedule for job in JOBS}


def jobs() -> dict[str, Job]:
    """Every job by name, in the order `pfr job list` shows them."""
    return {job.name: job for job in JOBS}


def job_functions() -> dict[str, JobFunction]:
    return {job.name: job.function for job in JOBS}
