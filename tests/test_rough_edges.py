"""Issue 10's rough edges, each as a user meets it: connection strings, a wrong password or
a stopped server, values that used to slip through, SIGTERM with rows buffered."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal

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

SECRET = "Pw" + secrets.token_hex(6)


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


@pytest.mark.parametrize("dsn", MALFORMED)
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


@pytest.mark.parametrize("dsn", MALFORMED)
def test_no_command_path_prints_a_malformed_password(dsn):
    for command in (["db", "url"], ["stats"], ["migrate"], ["job", "run", "reaper"]):
        done = pfr("--dsn", dsn, *command)
        assert done.returncode == 2, (command, done.stderr)
        assert SECRET not in done.stdout + done.stderr, command
        assert done.stderr.startswith("pfr: error: malformed connection string")


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
