"""Buffered writer across a database outage: the server is stopped while the writer is
flushing and started again; every accepted row ends up in the table exactly once.

This test runs its own embedded server (``_servers.own_server_dir("wstop")``;
``PFR_WSTOP_DIR`` overrides) so stopping it never disturbs the shared test server, nor
another checkout's or another xdist worker's.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
import pytest
from _servers import own_server_dir
from psycopg import sql

from pydal_free_repo import BufferedWriter, Database, embedded, migrate

DATA_DIR = own_server_dir("wstop")
DATABASE = "pfr_wstop"


def wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


@pytest.fixture
def own_server():
    admin = embedded.start(DATA_DIR, database="postgres").uri
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )
    uri = embedded.start(DATA_DIR, database=DATABASE).uri
    migrate(uri)
    try:
        yield uri
    finally:
        embedded.stop(DATA_DIR)


@pytest.mark.slow
def test_stopping_the_server_during_flushes_loses_nothing(own_server, caplog):
    caplog.set_level(logging.WARNING, logger="pydal_free_repo.writer")
    with psycopg.connect(own_server) as conn:
        run = conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) "
            "VALUES ('OUT-1', 'processing') RETURNING id"
        ).fetchone()[0]
    db = Database.connect(own_server, timeout=2)
    writer = BufferedWriter(
        db,
        max_queue=100_000,
        batch_size=200,
        flush_interval=0.02,
        retry_initial=0.05,
        retry_max=0.5,
        connect_timeout=1,
    )
    producing = threading.Event()
    producing.set()
    produced = []

    def produce():
        i = 0
        while producing.is_set():
            writer.api_call(run, "GET", f"/calls/{i}", status_code=200)
            i += 1
            if i % 100 == 0:
                time.sleep(0.005)
        produced.append(i)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        wait_for(lambda: writer.stats.written > 1_000)
        embedded.stop(DATA_DIR)  # while batches are being written
        held_at_stop = writer.stats.unwritten
        time.sleep(1.5)  # flushes fail and are retried; rows keep queueing
        assert writer.stats.unwritten > held_at_stop
        embedded.start(DATA_DIR, database=DATABASE)
        written_after_restart = writer.stats.written
        wait_for(lambda: writer.stats.written > written_after_restart + 1_000)
    finally:
        producing.clear()
        producer.join()
        try:
            report = writer.close(timeout=60)
        finally:
            db.close()
    assert report.accepted == produced[0]
    assert (report.written, report.rejected, report.unwritten) == (produced[0], 0, 0)
    with psycopg.connect(own_server) as conn:
        stored, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT endpoint) FROM bitbucket_api_history"
        ).fetchone()
    assert stored == distinct == produced[0]
    assert "failed (attempt 1," in caplog.text  # a flush did fail during the outage
    assert "held rows" in caplog.text  # and its rows were written after the restart
