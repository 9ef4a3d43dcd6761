"""Point-in-time recovery of the embedded server: WAL archived beside the data, base
backups (full, then incremental) verified, and `pfr restore --to-time T` giving exactly
the rows of time T; a time outside the kept backups and WAL is refused, saying what is
covered; rotation never prunes WAL the oldest kept backup needs."""

from __future__ import annotations

import datetime as dt
import os
import time

import psycopg
import pytest
from _physical import archiving_server, new_data_dir

from pydal_free_repo import embedded, physical, wal_archive
from pydal_free_repo.cli import main
from pydal_free_repo.config import JobsConfig, Physical
from pydal_free_repo.database import Database
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.schema import migrate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    # Durability of the backup files is pg_basebackup's own business; skip its fsync here.
    os.environ["PFR_PHYSICAL_FSYNC"] = "off"
    with archiving_server("pitr") as running:
        migrate(running.uri)
        with psycopg.connect(running.uri, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
        yield running
    del os.environ["PFR_PHYSICAL_FSYNC"]


def rows(uri):
    with psycopg.connect(uri) as conn:
        return conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall()


def write(uri, *statements):
    with psycopg.connect(uri, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def server_now(uri) -> dt.datetime:
    with psycopg.connect(uri) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def test_archiving_is_on_by_default_beside_the_data_and_never_overwrites(server):
    archive = embedded.archive_dir(server.data_dir)
    assert archive == server.data_dir.with_name(server.data_dir.name + "-wal")
    with psycopg.connect(server.uri, autocommit=True) as conn:
        assert conn.execute("SHOW archive_mode").fetchone()[0] == "on"
        assert conn.execute("SHOW summarize_wal").fetchone()[0] == "on"
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    deadline = time.monotonic() + 30
    while not (archive / segment).exists():
        assert time.monotonic() < deadline, "segment never archived"
        time.sleep(0.1)
    # The command itself: the same segment again succeeds, a different one is refused.
    command = wal_archive.archive_command(archive).replace("%f", segment)
    same = command.replace("%p", str(archive / segment))
    assert os.system(same) == 0
    other = archive / ".other"
    other.write_bytes(b"not the same segment")
    try:
        assert os.system(command.replace("%p", str(other))) != 0
    finally:
        other.unlink()


def test_restore_to_time_gives_exactly_the_rows_of_that_moment(server, capsys):
    uri = server.uri
    write(uri, "INSERT INTO notes VALUES (1, 'before the full backup')")
    assert main(["--dsn", uri, "backup", "--physical"]) == 0
    full = capsys.readouterr().out.strip()
    assert full.endswith("-full") and os.path.isdir(full)
    write(uri, "INSERT INTO notes VALUES (2, 'before the incremental')")
    assert main(["--dsn", uri, "backup", "--physical"]) == 0
    assert capsys.readouterr().out.strip().endswith("-incr")

    write(
        uri,
        "INSERT INTO notes VALUES (3, 'written before T')",
        "UPDATE notes SET body = 'x' WHERE id = 1",
    )
    expected = rows(uri)
    time.sleep(0.05)
    moment = server_now(uri)
    time.sleep(0.05)
    write(
        uri,
        "INSERT INTO notes VALUES (4, 'after T')",
        "DELETE FROM notes WHERE id IN (2, 3)",
    )

    with new_data_dir("i15-pitr") as target:
        code = main(
            ["--dsn", uri, "restore", "--to-time", moment.isoformat(), "--data-dir", str(target)]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        restored = out.strip()
        assert f"host={target}" in restored
        assert rows(restored) == expected
        with psycopg.connect(restored) as conn:
            assert not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            # Its own archive, never the source's (its new timeline would mislead a restore).
            assert (
                str(embedded.archive_dir(target))
                in conn.execute("SHOW archive_command").fetchone()[0]
            )
        settings = (target / "postgresql.auto.conf").read_text()
        assert "recovery_target_time" not in settings and "restore_command" not in settings
    assert rows(uri) == [(1, "x"), (4, "after T")]


def test_a_time_outside_the_window_is_refused_saying_what_is_covered(server, capsys):
    # Its own backup: run alone, or on another xdist worker than the restore test (each
    # worker has its own module-scoped server), no backup would be kept yet.
    assert main(["--dsn", server.uri, "backup", "--physical"]) == 0
    capsys.readouterr()
    # ...and a commit archived after it, so there is a window to report.
    write(server.uri, "INSERT INTO notes VALUES (100, 'after the backup') ON CONFLICT DO NOTHING")
    with psycopg.connect(server.uri, autocommit=True) as conn:
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    archive = embedded.archive_dir(server.data_dir)
    deadline = time.monotonic() + 30
    while not (archive / segment).exists():
        assert time.monotonic() < deadline, "segment never archived"
        time.sleep(0.1)
    assert main(["--dsn", server.uri, "backup", "list"]) == 0
    listing = capsys.readouterr().out
    assert "-full" in listing and "recoverable: from " in listing
    for moment in ("2001-01-01 00:00:00+00", "2999-01-01 00:00:00+00"):
        with new_data_dir("i15-out") as target:
            code = main(
                ["--dsn", server.uri, "restore", "--to-time", moment, "--data-dir", str(target)]
            )
            err = capsys.readouterr().err
            assert code == 1 and "outside what the kept backups and WAL cover: from" in err, err
            assert err.count("\n") == 1
            assert not target.exists()


def test_rotation_keeps_whole_chains_and_the_wal_the_oldest_kept_backup_needs(server):
    backups = embedded.base_backup_dir(server.data_dir)
    archive = embedded.archive_dir(server.data_dir)
    config = JobsConfig(physical=Physical(keep_full=1, full_every_days=0, fsync=False))
    # A chain to rotate away even when this test runs without the others (another worker).
    assert main(["--dsn", server.uri, "backup", "--physical"]) == 0
    with Database.connect(server.uri, min_size=1, max_size=2) as db:
        result = run_job(db, "physical_backup", config)
    assert result.status == "succeeded", result.error
    kept = physical.list_backups(backups)
    assert [b.kind for b in kept] == ["full"] and result.details["removed"]
    oldest = kept[0].start_segment
    assert wal_archive.segments(archive)[0] == oldest
    assert result.details["wal_pruned"] >= 1
