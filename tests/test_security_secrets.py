"""Secrets stay secret: a DSN's password never reaches a log line, an error, the output of
`pfr db url` (or any other command) or a job_runs row; backups and the embedded data
directory cannot be read by other users, whatever the umask.

The test server trusts local connections, so a password in the DSN is sent but not
needed: every path that handles the DSN handles a real password.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from _servers import own_server_dir

from pydal_free_repo import BufferedWriter, Database, IssueHistory, embedded
from pydal_free_repo.config import Backup, JobsConfig
from pydal_free_repo.errors import DatabaseUnavailable, PfrError
from pydal_free_repo.jobs.runner import run_job

PASSWORD = "Pw-" + secrets.token_hex(12)
JOBS = ["partitions", "vacuum", "retention", "backup", "reaper", "rollups"]


@pytest.fixture
def secret_dsn(dsn):
    """This test's database, with a password in the DSN (URI form)."""
    return f"{dsn} password={PASSWORD}"


def pfr(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pydal_free_repo.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_no_command_prints_the_password(secret_dsn, tmp_path):
    dead = f"postgresql://agent:{PASSWORD}@127.0.0.1:1/pfr?connect_timeout=1"
    env = {"PFR_BACKUP_DIR": str(tmp_path / "backups")}
    runs = [
        pfr("--dsn", secret_dsn, "db", "url"),
        pfr("--dsn", dead, "db", "url"),
        pfr("--dsn", secret_dsn, "-v", "history", "--json"),
        pfr("--dsn", secret_dsn, "-v", "show", "999999"),
        pfr("--dsn", secret_dsn, "-v", "demo", "--issues", "2"),
        pfr("--dsn", secret_dsn, "-v", "doctor"),
        pfr("--dsn", secret_dsn, "-v", "backup", env=env),
        *(pfr("--dsn", secret_dsn, "-v", "job", "run", job, env=env) for job in JOBS),
        pfr("--dsn", dead, "-v", "job", "run", "reaper"),
        pfr("--dsn", f"host=x password={PASSWORD} dbname='unterminated", "history"),
    ]
    url = runs[0].stdout.strip()
    assert "****" in url and "password" in url
    assert runs[-1].returncode == 2 and "****" in runs[-1].stderr  # malformed DSN: exit 2
    for done in runs:
        assert PASSWORD not in done.stdout + done.stderr, done.args


def test_no_log_line_error_or_job_run_holds_the_password(secret_dsn, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    leaky = tmp_path / "pg_dump"
    # A pg_dump that fails and prints its whole environment, PGPASSWORD included.
    leaky.write_text(
        "#!/bin/sh\ncase \"$1\" in --version) echo 'pg_dump (PostgreSQL) 99';;"
        " *) env >&2; exit 1;; esac\n"
    )
    leaky.chmod(0o700)
    config = JobsConfig(backup=Backup(dir=str(tmp_path / "b"), pg_dump=str(leaky)))
    with Database.connect(secret_dsn) as db:
        results = [run_job(db, job, config) for job in JOBS]
        assert results[JOBS.index("backup")].status == "failed"
        assert "****" in results[JOBS.index("backup")].error

        def broken(ctx):
            raise RuntimeError(f"could not reach {secret_dsn}")

        failed = run_job(db, "broken", config, jobs={"broken": broken})
        assert failed.status == "failed"
        messages = [r.error or "" for r in results] + [failed.error]
    with psycopg.connect(secret_dsn) as conn:
        rows = conn.execute("SELECT job_name, details::text, coalesce(error, '') FROM job_runs")
        stored = " ".join(" ".join(row) for row in rows)
    assert "backup" in stored and "broken" in stored
    assert PASSWORD not in stored
    assert all(PASSWORD not in m for m in messages)
    assert PASSWORD not in caplog.text


def test_an_unreachable_database_never_shows_the_password(caplog):
    caplog.set_level(logging.DEBUG)
    dead = f"host=127.0.0.1 port=1 user=agent password={PASSWORD} dbname=x connect_timeout=1"
    with Database.connect(dead, min_size=0, timeout=1) as db:
        with pytest.raises(DatabaseUnavailable) as raised:
            IssueHistory(db).claim({"key": "S-1"})
        writer = BufferedWriter(db, retry_initial=0.05, connect_timeout=0.5)
        writer.api_call(1, "GET", "/x")
        with pytest.raises(PfrError) as incomplete:
            writer.close(timeout=1.5)
    assert PASSWORD not in str(raised.value) and PASSWORD not in str(incomplete.value)
    assert PASSWORD not in caplog.text
    assert "****" in str(raised.value)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_backups_are_private_whatever_the_umask(db, tmp_path):
    previous = os.umask(0)
    try:
        result = run_job(db, "backup", JobsConfig(backup=Backup(dir=str(tmp_path / "new"))))
    finally:
        os.umask(previous)
    assert result.status == "succeeded", result.error
    dump = Path(result.details["file"])
    assert mode(dump.parent) == 0o700
    assert mode(dump) == 0o600
    assert mode(str(dump) + ".sha256") == 0o600

    shared = tmp_path / "shared"  # a directory the operator made world-readable
    shared.mkdir(mode=0o755)
    result = run_job(db, "backup", JobsConfig(backup=Backup(dir=str(shared))))
    assert mode(result.details["file"]) == 0o600


@pytest.mark.slow
def test_the_embedded_data_directory_and_socket_are_the_owners_only(tmp_path):
    path = own_server_dir("perm")
    shutil.rmtree(path, ignore_errors=True)
    previous = os.umask(0)
    try:
        embedded.start(path, database="postgres")
    finally:
        os.umask(previous)
    try:
        assert mode(path) == 0o700
        assert mode(Path(path) / "log") & 0o077 == 0
        if os.geteuid() != 0:
            return
        # Another local user can neither read the files nor reach the socket (the server
        # trusts local connections, so the directory's mode is what keeps them out).
        probe = (
            "import os, socket, sys\n"
            "try:\n    os.listdir(sys.argv[1]); print('listed')\n"
            "except PermissionError: print('no-list')\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "try:\n    s.connect(sys.argv[1] + '/.s.PGSQL.5432'); print('connected')\n"
            "except PermissionError: print('no-connect')\n"
        )
        done = subprocess.run(
            ["/usr/bin/python3", "-c", probe, path],
            capture_output=True,
            text=True,
            timeout=60,
            user=65534,
            group=65534,
            cwd="/",
        )
        assert done.stdout.split() == ["no-list", "no-connect"], done.stderr
    finally:
        embedded.stop(path)
        shutil.rmtree(path, ignore_errors=True)
