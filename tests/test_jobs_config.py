"""Job settings: documented defaults, a TOML file, environment variables over both, and
clear errors for bad values."""

from pathlib import Path

import pytest

from pydal_free_repo import config
from pydal_free_repo.errors import ConfigurationError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults():
    settings = config.load(env={})
    assert settings.schedules.reaper == "*/5 * * * *"
    assert settings.retention.api_calls_days == 90
    assert settings.retention.llm_calls_days == 365
    assert settings.retention.file_contents_days == 90
    assert settings.backup.keep_days == 7
    assert settings.reaper.stale_after_seconds == 7200
    assert settings.partitions.months_ahead == 3
    assert settings.scheduler.misfire_grace_time == 3600 and settings.scheduler.coalesce


def test_every_setting_and_its_default_is_in_the_readme():
    readme = README.read_text()
    for variable, key, default in config.variables():
        assert variable in readme, f"{variable} ({key}) is not documented"
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        row = next(line for line in readme.splitlines() if f"`{variable}`" in line)
        assert f"`{shown}`" in row or (default == "" and "unset" in row), (variable, row)


def test_toml_file_then_environment(tmp_path):
    file = tmp_path / "pfr.toml"
    file.write_text(
        '[schedules]\nbackup = "0 3 * * *"\nvacuum = "off"\n'
        "[retention]\napi_calls_days = 30\n[backup]\nkeep_count = 3\n"
    )
    settings = config.load(env={"PFR_CONFIG": str(file), "PFR_BACKUP_KEEP_COUNT": "5"})
    assert settings.schedules.backup == "0 3 * * *"
    assert settings.schedules.vacuum == "off"
    assert settings.retention.api_calls_days == 30
    assert settings.backup.keep_count == 5  # the environment wins over the file
    assert config.load(file, env={}).backup.keep_count == 3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PFR_SCHEDULES_REAPER": "every five minutes"}, "cron expression"),
        ({"PFR_SCHEDULES_REAPER": "99 * * * *"}, "invalid cron expression"),
        ({"PFR_RETENTION_API_CALLS_DAYS": "-1"}, "0 or more"),
        ({"PFR_BACKUP_KEEP_COUNT": "many"}, "whole number"),
        ({"PFR_BACKUP_KEEP_COUNT": "0"}, "at least 1"),
        ({"PFR_CONFIG": "/nonexistent/pfr.toml"}, "not found"),
    ],
)
def test_bad_values_are_refused_clearly(env, message):
    with pytest.raises(ConfigurationError, match=message):
        config.load(env=env)


def test_unknown_keys_in_the_file_are_refused(tmp_path):
    file = tmp_path / "pfr.toml"
    file.write_text("[retention]\napi_call_days = 30\n")
    with pytest.raises(ConfigurationError, match="api_call_days"):
        config.load(file, env={})
