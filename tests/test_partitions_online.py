"""Partition maintenance writers do not notice (issue 13): partitions made as standalone
tables then ATTACHed, stranded rows moved without detaching the default partition, gap
fill and catch-up, per-table months ahead, and runs that say when they left work undone.
"""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest

from pydal_free_repo.cli import main
from pydal_free_repo.config import JobsConfig, Partitions, Retention, Timeouts
from pydal_free_repo.jobs import doctor
from pydal_free_repo.jobs.runner import run_job

NOW = dt.datetime.now(dt.timezone.utc)
FAST_GIVE_UP = Timeouts(ddl_lock_timeout="100ms", ddl_attempts=2)


def month_start(months_from_now: int) -> dt.datetime:
    year, month = divmod(NOW.year * 12 + NOW.month - 1 + months_from_now, 12)
    return dt.datetime(year, month + 1, 1, tzinfo=dt.timezone.utc)


def suffix(at: dt.datetime) -> str:
    return f"{at:%Y%m}"


def insert_calls(dsn: str, history_id: int, at: dt.datetime, count: int) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens, created_at)"
            " SELECT %s, 'other', 'gpt-4o', 10, %s + i * INTERVAL '1 minute'"
            " FROM generate_series(1, %s) AS i",
            (history_id, at, count),
        )


@pytest.fixture
def run_id(dsn) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status) VALUES ('P-1', 'completed')"
            " RETURNING id"
        ).fetchone()[0]


def where_rows_are(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tableoid::regclass::text, count(*) FROM llm_call_history GROUP BY 1"
        ).fetchall()
    return dict(rows)


def test_gap_fill_moves_past_window_and_far_future_rows_into_their_months(db, dsn, run_id):
    """Missed runs left a month of the window without a partition; rows for a past month
    and for 14 months ahead sit in the default partition. One run puts every row in its
    month and the default partition ends empty."""
    past, ahead, far = month_start(-5), month_start(2), month_start(14)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS llm_call_history_p{suffix(ahead)}")
    for at, count in ((past, 30), (ahead, 20), (far, 10)):
        insert_calls(dsn, run_id, at, count)
    assert where_rows_are(dsn) == {"llm_call_history_default": 60}

    result = run_job(db, "partitions", JobsConfig())

    assert result.status == "succeeded", result.error
    assert where_rows_are(dsn) == {
        f"llm_call_history_p{suffix(past)}": 30,
        f"llm_call_history_p{suffix(ahead)}": 20,
        f"llm_call_history_p{suffix(far)}": 10,
    }
    assert {m["partition_name"]: m["moved"] for m in result.details["moved"]} == {
        f"llm_call_history_p{suffix(past)}": 30,
        f"llm_call_history_p{suffix(ahead)}": 20,
        f"llm_call_history_p{suffix(far)}": 10,
    }
    assert result.details["rows_in_default_partitions"] == {}
    with psycopg.connect(dsn) as conn:
        # A partition made by the job carries the parent's indexes and foreign keys.
        indexes = conn.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass",
            (f"llm_call_history_p{suffix(far)}",),
        ).fetchone()[0]
        parent_indexes = conn.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'llm_call_history'::regclass"
        ).fetchone()[0]
        assert indexes == parent_indexes
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(
                "INSERT INTO llm_call_history (history_id, call_type, model, created_at)"
                " VALUES (-1, 'other', 'm', %s)",
                (far,),
            )


def test_partitions_are_made_while_a_writer_holds_an_open_insert(db, dsn, run_id):
    """An idle transaction that inserted a current-month row used to make the job fail
    after its retries while stalling every writer; ATTACH does not conflict with it."""
    insert_calls(dsn, run_id, month_start(5) + dt.timedelta(days=3), 5)
    idle = psycopg.connect(dsn)
    idle.execute(
        "INSERT INTO llm_call_history (history_id, call_type, model) VALUES (%s, 'other', 'm')",
        (run_id,),
    )
    written = []

    def writer() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for _ in range(50):
                conn.execute(
                    "INSERT INTO llm_call_history (history_id, call_type, model)"
                    " VALUES (%s, 'other', 'm')",
                    (run_id,),
                )
                written.append(1)

    try:
        thread = threading.Thread(target=writer)
        thread.start()
        result = run_job(db, "partitions", JobsConfig(timeouts=FAST_GIVE_UP))
        thread.join(60)
    finally:
        idle.rollback()
        idle.close()
    assert result.status == "succeeded", result.error
    assert f"llm_call_history_p{suffix(month_start(5))}" in result.details["created"]
    assert len(written) == 50
    assert where_rows_are(dsn)[f"llm_call_history_p{suffix(month_start(5))}"] == 5


def test_per_table_months_ahead(db, dsn):
    config = JobsConfig(partitions=Partitions(months_ahead=1, llm_calls_months_ahead=6))
    result = run_job(db, "partitions", config)
    assert result.status == "succeeded", result.error
    with psycopg.connect(dsn) as conn:

        def exists(name: str) -> bool:
            return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]

        assert exists(f"llm_call_history_p{suffix(month_start(6))}")
        assert not exists(f"generations_p{suffix(month_start(6))}")


def test_a_month_it_cannot_make_fails_the_run_and_names_the_rows_left(db, dsn, run_id, capsys):
    month = month_start(9)
    insert_calls(dsn, run_id, month, 7)
    with psycopg.connect(dsn) as blocker:
        blocker.execute("LOCK TABLE llm_call_history IN SHARE UPDATE EXCLUSIVE MODE")
        result = run_job(db, "partitions", JobsConfig(timeouts=FAST_GIVE_UP))
        code = main(["--dsn", dsn, "job", "run", "partitions"])
        blocker.rollback()
    assert result.status == "failed"
    assert f"llm_call_history_p{suffix(month)}" in result.error
    assert result.details["rows_in_default_partitions"] == {f"llm_call_history {month:%Y-%m}": 7}
    assert code == 1
    with psycopg.connect(dsn) as conn:
        recorded = conn.execute(
            "SELECT status FROM job_runs WHERE job_name = 'partitions' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    assert recorded == "failed"
    # pfr doctor names the month.
    rows = doctor.report(db)["default_partition_rows"]
    assert [(r["table_name"], r["month"], r["row_count"]) for r in rows] == [
        ("llm_call_history", month.date(), 7)
    ]
    # Once the lock is free the next run moves them.
    assert run_job(db, "partitions", JobsConfig()).status == "succeeded"
    assert doctor.report(db)["default_partition_rows"] == []


def test_retention_that_cannot_lock_a_partition_gives_up_quickly_and_warns(db, dsn, run_id):
    old = month_start(-14)
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT pfr_create_month_partition('llm_call_history', %s::date)", (old,))
        conn.commit()
    insert_calls(dsn, run_id, old, 3)
    idle = psycopg.connect(dsn)
    idle.execute(
        "INSERT INTO llm_call_history (history_id, call_type, model) VALUES (%s, 'other', 'm')",
        (run_id,),
    )
    config = JobsConfig(retention=Retention(llm_calls_days=300), timeouts=FAST_GIVE_UP)
    try:
        result = run_job(db, "retention", config)
        code = main(["--dsn", dsn, "job", "run", "retention"])
    finally:
        idle.rollback()
        idle.close()
    assert result.status == "warning", result.error
    assert result.details["not_dropped"][0]["partition"] == f"llm_call_history_p{suffix(old)}"
    assert "not dropped" in result.details["warnings"][0]
    assert result.duration_seconds < 10
    assert code == 4
    after = run_job(db, "retention", config)
    assert after.status == "succeeded"
    assert f"llm_call_history_p{suffix(old)}" in after.details["dropped_partitions"]
