"""The four logical-backup defects of issue 15, each tried as it was found.

1. Rotation of database ``X`` must not touch the dumps (or the in-progress ``.partial``)
   of database ``X-2`` in the same directory.
2. A restore onto a server where the dump's roles do not exist still restores everything.
3. A checksum that cannot be written leaves no dump that looks complete.
4. ``pfr restore`` of any damaged file ends with one line and a non-zero exit code; the
   README's example works with the embedded server, and an unreachable target fails fast.
"""

from __future__ import annotations

import errno
import os
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import dsn_for
from psycopg import sql

from pydal_free_repo import Database
from pydal_free_repo.cli import main
from pydal_free_repo.config import Backup, JobsConfig
from pydal_free_repo.jobs import backup
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.restore import restore


def config_for(tmp_path, **settings):
    return JobsConfig(backup=Backup(dir=str(tmp_path / "backups"), **settings))


def dumps_in(directory) -> list[str]:
    return sorted(p for p in os.listdir(directory) if p.endswith(".dump"))


@pytest.fixture
def admin(postgresql_proc):
    return dsn_for(postgresql_proc.maintenance_dbname)


@pytest.fixture
def scratch_database(admin):
    """Make empty databases by name; dropped after the test."""
    made = []

    def make(name: str) -> str:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return dsn_for(name)

    yield make
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in made:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_rotation_of_one_database_never_touches_a_database_whose_name_extends_it(
    db, tmp_path, scratch_database
):
    name = db.fetch_one("jobs/server_version")["database_name"]
    other_dsn = scratch_database(f"{name}-2")
    with psycopg.connect(other_dsn) as conn:
        conn.execute("CREATE TABLE kept (id int)")
    config = config_for(tmp_path, keep_count=3)
    with Database.connect(other_dsn, min_size=1, max_size=1) as other:
        others = [backup.make_backup(other, config)["file"] for _ in range(3)]
    in_progress = (
        tmp_path / "backups" / f".{backup.dump_name(f'{name}-2', '29990101T000000000000Z')}.partial"
    )
    in_progress.write_bytes(b"being written by the other database's backup")

    ours = config_for(tmp_path, keep_count=1)
    for _ in range(2):
        result = run_job(db, "backup", ours)
        assert result.status == "succeeded", result.error

    assert all(os.path.exists(p) and backup.intact(Path(p)) for p in others)
    assert in_progress.exists()
    assert result.details["removed_partial"] == []
    mine = [p for p in dumps_in(tmp_path / "backups") if backup.database_of(p) == name]
    assert mine == [os.path.basename(result.details["file"])]


def test_a_restore_onto_a_server_without_the_dumps_roles_restores_everything(
    db, dsn, admin, tmp_path, scratch_database
):
    role = f"pfr_gone_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON llm_call_history TO {}").format(sql.Identifier(role)))
        conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) VALUES ('R-1', 'completed')"
        )
    dump = run_job(db, "backup", config_for(tmp_path)).details["file"]
    # The fresh server: the role the dump grants to does not exist there.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))

    target = scratch_database(f"{role}_copy")
    restore(dump, target)

    with psycopg.connect(target) as conn:
        keys = conn.execute("SELECT issue_key FROM issue_processing_history").fetchall()
    assert keys == [("R-1",)]


def test_a_checksum_that_cannot_be_written_leaves_no_dump_that_looks_complete(
    db, tmp_path, monkeypatch
):
    config = config_for(tmp_path)
    good = run_job(db, "backup", config)
    assert good.status == "succeeded", good.error

    def disk_fills(checksum, digest, name):
        # The disk fills while the checksum is written: half a line reaches it, then ENOSPC.
        checksum.write_text(digest[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup, "write_checksum", disk_fills)
    failed = run_job(db, "backup", config)

    assert failed.status == "failed" and "No space left" in failed.error
    left = sorted(os.listdir(tmp_path / "backups"))
    name = os.path.basename(good.details["file"])
    assert left == [name, name + ".sha256"]


@pytest.fixture
def dump(db, tmp_path):
    return run_job(db, "backup", config_for(tmp_path)).details["file"]


DAMAGE = {
    "truncated": lambda path: os.truncate(path, os.path.getsize(path) // 2),
    "flipped bytes": lambda path: _flip(path),
    "0-byte checksum": lambda path: open(path + ".sha256", "w").close(),
    "missing checksum": lambda path: os.unlink(path + ".sha256"),
}


def _flip(path):
    with open(path, "r+b") as handle:
        handle.seek(os.path.getsize(path) // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_restore_of_a_damaged_file_ends_with_one_line_and_exit_1(
    dsn, dump, damage, scratch_database, capsys
):
    DAMAGE[damage](dump)
    target = scratch_database(f"pfr_damaged_{uuid.uuid4().hex[:8]}")

    assert main(["--dsn", dsn, "restore", dump, "--target-dsn", target]) == 1

    err = capsys.readouterr().err
    assert err.startswith("pfr: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_a_truncated_dump_without_checksum_fails_in_pg_restore_in_one_line(
    dsn, dump, scratch_database, capsys
):
    os.unlink(dump + ".sha256")
    os.truncate(dump, os.path.getsize(dump) // 2)
    target = scratch_database(f"pfr_truncated_{uuid.uuid4().hex[:8]}")

    code = main(["--dsn", dsn, "restore", dump, "--no-checksum", "--target-dsn", target])

    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "pg_restore" in err, err


def test_the_readme_example_restores_into_a_new_database_on_the_same_server(
    dsn, dump, admin, capsys
):
    name = f"pfr_copy_{uuid.uuid4().hex[:8]}"
    try:
        assert main(["--dsn", dsn, "restore", dump, "--target-db", name]) == 0
        assert name in capsys.readouterr().out
        with psycopg.connect(dsn_for(name)) as conn:
            assert conn.execute("SELECT count(*) FROM job_runs").fetchone()[0] >= 1
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_an_unreachable_target_fails_at_once_with_the_reason(dump, tmp_path, capsys):
    began = time.monotonic()
    target = f"postgresql:///pfr_copy?host={tmp_path}/nowhere"
    code = main(["restore", dump, "--target-dsn", target])
    assert time.monotonic() - began < 5
    err = capsys.readouterr().err
    assert code == 3 and "cannot connect to the restore target" in err and "No such file" in err
