"""The buffered writer copies LLM calls straight into their monthly partition only when
that skips nothing the parent would do, and keeps the rollups exact when it does."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from benchmarks import exactness
from pydal_free_repo import BufferedWriter, IssueHistory, writer_partitions
from pydal_free_repo.writer import llm_call_row


def month_start() -> dt.datetime:
    now = dt.datetime.now(dt.timezone.utc)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def this_month_partition(dsn: str) -> tuple[str, str]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_inherits AS i"
            " JOIN pg_class AS c ON c.oid = i.inhrelid"
            " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE i.inhparent = 'llm_call_history'::regclass"
            "   AND c.relname = 'llm_call_history_p' || to_char(%(at)s::timestamptz"
            "       AT TIME ZONE 'UTC', 'YYYYMM')",
            {"at": month_start()},
        ).fetchone()
    assert row is not None, "migrations create the current month's partition"
    return row[0], row[1]


@pytest.fixture
def run(db) -> int:
    return IssueHistory(db).claim({"key": "PART-1"}).history_id


def rows_at(run: int, *times: dt.datetime) -> list[dict]:
    return [llm_call_row(run, "other", "gpt-4o", prompt_tokens=10, created_at=t) for t in times]


def split_as(db, rows: list[dict], role: str | None = None) -> writer_partitions.Split:
    """How the writer would split ``rows``, read as ``role`` (the session's own by default)."""
    with db.transaction() as conn:
        if role:
            conn.execute(psycopg.sql.SQL("SET LOCAL ROLE {}").format(psycopg.sql.Identifier(role)))
        _, partitions = db.fetch_all_together(writer_partitions.LOOKUP, conn=conn)
        return writer_partitions.split(partitions, rows)


def test_calls_of_a_month_with_a_partition_go_straight_into_it_the_rest_through_the_parent(
    db, dsn, run
):
    first_hour = month_start() + dt.timedelta(hours=1)
    old = dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)  # no partition: the default's
    rows = rows_at(run, old, first_hour, first_hour + dt.timedelta(minutes=59), old)
    split = split_as(db, rows)
    partition = this_month_partition(dsn)
    assert list(split.groups) == [writer_partitions.PARENT, partition]
    assert split.groups[partition] == rows[1:3]
    assert split.groups[writer_partitions.PARENT] == [rows[0], rows[3]]
    assert split.hours == {first_hour}


def test_hours_copied_into_a_partition_are_marked_so_the_rollups_stay_exact(db, dsn, run):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT * FROM pfr_rollup_refresh()")
    start = month_start()
    with BufferedWriter(db, batch_size=50) as writer:
        for i in range(120):
            writer.llm_call(
                run,
                "code_diff",
                "gpt-4o",
                prompt_tokens=100 + i,
                completion_tokens=7,
                created_at=start + dt.timedelta(minutes=17 * i),
            )
    with psycopg.connect(dsn) as conn:
        where = conn.execute(
            "SELECT tableoid::regclass::text, count(*) FROM llm_call_history GROUP BY 1"
        ).fetchall()
        marked = {r[0] for r in conn.execute("SELECT hour FROM rollup_dirty_llm_call_hours")}
    assert where == [(this_month_partition(dsn)[1], 120)]
    written = {start + dt.timedelta(minutes=17 * i) for i in range(120)}
    assert marked == {t.replace(minute=0) for t in written}
    assert exactness.mismatches(dsn) == []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT * FROM pfr_rollup_refresh()")
    assert exactness.mismatches(dsn) == []


def test_a_statement_trigger_of_the_dba_on_the_parent_still_sees_every_row(db, dsn, run):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE audit_inserts (rows BIGINT NOT NULL)")
        conn.execute(
            "CREATE FUNCTION audit_count() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN INSERT INTO audit_inserts SELECT count(*) FROM new_rows; RETURN NULL; END $$"
        )
        conn.execute(
            "CREATE TRIGGER audit_llm_calls AFTER INSERT ON llm_call_history"
            " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_count()"
        )
    assert split_as(db, rows_at(run, month_start())).groups.keys() == {writer_partitions.PARENT}
    with BufferedWriter(db) as writer:
        for i in range(25):
            writer.llm_call(run, "other", "gpt-4o", prompt_tokens=i + 1)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT sum(rows) FROM audit_inserts").fetchone()[0] == 25


def test_a_role_that_may_not_insert_into_the_partition_copies_through_the_parent(db, dsn, run):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pfr_t_parent_only")
        conn.execute("CREATE ROLE pfr_t_parent_only")
        conn.execute("GRANT SELECT, INSERT ON llm_call_history TO pfr_t_parent_only")
        conn.execute("GRANT INSERT ON rollup_dirty_llm_call_hours TO pfr_t_parent_only")
    try:
        split = split_as(db, rows_at(run, month_start()), role="pfr_t_parent_only")
        assert split.groups.keys() == {writer_partitions.PARENT}
        assert split.hours == set()
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP OWNED BY pfr_t_parent_only")
            conn.execute("DROP ROLE pfr_t_parent_only")
