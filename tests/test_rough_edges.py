"""Issue 10's rough edges, each as a user meets it: connection strings, a wrong password or
a stopped server, values that used to slip through, SIGTERM with rows buffered."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from _servers import own_server_dir
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pydal_free_repo import Database, embedded, values
from pydal_free_repo.dsn import conninfo_params
from pydal_free_repo.errors import ConfigurationError, DatabaseUnavailable, InvalidValue
from pydal_free_repo.redact import redact_dsn
from pydal_free_repo.writer import api_call_row, generation_row, llm_call_row

# Fixed, not random: it appears in test ids, which every xdist worker must collect alike.
SECRET = "Pw-i10-never-printed"


def pfr(*args: str, env: dict[str, str] | None = None, cwd: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "pydal_free_repo.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


# -- a malformed connection string never shows its password ------------------------------

MALFORMED = [
    f"postgresql://u:pa {SECRET}@/db",  # an unencoded space
    f"postgresql://u:p@{SECRET}@localhost/db",  # an unencoded @
    f"postgresql://u:pa/{SECRET}@localhost/db",  # an unencoded /
    f"host=localhost password=pa {SECRET} dbname=db",  # an unquoted space
]


MALFORMED_IDS = ["uri-space", "uri-at", "uri-slash", "keyword-space"]


@pytest.mark.parametrize("dsn", MALFORMED, ids=MALFORMED_IDS)
def test_a_malformed_connection_string_is_refused_without_its_password(dsn):
    assert SECRET not in redact_dsn(dsn)
    with pytest.raises(ConfigurationError, match="malformed connection string") as refused:
        conninfo_params(dsn)
    assert SECRET not in str(refused.value)
    with pytest.raises(ConfigurationError) as refused:
        Database.connect(dsn)
    assert SECRET not in str(refused.value)


def test_a_well_formed_uri_with_encoded_characters_is_accepted():
    params = conninfo_params("postgresql://u:p%40s%2Fs%20w@localhost/db")
    assert params["password"] == "p@s/s w"
    assert conninfo_params("postgresql://postgres:@/postgres?host=/tmp")["user"] == "postgres"


@pytest.mark.parametrize("dsn", MALFORMED, ids=MALFORMED_IDS)
def test_no_command_path_prints_a_malformed_password(dsn, capsys):
    from pydal_free_repo.cli import main

    for command in (["db", "url"], ["stats"], ["migrate"], ["job", "run", "reaper"]):
        assert main(["--dsn", dsn, *command]) == 2, command
        out, err = capsys.readouterr()
        assert SECRET not in out + err, command
        assert err.startswith("pfr: error: malformed connection string")
    done = pfr("--dsn", dsn, "history")  # and as a real process, for its whole output
    assert done.returncode == 2 and SECRET not in done.stdout + done.stderr


# -- a wrong password or a stopped server: the server's reason, at once -----------------


@pytest.fixture(scope="module")
def password_server():
    """An embedded server that checks one role's password (scram), like a real deployment."""
    path = own_server_dir("auth")
    admin = embedded.start(path, database="postgres").uri
    hba = embedded.data_dir(path) / "pg_hba.conf"
    rule = "local all pfr_pw scram-sha-256\n"
    if rule not in hba.read_text():
        hba.write_text(rule + hba.read_text())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'pfr_pw'").fetchone():
            conn.execute("CREATE ROLE pfr_pw LOGIN")
        conn.execute(sql.SQL("ALTER ROLE pfr_pw PASSWORD {}").format(sql.Literal(SECRET)))
    params = conninfo_params(admin)
    yield make_conninfo(host=params["host"], port=params.get("port", "5432"), dbname="postgres")
    embedded.stop(path)


def test_a_wrong_password_fails_at_once_with_the_servers_reason(password_server):
    wrong = make_conninfo(password_server, user="pfr_pw", password="not-" + SECRET)
    done = pfr("--dsn", wrong, "history")
    assert done.returncode == 3, done.stderr
    assert 'password authentication failed for user "pfr_pw"' in done.stderr
    assert "psycopg.pool" not in done.stderr  # no pool retries and warnings first
    assert len(done.stderr.strip().splitlines()) == 1
    assert SECRET not in done.stderr

    with pytest.raises(DatabaseUnavailable, match="password authentication failed"):
        Database.connect(wrong, check=True)
    right = make_conninfo(password_server, user="pfr_pw", password=SECRET)
    with Database.connect(right, check=True) as db:
        assert db.fetch_one("jobs/server_version")["server_version_num"] > 0


def test_a_stopped_server_fails_at_once_with_the_reason():
    done = pfr("--dsn", "postgresql://u@127.0.0.1:1/db", "stats")
    assert done.returncode == 3, done.stderr
    assert "Connection refused" in done.stderr
    assert "psycopg.pool" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- values that used to slip through ----------------------------------------------------

UTC_MINUS_14 = dt.timezone(dt.timedelta(hours=-14))


@pytest.mark.parametrize(
    "bad", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")]
)
def test_non_finite_decimals_are_typed_errors_in_every_row_builder(bad):
    with pytest.raises(InvalidValue, match="finite"):
        llm_call_row(1, "other", "m", provided_cost=bad)
    with pytest.raises(InvalidValue, match="finite"):
        api_call_row(1, "GET", "/x", duration_seconds=bad)
    with pytest.raises(InvalidValue, match="finite"):
        generation_row(1, "m", temperature=bad)
    with pytest.raises(InvalidValue):
        values.json({"x": bad})


def test_a_time_that_leaves_the_calendar_in_utc_is_refused():
    edge = dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC_MINUS_14)  # year 10000 in UTC
    for build in (
        lambda: llm_call_row(1, "other", "m", created_at=edge),
        lambda: api_call_row(1, "GET", "/x", created_at=edge),
        lambda: generation_row(1, "m", created_at=edge),
    ):
        with pytest.raises(InvalidValue, match="outside the years 1-9999"):
            build()
    fine = dt.datetime(9999, 12, 31, 9, 0, tzinfo=UTC_MINUS_14)
    stored = llm_call_row(1, "other", "m", created_at=fine)["created_at"]
    assert stored.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "bad",
    [
        {"a\x00": 1, "a\ufffd": 2},  # the same key once NUL is replaced
        {1: "one", "1": "uno"},
        {None: 1},
        {True: 1},
        {(1, 2): 1},
        {1.5: 1},
    ],
)
def test_json_keys_that_would_be_changed_or_collide_are_refused(bad):
    with pytest.raises(InvalidValue, match="key"):
        values.json({"state": bad})


def test_decimals_in_json_keep_every_digit(postgresql, db):
    from pydal_free_repo import WorkflowLogger

    exact = Decimal("1234567890.123456789012345678901234567890")
    stored = postgresql.execute(
        "SELECT (%s::jsonb ->> 'x')::numeric", (values.json({"x": exact}),)
    ).fetchone()[0]
    assert stored == exact

    logger = WorkflowLogger(db)
    user = logger.get_or_create_user("decimal")
    workflow = logger.start_workflow(user.id, {"time_settings": {"budget": exact}})
    row = postgresql.execute(
        "SELECT time_settings ->> 'budget' FROM workflows WHERE id = %s", (workflow.id,)
    ).fetchone()
    assert Decimal(row[0]) == exact


# -- SIGTERM with rows in a BufferedWriter -----------------------------------------------

WORKER = textwrap.dedent(
    """
    import signal, sys, threading, time
    from pydal_free_repo import Database, IssueHistory
    from pydal_free_repo.writer import BufferedWriter

    dsn, mode, marker, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if mode == "own-handler":
        def own(signum, frame):
            open(marker, "w").write("the application's handler ran")
            sys.exit(0)
        signal.signal(signal.SIGTERM, own)
    db = Database.connect(dsn)
    run = IssueHistory(db).claim({"key": "SIGTERM-" + mode})
    # Nothing is written before SIGTERM: a batch waits for an hour or a million rows.
    writer = BufferedWriter(db, batch_size=1_000_000, flush_interval=3600)
    for i in range(rows):
        writer.api_call(run.history_id, "GET", f"/{i}")
    print(run.history_id, flush=True)
    time.sleep(300)
    """
)


@pytest.mark.parametrize(("mode", "status"), [("default", 143), ("own-handler", 0)])
def test_sigterm_writes_every_accepted_row_and_keeps_the_applications_handler(
    dsn, tmp_path, mode, status
):
    marker = tmp_path / "marker"
    rows = 3000
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, dsn, mode, str(marker), str(rows)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        history_id = int(worker.stdout.readline())
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == status, err
    assert "Traceback" not in err
    with psycopg.connect(dsn) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM bitbucket_api_history WHERE history_id = %s", (history_id,)
        ).fetchone()[0]
    assert stored == rows
    assert marker.exists() == (mode == "own-handler")


def test_a_writer_made_outside_the_main_thread_installs_no_handler(dsn):
    code = textwrap.dedent(
        """
        import signal, sys, threading
        from pydal_free_repo import Database
        from pydal_free_repo.writer import BufferedWriter
        db = Database.connect(sys.argv[1])
        made = []
        thread = threading.Thread(target=lambda: made.append(BufferedWriter(db)))
        thread.start(); thread.join()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        made[0].close()
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code, dsn], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


# -- one embedded data directory, whatever the current directory ------------------------


def test_the_default_data_directory_does_not_depend_on_the_working_directory(
    tmp_path, monkeypatch, capsys
):
    home = embedded.default_data_dir({}, is_root=False)
    assert home == Path.home() / ".local/share/pydal_free_repo/pgdata"
    assert embedded.default_data_dir({}, is_root=True) == Path(embedded.ROOT_DATA_DIR)
    xdg = embedded.default_data_dir({"XDG_DATA_HOME": "/x"}, is_root=True)
    assert xdg == Path("/x/pydal_free_repo/pgdata")

    # Two commands from two directories reach one server; neither directory gets a .pfr.
    import tempfile

    from pydal_free_repo.cli import main

    data_home = tempfile.mkdtemp(prefix="pfr-x")  # short: the socket lives in it
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PFR_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", data_home)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    try:
        monkeypatch.chdir(here)
        assert main(["db", "url"]) == 0
        first = capsys.readouterr().out
        monkeypatch.chdir(there)
        assert main(["db", "url"]) == 0
        assert capsys.readouterr().out == first
        assert f"{data_home}/pydal_free_repo/pgdata" in first
        assert not (here / ".pfr").exists() and not (there / ".pfr").exists()
        # The fresh server has no schema yet: the error says what to do.
        assert main(["stats"]) == 1
        assert "pfr migrate" in capsys.readouterr().err
    finally:
        main(["db", "stop"])
        shutil.rmtree(data_home, ignore_errors=True)


# -- settings, exit codes, output --------------------------------------------------------


def test_a_bad_setting_stops_the_daemon_at_start_up_naming_it():
    done = pfr(
        "--dsn",
        "postgresql://u@127.0.0.1:1/db",
        "scheduler",
        env={"PFR_TIMEOUTS_LOCK_TIMEOUT": "bogus"},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("pfr: error: PFR_TIMEOUTS_LOCK_TIMEOUT must be a PostgreSQL")
    from pydal_free_repo import config

    built = replace(config.JobsConfig(), timeouts=config.Timeouts(statement_timeout="x"))
    with pytest.raises(ConfigurationError, match=r"\[timeouts\] statement_timeout"):
        config._validate(built)
    assert config.load(env={"PFR_TIMEOUTS_LOCK_TIMEOUT": "1.5s"}).timeouts.lock_timeout == "1.5s"


def test_a_job_that_fails_before_it_starts_is_recorded(db, dsn):
    from pydal_free_repo.config import JobsConfig, Timeouts
    from pydal_free_repo.jobs.runner import run_job

    # Built in code, so no start-up check saw it: the server refuses the session setting.
    result = run_job(db, "reaper", JobsConfig(timeouts=Timeouts(lock_timeout="bogus")))
    assert result.status == "failed" and result.run_id is not None
    with psycopg.connect(dsn) as conn:
        status, error, finished = conn.execute(
            "SELECT status, error, finished_at FROM job_runs WHERE id = %s", (result.run_id,)
        ).fetchone()
    assert status == "failed" and "lock_timeout" in error and finished is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "--limit", "-1"], "argument --limit: must be 1 or more, not -1"),
        (["demo", "--days", "3650000"], "argument --days: must be from 0 to 3650, not 3650000"),
        (["workflows", "--limit", "ten"], "argument --limit: must be a whole number, not 'ten'"),
    ],
)
def test_bad_argument_values_exit_2_with_one_line_as_the_readme_says(args, message):
    done = pfr(*args)  # refused before anything connects (no DSN needed)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text().split())
    assert "exits 1 (operation failed), 2 (bad usage" in readme and "`--limit -1`" in readme


def test_json_piped_into_head_ends_quietly(db, dsn):
    from pydal_free_repo import IssueHistory

    issues = IssueHistory(db)
    for number in range(300):
        issues.claim({"key": f"PIPE-{number}", "fields": {"summary": "x" * 200}})
    pipeline = subprocess.run(
        f"{sys.executable} -m pydal_free_repo.cli --dsn '{dsn}' history --limit 300 --json"
        " | head -n 2",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pipeline.stdout.startswith("[")
    assert pipeline.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"


def test_rollups_are_quiet_at_info_when_nothing_changed(db, caplog):
    import logging

    from pydal_free_repo import IssueHistory
    from pydal_free_repo.jobs.runner import run_job

    IssueHistory(db).claim({"key": "ROLL-1"})
    with caplog.at_level(logging.INFO, logger="pydal_free_repo"):
        assert run_job(db, "rollups").status == "succeeded"
    assert any("rollups: recomputed" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pydal_free_repo"):
        again = run_job(db, "rollups")
    assert again.status == "succeeded" and "idle" not in again.details
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []


def test_pfr_job_run_vacuum_prints_a_readable_summary(dsn):
    done = pfr("--dsn", dsn, "job", "run", "vacuum")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("vacuum: succeeded in ")
    header = next(i for i, line in enumerate(lines) if line.startswith("vacuumed ("))
    assert lines[header + 1].split()[:2] == ["table", "dead_tuples_before"]
    assert any(line.startswith("llm_call_history") for line in lines)
    assert max(len(line) for line in lines) < 160  # no one-line dict of every table


def test_make_run_installs_the_package_without_the_test_and_bench_extras():
    root = Path(__file__).resolve().parent.parent
    dry = subprocess.run(
        ["make", "-n", "run", "VENV=/nonexistent/venv"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installs = [line for line in dry.splitlines() if " install " in line and "-e" in line]
    assert installs, dry
    assert not any("test" in line or "bench" in line for line in installs), installs
    assert "PFR_DATA_DIR" not in dry
