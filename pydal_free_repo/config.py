"""Settings of the maintenance jobs: defaults, an optional TOML file, environment variables.

Later sources win: the defaults below, then the TOML file (``--config FILE`` or
``PFR_CONFIG``), then one environment variable per setting, named
``PFR_<SECTION>_<KEY>`` in upper case (``[backup] keep_count`` is ``PFR_BACKUP_KEEP_COUNT``).
Every default here is listed in the README ("Maintenance daemon").

Schedules are cron expressions in UTC: five fields (minute hour day month weekday), or six
with seconds first. A retention period of 0 days keeps the rows forever.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields, make_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.jobs import registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_ENV = "PFR_CONFIG"

# One field per job of the registry, defaulting to the job's schedule: adding a job to
# jobs/registry.py adds its `[schedules]` key and PFR_SCHEDULES_<NAME> variable.
DEFAULT_SCHEDULES: dict[str, str] = registry.default_schedules()

if TYPE_CHECKING:

    @dataclass(frozen=True)
    class Schedules:  # for the type checker: one str field per job of the registry
        def __getattr__(self, job: str) -> str: ...

else:
    Schedules = make_dataclass(
        "Schedules",
        [(name, str, field(default=cron)) for name, cron in DEFAULT_SCHEDULES.items()],
        frozen=True,
        namespace={"__module__": __name__},
    )


@dataclass(frozen=True)
class Scheduler:
    # A run that could not start on time (daemon busy or asleep) still runs if it is at most
    # this late; APScheduler's own default of 1 second silently skips such runs.
    misfire_grace_time: int = 3600
    # After downtime, many missed runs of one job become a single run.
    coalesce: bool = True


@dataclass(frozen=True)
class Partitions:
    months_ahead: int = 3
    # Per table, -1 = months_ahead.
    llm_calls_months_ahead: int = -1
    api_calls_months_ahead: int = -1
    generations_months_ahead: int = -1
    file_modifications_months_ahead: int = -1

    def months_ahead_of(self, table: str) -> int:
        own = getattr(self, f"{PARTITIONED_SETTING[table]}_months_ahead", -1)
        return self.months_ahead if own < 0 else own


# Partitioned table -> the stem of its settings ([retention] <stem>_days, [partitions]
# <stem>_months_ahead).
PARTITIONED_SETTING = {
    "bitbucket_api_history": "api_calls",
    "llm_call_history": "llm_calls",
    "generations": "generations",
    "file_modification_history": "file_modifications",
}


@dataclass(frozen=True)
class Retention:
    api_calls_days: int = 90
    llm_calls_days: int = 365
    generations_days: int = 365
    file_modifications_days: int = 365
    file_contents_days: int = 90
    issue_runs_days: int = 0
    workflows_days: int = 0
    job_runs_days: int = 90
    batch_size: int = 5000


@dataclass(frozen=True)
class Backup:
    dir: str = ".pfr/backups"
    keep_count: int = 7
    keep_days: int = 7
    pg_dump: str = ""
    pg_restore: str = ""
    timeout_seconds: int = 3600


@dataclass(frozen=True)
class Physical:
    # Empty: beside the embedded server's data directory (<data dir>-base, <data dir>-wal)
    # when the server is the embedded one; a server the package does not own needs `dir`.
    dir: str = ""
    archive_dir: str = ""
    keep_full: int = 2
    full_every_days: int = 7
    timeout_seconds: int = 3600
    # pg_basebackup --no-sync when false: faster, but a crash soon after may lose the backup.
    fsync: bool = True


@dataclass(frozen=True)
class Reaper:
    stale_after_seconds: int = 7200


@dataclass(frozen=True)
class Timeouts:
    lock_timeout: str = "5s"
    statement_timeout: str = "30min"
    # Partition DDL (ATTACH, DROP) waits at most this long per attempt: writers queue behind
    # a waiting ACCESS EXCLUSIVE request, so this is the longest they can be held up.
    ddl_lock_timeout: str = "100ms"
    ddl_attempts: int = 5


@dataclass(frozen=True)
class JobsConfig:
    schedules: Schedules = field(default_factory=Schedules)
    scheduler: Scheduler = field(default_factory=Scheduler)
    partitions: Partitions = field(default_factory=Partitions)
    retention: Retention = field(default_factory=Retention)
    backup: Backup = field(default_factory=Backup)
    physical: Physical = field(default_factory=Physical)
    reaper: Reaper = field(default_factory=Reaper)
    timeouts: Timeouts = field(default_factory=Timeouts)

    def schedule_of(self, job: str) -> str | None:
        return getattr(self.schedules, job, None)


def load(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> JobsConfig:
    """Defaults, then the TOML file (``path`` or ``$PFR_CONFIG``), then ``PFR_*`` variables."""
    env = dict(os.environ if env is None else env)
    file = path or env.get(CONFIG_ENV)
    data = _read_toml(Path(file)) if file else {}
    unknown = set(data) - {f.name for f in fields(JobsConfig)}
    if unknown:
        raise ConfigurationError(f"unknown section(s) in {file}: {', '.join(sorted(unknown))}")
    config = JobsConfig()
    for section in fields(JobsConfig):
        current = getattr(config, section.name)
        given = data.get(section.name, {})
        if not isinstance(given, dict):
            raise ConfigurationError(f"[{section.name}] in {file} must be a table")
        known = {f.name for f in fields(current)}
        if set(given) - known:
            bad = ", ".join(sorted(set(given) - known))
            raise ConfigurationError(f"unknown setting(s) in [{section.name}] of {file}: {bad}")
        changes: dict[str, Any] = {}
        for setting in fields(current):
            default = getattr(current, setting.name)
            where = f"[{section.name}] {setting.name}"
            shape = _SHAPES.get((section.name, setting.name))
            if setting.name in given:
                changes[setting.name] = _coerce(given[setting.name], default, where)
                if shape:
                    shape(changes[setting.name], f"{where} in {file}")
            variable = f"PFR_{section.name}_{setting.name}".upper()
            if env.get(variable, "") != "":
                changes[setting.name] = _coerce(env[variable], default, variable)
                if shape:
                    shape(changes[setting.name], variable)
        config = replace(config, **{section.name: replace(current, **changes)})
    _validate(config)
    return config


def variables() -> list[tuple[str, str, Any]]:
    """Every setting as (environment variable, TOML key, default), for documentation."""
    config = JobsConfig()
    out = []
    for section in fields(JobsConfig):
        for setting in fields(getattr(config, section.name)):
            out.append(
                (
                    f"PFR_{section.name}_{setting.name}".upper(),
                    f"[{section.name}] {setting.name}",
                    getattr(getattr(config, section.name), setting.name),
                )
            )
    return out


# PostgreSQL's syntax for a time setting: a number and an optional unit (ms without one).
_DURATION = re.compile(r"^\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*$")


def _duration(value: str, where: str) -> None:
    if not _DURATION.match(value):
        raise ConfigurationError(
            f"{where} must be a PostgreSQL duration such as 5s, 500ms, 30min or 1h, got {value!r}"
        )


# Settings whose text has a shape, checked when read so a bad value stops the command
# at start-up (exit 2) naming where it came from, instead of failing every job later.
_SHAPES = {
    ("timeouts", "lock_timeout"): _duration,
    ("timeouts", "statement_timeout"): _duration,
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"configuration file {path} is not valid TOML: {exc}") from None


def _coerce(value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigurationError(f"{where} must be true or false, got {value!r}")
    if isinstance(default, int):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigurationError(f"{where} must be a whole number, got {value!r}") from None
        if number < 0 or isinstance(value, bool):
            raise ConfigurationError(f"{where} must be 0 or more, got {value!r}")
        return number
    if not isinstance(value, str):
        raise ConfigurationError(f"{where} must be a string, got {value!r}")
    return value


def _validate(config: JobsConfig) -> None:
    from pydal_free_repo.jobs.scheduler import trigger_for  # cron parsing lives with the daemon

    for setting in fields(config.schedules):
        expression = getattr(config.schedules, setting.name)
        if expression.strip().lower() in {"", "off"}:
            continue
        trigger_for(expression, where=f"schedule of {setting.name}")
    for (section, name), shape in _SHAPES.items():
        shape(getattr(getattr(config, section), name), f"[{section}] {name}")
    if config.retention.batch_size < 1:
        raise ConfigurationError("[retention] batch_size must be at least 1")
    if config.backup.keep_count < 1:
        raise ConfigurationError("[backup] keep_count must be at least 1")
    if config.physical.keep_full < 1:
        raise ConfigurationError("[physical] keep_full must be at least 1")
