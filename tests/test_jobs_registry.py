"""One list of jobs: the README's job table, `pfr job run` choices and help, the
`[schedules]` defaults and the scheduler all follow jobs/registry.py."""

import re
from dataclasses import fields
from pathlib import Path

import pytest

from pydal_free_repo import config
from pydal_free_repo.cli import build_parser
from pydal_free_repo.jobs import registry
from pydal_free_repo.jobs.scheduler import build

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| `(?P<name>[a-z_]+)` \| `(?P<schedule>[^`]+)`")


def readme_job_table() -> list[tuple[str, str]]:
    lines = README.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| job | default schedule"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        match = ROW.match(line)
        assert match, f"README job table row not in the `name` | `cron` form: {line[:80]}"
        rows.append((match["name"], match["schedule"]))
    return rows


def test_the_readme_job_table_is_the_registry_in_order():
    assert readme_job_table() == [(job.name, job.schedule) for job in registry.JOBS]


def test_schedule_defaults_and_variables_come_from_the_registry():
    settings = config.load(env={})
    assert [f.name for f in fields(settings.schedules)] == registry.names()
    for job in registry.JOBS:
        assert settings.schedule_of(job.name) == job.schedule
    documented = {variable: default for variable, _key, default in config.variables()}
    for job in registry.JOBS:
        assert documented[f"PFR_SCHEDULES_{job.name.upper()}"] == job.schedule


def test_every_settings_section_named_by_a_job_exists_and_is_documented():
    sections = {f.name for f in fields(config.JobsConfig)}
    readme = README.read_text()
    for job in registry.JOBS:
        if job.settings is not None:
            assert job.settings in sections, job
            assert f"`[{job.settings}] " in readme, job


def test_cli_choices_and_help_list_every_job(capsys):
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["job", "run", "--help"])
    help_text = capsys.readouterr().out
    for job in registry.JOBS:
        assert re.search(rf"^\s+{job.name}\s+{re.escape(job.description)}$", help_text, re.M)
    assert parser.parse_args(["job", "run", "rollups"]).name == "rollups"
    with pytest.raises(SystemExit) as refused:
        parser.parse_args(["job", "run", "no_such_job"])
    assert refused.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_job_has_a_module_with_run_and_is_scheduled_by_default():
    functions = registry.job_functions()
    assert list(functions) == registry.names()
    assert all(callable(function) for function in functions.values())
    scheduler = build(None, config.load(env={}))  # type: ignore[arg-type]
    assert sorted(job.id for job in scheduler.get_jobs()) == sorted(registry.names())
