"""Buffered writer on a real PostgreSQL: everything accepted is written, bad rows are
refused at the call or counted, and a full queue blocks then raises."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from pydal_free_repo import BufferedWriter, Database, IssueHistory, WorkflowLogger, queries
from pydal_free_repo.errors import InvalidTransition, InvalidValue
from pydal_free_repo.writer import QUERIES, QueueFull, WriteIncomplete, api_call_row, columns
from tests._pricing import expected_cost


def make_run(dsn: str, issue_key: str = "PROJ-1") -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) "
            "VALUES (%(key)s, 'processing') RETURNING id",
            {"key": issue_key},
        ).fetchone()[0]


def count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        query = psycopg.sql.SQL("SELECT COUNT(*) FROM {}").format(psycopg.sql.Identifier(table))
        return conn.execute(query).fetchone()[0]


def test_copy_column_lists_name_real_columns_and_skip_generated_ones(db):
    for table in QUERIES:
        names = columns(table)
        assert "estimated_cost" not in names
        assert "created_at" in names
        with db.connection() as conn:
            existing = {
                row[0]
                for row in conn.execute(
                    "SELECT attname FROM pg_attribute "
                    "WHERE attrelid = %(t)s::regclass AND attnum > 0 AND NOT attisdropped",
                    {"t": table},
                )
            }
        assert set(names) <= existing, table
        assert re.match(r"/\* writer/copy_\w+ \*/\n--", queries.load(QUERIES[table]).text)


def test_100000_events_with_a_clean_close_are_all_in_the_tables(db, dsn):
    run = make_run(dsn)
    logger = WorkflowLogger(db)
    workflow = logger.start_workflow(logger.get_or_create_user("bulk").id, {"user_input": "bulk"})
    writer = BufferedWriter(db, max_queue=20_000, batch_size=5_000, flush_interval=0.2)
    for i in range(40_000):
        writer.llm_call(
            run, "code_diff", "gpt-4o", prompt_tokens=1000, completion_tokens=100, cache_key=f"k{i}"
        )
    for i in range(30_000):
        writer.api_call(run, "get", f"/repos/x/pulls/{i}", status_code=200, duration_seconds=0.01)
    for i in range(30_000):
        writer.generation(
            workflow.id,
            "gpt-4o",
            user_prompt=f"p{i}",
            output="o",
            prompt_tokens=10,
            parsed_output={"i": i},
        )
    report = writer.close(timeout=60)
    assert (report.accepted, report.written, report.rejected, report.unwritten) == (
        100_000,
        100_000,
        0,
        0,
    )
    assert report.written_by_table == {
        "llm_call_history": 40_000,
        "bitbucket_api_history": 30_000,
        "generations": 30_000,
    }
    assert count(dsn, "llm_call_history") == 40_000
    assert count(dsn, "bitbucket_api_history") == 30_000
    assert count(dsn, "generations") == 30_000
    with psycopg.connect(dsn) as conn:
        cost, tokens, first = conn.execute(
            "SELECT SUM(estimated_cost), SUM(total_tokens), min(created_at) FROM llm_call_history"
        ).fetchone()
    # gpt-4o at the catalogue's price, priced by the writer once per batch before the COPY
    each = expected_cost("gpt-4o", None, first, input_tokens=1000, output_tokens=100)
    assert cost == each * 40_000
    assert tokens == 1100 * 40_000


def test_flush_waits_until_the_rows_are_written(db, dsn):
    run = make_run(dsn)
    with BufferedWriter(db, flush_interval=60) as writer:
        writer.api_call(run, "POST", "/pulls", status_code=201)
        report = writer.flush(timeout=30)
        assert report.written == 1
        assert count(dsn, "bitbucket_api_history") == 1


def test_close_ends_every_writer_thread_wait_at_once(db, dsn):
    # Both threads are waiting out a long flush_interval; close() must not wait for it.
    run = make_run(dsn)
    writer = BufferedWriter(db, flush_interval=120, connections=2)
    writer.api_call(run, "GET", "/one")
    started = time.monotonic()
    report = writer.close(timeout=60)
    assert time.monotonic() - started < 30
    assert (report.written, report.unwritten) == (1, 0)
    assert count(dsn, "bitbucket_api_history") == 1


def test_rows_keep_the_time_they_were_accepted(db, dsn):
    run = make_run(dsn)
    when = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    with BufferedWriter(db) as writer:
        writer.llm_call(run, "other", "gpt-4o", prompt_tokens=1, created_at=when)
        before = dt.datetime.now(dt.timezone.utc)
        writer.llm_call(run, "other", "gpt-4o", prompt_tokens=1)
    with psycopg.connect(dsn) as conn:
        stamps = [r[0] for r in conn.execute("SELECT created_at FROM llm_call_history ORDER BY id")]
    assert stamps[0] == when
    assert before - dt.timedelta(seconds=1) <= stamps[1] <= before + dt.timedelta(seconds=5)


def test_bad_values_are_refused_when_put(db, dsn):
    run = make_run(dsn)
    with BufferedWriter(db) as writer:
        with pytest.raises(InvalidValue, match="call_type"):
            writer.llm_call(run, "Poetry!", "gpt-4o")
        with pytest.raises(InvalidValue, match="prompt_tokens"):
            writer.llm_call(run, "other", "gpt-4o", prompt_tokens=-5)
        with pytest.raises(InvalidValue, match="status_code"):
            writer.api_call(run, "GET", "/x", status_code=42)
        with pytest.raises(InvalidValue, match="api_method"):
            writer.api_call(run, "FETCH", "/x")
        with pytest.raises(InvalidValue, match="model_name"):
            writer.generation(1, "")
        with pytest.raises(InvalidValue, match="JSON"):
            writer.generation(1, "m", parsed_output={"x": object()})
    assert writer.stats.accepted == 0


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"model": "m" * 101}, "model is longer than 100 characters"),
        ({"prompt_tokens": -1}, "prompt_tokens must be 0 or more, got -1"),
        ({"prompt_tokens": 1, "cached_input_tokens": 2}, "cached_input_tokens (2) cannot exceed"),
        ({"provided_cost": float("nan")}, "provided_cost must be a finite number"),
        ({"call_type": "Poetry!"}, "call_type must be a lowercase word"),
    ],
)
def test_the_writer_and_the_repository_refuse_an_llm_call_in_the_same_words(db, dsn, fields, words):
    run = make_run(dsn)
    call = {"call_type": "other", "model": "gpt-4o", **fields}
    with pytest.raises(InvalidValue) as by_repository:
        IssueHistory(db).record_llm_call(run, **call)
    with BufferedWriter(db) as writer, pytest.raises(InvalidValue) as by_writer:
        writer.llm_call(run, call.pop("call_type"), call.pop("model"), **call)
    assert str(by_writer.value) == str(by_repository.value)
    assert words in str(by_writer.value)
    assert count(dsn, "llm_call_history") == 0


@pytest.mark.parametrize("status_code", [99, 600, True, "200"])
def test_the_writer_and_the_repository_refuse_a_status_code_in_the_same_words(db, dsn, status_code):
    run = make_run(dsn)
    with pytest.raises(InvalidValue) as by_repository:
        IssueHistory(db).record_api_call(
            run, api_method="GET", endpoint="/x", status_code=status_code
        )
    with BufferedWriter(db) as writer, pytest.raises(InvalidValue) as by_writer:
        writer.api_call(run, "GET", "/x", status_code=status_code)
    assert str(by_writer.value) == str(by_repository.value)
    assert "status_code must be an HTTP status 100-599" in str(by_writer.value)


def test_a_row_the_database_refuses_does_not_block_the_others(db, dsn, caplog):
    run = make_run(dsn)
    writer = BufferedWriter(db, flush_interval=0.1)
    writer.api_call(run, "GET", "/good/1")
    writer.api_call(run + 1000, "GET", "/no-such-run")  # the foreign key refuses it
    writer.api_call(run, "GET", "/good/2")
    with caplog.at_level(logging.ERROR, logger="pydal_free_repo.writer"):
        report = writer.close(timeout=30)
    assert (report.written, report.rejected, report.unwritten) == (2, 1, 0)
    assert count(dsn, "bitbucket_api_history") == 2
    assert [r.row["endpoint"] for r in writer.rejected_rows] == ["/no-such-run"]
    assert "fk_bah_history_id" in writer.rejected_rows[0].error
    assert "refused by the database" in caplog.text


def test_nul_characters_are_scrubbed(db, dsn):
    run = make_run(dsn)
    with BufferedWriter(db) as writer:
        writer.api_call(run, "GET", "/a\x00b", error_message="e\x00")
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT endpoint, error_message FROM bitbucket_api_history").fetchone()
    assert row == ("/a\ufffdb", "e\ufffd")


def test_a_full_queue_blocks_then_raises(dsn):
    # A pool that can never connect: the writer holds its rows and retries.
    unreachable = Database.connect(dsn + " port=1", timeout=0.2)
    writer = BufferedWriter(
        unreachable,
        max_queue=3,
        batch_size=1,
        put_timeout=0.2,
        connect_timeout=0.2,
        retry_max=0.2,
        connections=1,
    )
    try:
        for i in range(4):  # one row in the one thread's hands, three queued
            writer.api_call(1, "GET", f"/{i}")
        with pytest.raises(QueueFull, match="queue full"):
            writer.api_call(1, "GET", "/overflow")
        with pytest.raises(WriteIncomplete) as raised:
            writer.close(timeout=0.5)
        report = raised.value.report
        assert (report.accepted, report.written, report.unwritten) == (4, 0, 4)
        assert sorted(row["endpoint"] for _, row in writer.unwritten_rows) == [
            "/0",
            "/1",
            "/2",
            "/3",
        ]
        with pytest.raises(InvalidTransition, match="closed"):
            writer.api_call(1, "GET", "/late")
    finally:
        unreachable.close()


def test_rows_still_queued_at_interpreter_exit_are_written(dsn):
    run = make_run(dsn)
    script = textwrap.dedent(
        """
        import sys
        from pydal_free_repo import BufferedWriter, Database

        db = Database.connect(sys.argv[1])
        writer = BufferedWriter(db, flush_interval=3600, batch_size=100_000)
        for i in range(2_500):
            writer.api_call(int(sys.argv[2]), "GET", f"/exit/{i}")
        print(writer.stats.written)
        # no close(): the atexit hook must write them
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, dsn, str(run)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"  # nothing was written before exit
    assert count(dsn, "bitbucket_api_history") == 2_500


def test_a_writer_whose_pool_was_closed_reports_its_rows(dsn):
    db = Database.connect(dsn)
    writer = BufferedWriter(db, flush_interval=3600, batch_size=100_000)
    writer.api_call(1, "GET", "/never")
    db.close()
    with pytest.raises(WriteIncomplete, match="1 rows could not be written") as raised:
        writer.close(timeout=120)
    assert raised.value.report.unwritten == 1
    assert [row["endpoint"] for _, row in writer.unwritten_rows] == ["/never"]


def test_raw_rows_are_checked_and_an_unsendable_value_is_only_that_rows_loss(db, dsn):
    run = make_run(dsn)
    writer = BufferedWriter(db, flush_interval=0.1)
    with pytest.raises(InvalidValue, match="lacks"):
        writer.put("bitbucket_api_history", {"history_id": run})
    good = api_call_row(run, "GET", "/good")
    writer.put("bitbucket_api_history", good)
    writer.put("bitbucket_api_history", {**good, "endpoint": object()})  # psycopg cannot adapt it
    writer.put("bitbucket_api_history", {**good, "endpoint": "/good/2"})
    report = writer.close(timeout=30)
    assert (report.written, report.rejected, report.unwritten) == (2, 1, 0)
    assert count(dsn, "bitbucket_api_history") == 2
