"""backup job and restore: a valid 0600 dump with its checksum, rotation by count and age,
a version check on pg_dump, and a restore with the same rows into an empty database."""

import datetime as dt
import os
import stat
import subprocess

import psycopg
import pytest
from _servers import worker_suffix
from conftest import dsn_for
from psycopg import sql

from pydal_free_repo import embedded
from pydal_free_repo.backup_files import sha256_of
from pydal_free_repo.cli import main
from pydal_free_repo.config import Backup, JobsConfig
from pydal_free_repo.dsn import client_connection
from pydal_free_repo.errors import ConfigurationError, InvalidTransition, InvalidValue
from pydal_free_repo.jobs import backup
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.pgtools import choose_tool
from pydal_free_repo.restore import restore

TABLES = """
    SELECT c.relname
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
    ORDER BY 1
"""


def config_for(tmp_path, **backup_settings):
    return JobsConfig(backup=Backup(dir=str(tmp_path / "backups"), **backup_settings))


def row_counts(dsn):
    with psycopg.connect(dsn) as conn:
        tables = [row[0] for row in conn.execute(TABLES)]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


@pytest.fixture
def some_history(dsn):
    with psycopg.connect(dsn) as conn:
        history_id = conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) VALUES ('B-1', 'completed')"
            " RETURNING id"
        ).fetchone()[0]
        for model in ("gpt-4o", "gpt-3.5-turbo", "no-such-model"):
            conn.execute(
                "INSERT INTO llm_call_history"
                " (history_id, call_type, model, prompt_tokens, completion_tokens)"
                " VALUES (%s, 'other', %s, 1000, 100)",
                (history_id, model),
            )
        conn.execute(
            "INSERT INTO bitbucket_api_history (history_id, api_method, endpoint, created_at)"
            " VALUES (%s, 'GET', '/old', '2001-01-01+00')",  # lands in the default partition
            (history_id,),
        )


@pytest.fixture
def new_database(postgresql_proc):
    name = "pfr_restore_target" + worker_suffix().replace("-", "_")
    admin = dsn_for(postgresql_proc.maintenance_dbname)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield dsn_for(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)


def test_backup_is_valid_private_and_checksummed(db, tmp_path, some_history):
    result = run_job(db, "backup", config_for(tmp_path))

    assert result.status == "succeeded", result.error
    dump = result.details["file"]
    assert os.path.basename(dump).startswith("pfr-") and dump.endswith(".dump")
    assert stat.S_IMODE(os.stat(dump).st_mode) == 0o600
    listing = subprocess.run(
        [str(embedded.bin_dir() / "pg_restore"), "--list", dump],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE DATA public llm_call_history" in listing
    with open(dump + ".sha256") as handle:
        checksum = handle.read().split()
    assert checksum == [sha256_of(dump), os.path.basename(dump)]
    assert result.details["pg_dump_major"] >= result.details["server_major"]
    assert not [p for p in os.listdir(tmp_path / "backups") if p.endswith(".partial")]


def test_rotation_keeps_the_configured_count_and_drops_old_dumps(db, tmp_path):
    config = config_for(tmp_path, keep_count=2, keep_days=7)
    made = []
    for _ in range(3):
        result = run_job(db, "backup", config)
        assert result.status == "succeeded", result.error
        made.append(result.details["file"])
    dumps = sorted(p for p in os.listdir(tmp_path / "backups") if p.endswith(".dump"))
    assert dumps == sorted(os.path.basename(p) for p in made[1:])
    assert not os.path.exists(made[0] + ".sha256")

    # A dump older than keep_days goes even within the count; the new one always stays.
    ten_days_ago = (dt.datetime.now() - dt.timedelta(days=10)).timestamp()
    os.utime(made[2], (ten_days_ago, ten_days_ago))
    result = run_job(db, "backup", config)
    assert result.status == "succeeded", result.error
    assert result.details["removed"] == [made[1], made[2]] or set(result.details["removed"]) == {
        made[1],
        made[2],
    }
    left = sorted(p for p in os.listdir(tmp_path / "backups") if p.endswith(".dump"))
    assert left == [os.path.basename(result.details["file"])]


def test_a_pg_dump_older_than_the_server_is_refused_clearly():
    with pytest.raises(ConfigurationError, match="no pg_dump of major version 99 or later"):
        choose_tool("pg_dump", 99)
    with pytest.raises(ConfigurationError, match="not runnable"):
        choose_tool("pg_dump", 14, "/nonexistent/pg_dump")


def test_restore_into_a_new_database_has_the_same_rows_and_costs(
    db, dsn, tmp_path, some_history, new_database
):
    dump = run_job(db, "backup", config_for(tmp_path)).details["file"]

    done = restore(dump, new_database)

    assert done["checksum_verified"]
    assert row_counts(new_database) == row_counts(dsn)
    costs = "SELECT id, computed_cost, pricing_id, estimated_cost FROM llm_call_history ORDER BY id"
    with psycopg.connect(dsn) as source, psycopg.connect(new_database) as target:
        assert target.execute(costs).fetchall() == source.execute(costs).fetchall()
        # The identity sequences carry on after the restored ids.
        next_id = target.execute(
            "INSERT INTO issue_processing_history (issue_key, status) VALUES ('B-2', 'queued')"
            " RETURNING id"
        ).fetchone()[0]
        assert (
            next_id > source.execute("SELECT max(id) FROM issue_processing_history").fetchone()[0]
        )


def test_restore_refuses_a_non_empty_target_unless_clean(db, dsn, tmp_path, some_history):
    dump = run_job(db, "backup", config_for(tmp_path)).details["file"]
    with pytest.raises(InvalidTransition, match="not empty"):
        restore(dump, dsn)
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM llm_call_history")
    restore(dump, dsn, clean=True)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM llm_call_history").fetchone()[0] == 3


def test_restore_refuses_a_dump_that_does_not_match_its_checksum(db, tmp_path, new_database):
    dump = run_job(db, "backup", config_for(tmp_path)).details["file"]
    with open(dump, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(InvalidValue, match="checksum"):
        restore(dump, new_database)


def test_cli_backup_prints_the_file_and_restore_restores_it(
    dsn, tmp_path, some_history, new_database, capsys, monkeypatch
):
    monkeypatch.setenv("PFR_BACKUP_DIR", str(tmp_path / "cli-backups"))
    assert main(["--dsn", dsn, "backup"]) == 0
    dump = capsys.readouterr().out.strip()
    assert os.path.isfile(dump) and dump.startswith(str(tmp_path / "cli-backups"))
    assert main(["--dsn", dsn, "restore", dump, "--target-dsn", new_database]) == 0
    assert row_counts(new_database) == row_counts(dsn)
    assert main(["--dsn", dsn, "restore", dump, "--target-dsn", new_database]) == 1
    assert "not empty" in capsys.readouterr().err


def test_the_password_goes_to_pg_dump_in_the_environment_not_the_command_line():
    conninfo, env = client_connection("postgresql://app:s3cret@db.example:5433/pfr")
    assert "s3cret" not in conninfo
    assert "host=db.example" in conninfo and "dbname=pfr" in conninfo
    assert env["PGPASSWORD"] == "s3cret"


def test_a_partial_file_left_by_a_killed_run_is_removed(db, tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir()
    dbname = db.fetch_one("jobs/server_version")["database_name"]
    leftover = directory / f".{backup.dump_name(dbname, '20000101T000000000000Z')}.partial"
    leftover.write_bytes(b"half a dump")
    result = run_job(db, "backup", config_for(tmp_path))
    assert result.status == "succeeded", result.error
    assert result.details["removed_partial"] == [str(leftover)]
    assert not leftover.exists() and os.path.exists(result.details["file"])
