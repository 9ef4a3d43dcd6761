"""The maintenance jobs by name, each one module of this package with a ``run(ctx)``."""

from __future__ import annotations

from dataclasses import dataclass

from pydal_free_repo.jobs.runner import JobFunction


@dataclass(frozen=True)
class JobSpec:
    name: str
    description: str
    function: JobFunction


def jobs() -> dict[str, JobSpec]:
    """Every job, in the order `pfr job list` shows them."""
    from pydal_free_repo.jobs import (
        backup,
        partitions,
        physical_backup,
        reaper,
        retention,
        rollups,
        vacuum,
    )

    specs = [
        JobSpec(
            "partitions", "create monthly partitions ahead; move stranded rows", partitions.run
        ),
        JobSpec(
            "vacuum", "VACUUM (ANALYZE) the project's tables, most dead tuples first", vacuum.run
        ),
        JobSpec(
            "retention", "drop expired partitions, delete expired rows in batches", retention.run
        ),
        JobSpec("backup", "pg_dump -Fc, verified, rotated by count and age", backup.run),
        JobSpec(
            "physical_backup",
            "pg_basebackup (incremental between fulls), verified; WAL archive pruned",
            physical_backup.run,
        ),
        JobSpec("reaper", "fail stale processing claims and running workflows", reaper.run),
        JobSpec(
            "rollups",
            "fold the dashboard rollups' markers in (reads are exact either way)",
            rollups.run,
        ),
    ]
    return {spec.name: spec for spec in specs}


def job_functions() -> dict[str, JobFunction]:
    return {name: spec.function for name, spec in jobs().items()}
