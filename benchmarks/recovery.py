"""Backups, point-in-time recovery and replica lag on the benchmark data set.

A server of its own (embedded, WAL archiving on, ``.pfr/bench-recovery`` or
``PFR_BENCH_RECOVERY_DIR``) holds the dashboard data set for the scale. Measured, each
against a baseline from the same run:

- logical dump: ``pg_dump -Fc`` (the backup job's format, the baseline) against the
  directory format with two jobs (``-Fd -j2``);
- a full physical base backup (``pg_basebackup``, fsync on, ``pg_verifybackup``) against
  the ``pg_dump -Fc`` of the same data;
- replica lag while the benchmark's write load (the ``BufferedWriter`` path of the
  ingestion benchmark) runs on the primary with a standby from ``replica.create``
  attached: the largest replay lag in bytes and in time, sampled every 50 ms;
- an incremental base backup after that load, against the full one;
- recovery to the moment the load ended (``pitr.restore_to_time``: rebuild from the chain
  plus WAL replay, server started and promoted) against a logical restore of the
  ``-Fc`` dump (``restore.restore``, one transaction); the recovered LLM-call count is
  checked against the count at that moment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from benchmarks import generate, ingest
from benchmarks.common import Server, log
from pydal_free_repo import Database, IssueHistory, embedded, physical, pitr, replica
from pydal_free_repo.dsn import client_connection
from pydal_free_repo.restore import restore, target_database
from pydal_free_repo.writer import BufferedWriter

DEFAULT_DIR = ".pfr/bench-recovery"


@dataclass
class RecoveryReport:
    llm_calls: int
    dump_fc_seconds: float
    dump_fd_j2_seconds: float
    dump_fc_bytes: int
    full_backup_seconds: float
    full_backup_bytes: int
    load_rows: int
    load_seconds: float
    max_lag_bytes: int
    max_lag_seconds: float
    lag_samples: int
    incremental_seconds: float
    incremental_bytes: int
    logical_restore_seconds: float
    rebuild_seconds: float
    recovery_seconds: float
    recovered_exact: bool
    notes: list[str] = field(default_factory=list)

    @property
    def directory_ratio(self) -> float:
        return self.dump_fc_seconds / self.dump_fd_j2_seconds

    @property
    def recovery_ratio(self) -> float:
        return self.logical_restore_seconds / (self.rebuild_seconds + self.recovery_seconds)


def run(scale: float, load_rows: int, *, quiet: bool = False) -> RecoveryReport:
    data = Path(os.environ.get("PFR_BENCH_RECOVERY_DIR") or DEFAULT_DIR).resolve()
    _wipe(data)
    primary = embedded.start(data, database="postgres", archive=True)
    scratch = Path(tempfile.mkdtemp(prefix="pfr-bench-", dir="/tmp"))
    standby_dir = Path(f"/tmp/pfr-bs-{os.getpid()}")
    recovered_dir = Path(f"/tmp/pfr-br-{os.getpid()}")
    try:
        dataset = generate.ensure(Server(primary.uri), scale, regenerate=True, quiet=quiet)
        dsn = dataset.dsn
        calls = _count(dsn)
        log(f"  data set: {calls:,} LLM calls", quiet=quiet)

        dump_fc, fc_seconds = _dump(dsn, scratch / "fc.dump", ["--format=custom"])
        _, fd_seconds = _dump(dsn, scratch / "fd", ["--format=directory", "--jobs=2"])
        log(f"  pg_dump -Fc {fc_seconds:.2f} s, -Fd -j2 {fd_seconds:.2f} s", quiet=quiet)

        began = time.perf_counter()
        full = physical.take(dsn, embedded.base_backup_dir(data), server_major=18)
        full_seconds = time.perf_counter() - began
        log(f"  full base backup {full_seconds:.2f} s", quiet=quiet)

        standby = replica.create(dsn, standby_dir)
        lag = _load_with_lag(dsn, standby, load_rows, quiet=quiet)
        with psycopg.connect(dsn) as conn:
            moment = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        expected = _count(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:  # after the moment: not recovered
            conn.execute(
                "DELETE FROM llm_call_history"
                " WHERE id IN (SELECT id FROM llm_call_history LIMIT 10)"
            )

        began = time.perf_counter()
        incremental = physical.take(dsn, embedded.base_backup_dir(data), server_major=18)
        incremental_seconds = time.perf_counter() - began

        # The incremental backup finished after the moment: recovery rolls the full one
        # forward through the load's WAL, the case that needs the archive.
        began = time.perf_counter()
        copy = target_database(dsn, "pfr_bench_logical_copy")
        restore(str(dump_fc), copy, verify=False)
        logical_seconds = time.perf_counter() - began

        done = pitr.restore_to_time(
            moment,
            recovered_dir,
            backups=embedded.base_backup_dir(data),
            archive=embedded.archive_dir(data),
            source_uri=dsn,
            database=dataset.dbname,
        )
        recovered = _count(str(done["dsn"]))
        log(
            f"  recovery: rebuild {done['rebuild_seconds']} s, replay {done['recovery_seconds']} s"
            f"; logical restore {logical_seconds:.2f} s",
            quiet=quiet,
        )
        return RecoveryReport(
            llm_calls=calls,
            dump_fc_seconds=fc_seconds,
            dump_fd_j2_seconds=fd_seconds,
            dump_fc_bytes=dump_fc.stat().st_size,
            full_backup_seconds=full_seconds,
            full_backup_bytes=full.as_dict()["bytes"],
            load_rows=load_rows,
            load_seconds=lag["seconds"],
            max_lag_bytes=lag["max_bytes"],
            max_lag_seconds=lag["max_seconds"],
            lag_samples=lag["samples"],
            incremental_seconds=incremental_seconds,
            incremental_bytes=incremental.as_dict()["bytes"],
            logical_restore_seconds=logical_seconds,
            rebuild_seconds=float(done["rebuild_seconds"]),
            recovery_seconds=float(done["recovery_seconds"]),
            recovered_exact=recovered == expected,
        )
    finally:
        for path in (recovered_dir, standby_dir):
            _wipe(path)
        _wipe(data)
        shutil.rmtree(scratch, ignore_errors=True)


def _dump(dsn: str, target: Path, options: list[str]) -> tuple[Path, float]:
    conninfo, env = client_connection(dsn)
    began = time.perf_counter()
    subprocess.run(
        [str(embedded.bin_dir() / "pg_dump"), *options, f"--file={target}", f"--dbname={conninfo}"],
        env=env,
        check=True,
        capture_output=True,
    )
    return target, time.perf_counter() - began


def _load_with_lag(dsn: str, standby: str, rows: int, *, quiet: bool) -> dict[str, float]:
    """The ingestion benchmark's BufferedWriter load, with the standby's lag sampled."""
    samples: list[tuple[int, float]] = []
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not stop.is_set():
                row = conn.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::BIGINT,"
                    " COALESCE(EXTRACT(EPOCH FROM replay_lag), 0)::FLOAT8"
                    " FROM pg_stat_replication"
                ).fetchone()
                if row:
                    samples.append((int(row[0] or 0), float(row[1] or 0)))
                time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    with Database.connect(dsn, min_size=1, max_size=4) as db:
        history = IssueHistory(db)
        run_id = history.claim({"key": "BENCH-LAG", "fields": {"summary": "lag"}}).history_id
        sampler.start()
        began = time.perf_counter()
        writer = BufferedWriter(db)
        for row in ingest.calls(rows):
            writer.llm_call(run_id, **row)
        writer.close()
        seconds = time.perf_counter() - began
    time.sleep(0.2)
    stop.set()
    sampler.join()
    log(f"  write load {rows:,} rows in {seconds:.2f} s, {len(samples)} lag samples", quiet=quiet)
    return {
        "seconds": seconds,
        "max_bytes": max((s[0] for s in samples), default=0),
        "max_seconds": max((s[1] for s in samples), default=0.0),
        "samples": len(samples),
    }


def _count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM llm_call_history").fetchone()[0]


def _wipe(data: Path) -> None:
    if (data / "postmaster.pid").exists():
        with contextlib.suppress(Exception):
            embedded.stop(data)
    for path in (data, embedded.archive_dir(data), embedded.base_backup_dir(data)):
        shutil.rmtree(path, ignore_errors=True)
