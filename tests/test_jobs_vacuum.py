"""vacuum job: every table VACUUMed and ANALYZEd (pg_stat_user_tables shows it), most dead
tuples first, recorded with timings."""

import psycopg

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.jobs.runner import run_job


def test_vacuum_updates_pg_stat_user_tables_and_records_tables(db, dsn):
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO users (username) SELECT 'u' || g FROM generate_series(1, 200) g")
        conn.commit()
        conn.execute("DELETE FROM users WHERE mod(id, 2) = 0")

    result = run_job(db, "vacuum", JobsConfig())

    assert result.status == "succeeded", result.error
    tables = [entry["table"] for entry in result.details["vacuumed"]]
    assert tables[0] == "users"  # the highest dead-tuple ratio goes first
    assert {"issue_processing_history", "workflows", "job_runs", "llm_call_history_default"} <= set(
        tables
    )
    assert not any(t.startswith("_yoyo") or t == "yoyo_lock" for t in tables)
    assert "llm_call_history" in result.details["analyzed_parents"]
    with psycopg.connect(dsn) as conn:
        vacuumed, analyzed, dead = conn.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL, n_dead_tup"
            " FROM pg_stat_user_tables WHERE relname = 'users'"
        ).fetchone()
        details = conn.execute(
            "SELECT details FROM job_runs WHERE id = %s", (result.run_id,)
        ).fetchone()[0]
    assert vacuumed and analyzed and dead == 0
    assert details["vacuumed"][0]["dead_tuples_before"] == 100
    assert details["duration_seconds"] >= 0
