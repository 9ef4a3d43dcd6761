"""The schema refuses bad data, refuses duplicate processing, partitions by month and
computes exact figures in its views."""

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from pydal_free_repo import Database, repricing
from tests._pricing import expected_cost


def insert(conn, table, row, returning="id"):
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, row)),
        sql.SQL(", ").join(sql.Placeholder() * len(row)),
        sql.Identifier(returning),
    )
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        return cur.execute(statement, list(row.values())).fetchone()[0]


@pytest.fixture
def parents(postgresql):
    conn = postgresql
    conn.autocommit = True
    history_id = insert(conn, "issue_processing_history", {"issue_key": "P-1", "status": "failed"})
    user_id = insert(conn, "users", {"username": "alice"})
    workflow_id = insert(conn, "workflows", {"user_id": user_id})
    return {"history_id": history_id, "user_id": user_id, "workflow_id": workflow_id}


def valid_rows(parents):
    return {
        "model_pricing": {
            "model": "m-test",
            "input_per_1m": 1,
            "output_per_1m": 2,
            "valid_from": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        },
        "issue_processing_history": {"issue_key": "K-1", "status": "failed"},
        "file_modification_history": {
            "history_id": parents["history_id"],
            "file_path": "a.py",
            "action": "modified",
        },
        "llm_call_history": {
            "history_id": parents["history_id"],
            "call_type": "other",
            "model": "gpt-4o",
            "prompt_tokens": 10,
            "completion_tokens": 5,
        },
        "bitbucket_api_history": {
            "history_id": parents["history_id"],
            "api_method": "GET",
            "endpoint": "/src",
        },
        "users": {"username": "bob"},
        "workflows": {"user_id": parents["user_id"]},
        "nodes": {"workflow_id": parents["workflow_id"], "node_name": "n", "execution_order": 1},
        "generations": {
            "workflow_id": parents["workflow_id"],
            "model_name": "gpt-4o",
            "prompt_tokens": 10,
            "completion_tokens": 5,
        },
        "job_runs": {"job_name": "vacuum", "status": "succeeded"},
        "workflow_traces": {
            "trace_id": "t1",
            "workflow_id": parents["workflow_id"],
            "source": "opentelemetry",
        },
        "workflow_spans": {
            "trace_id": "t1",
            "span_id": "s1",
            "workflow_id": parents["workflow_id"],
            "kind": "node",
        },
    }


# Tables keyed by something other than an id column (what insert() returns).
KEYS = {"workflow_traces": "trace_id", "workflow_spans": "span_id"}


# Every CHECK constraint of the schema, with a row change that must violate it.
BAD = {
    "check_model_pricing_model": ("model_pricing", {"model": ""}),
    "check_model_pricing_model_pattern": ("model_pricing", {"model_pattern": ""}),
    "check_model_pricing_input_per_1m": ("model_pricing", {"input_per_1m": -1}),
    "check_model_pricing_cached_input_per_1m": ("model_pricing", {"cached_input_per_1m": -1}),
    "check_model_pricing_output_per_1m": ("model_pricing", {"output_per_1m": -1}),
    "check_model_pricing_cache_write_per_1m": ("model_pricing", {"cache_write_per_1m": -1}),
    "check_model_pricing_source": ("model_pricing", {"source": "mine"}),
    "check_model_pricing_catalogue": ("model_pricing", {"source": "genai-prices"}),
    "check_model_pricing_user_rates": ("model_pricing", {"input_per_1m": None}),
    "check_iph_issue_key": ("issue_processing_history", {"issue_key": ""}),
    "check_iph_status": ("issue_processing_history", {"status": "done"}),
    "check_iph_processing_duration_seconds": (
        "issue_processing_history",
        {"processing_duration_seconds": -1},
    ),
    "check_iph_modified_files_count": ("issue_processing_history", {"modified_files_count": -1}),
    "check_fmh_action": ("file_modification_history", {"action": "renamed"}),
    "check_fmh_diff_count": ("file_modification_history", {"diff_count": -1}),
    "check_lch_call_type_format": ("llm_call_history", {"call_type": "Chat!"}),
    "check_lch_prompt_tokens": ("llm_call_history", {"prompt_tokens": -1}),
    "check_lch_completion_tokens": ("llm_call_history", {"completion_tokens": -1}),
    "check_lch_total_tokens": ("llm_call_history", {"total_tokens": -1}),
    "check_lch_cached_input_tokens": ("llm_call_history", {"cached_input_tokens": -1}),
    "check_lch_reasoning_tokens": ("llm_call_history", {"reasoning_tokens": -1}),
    "check_lch_cached_within_prompt": ("llm_call_history", {"cached_input_tokens": 11}),
    "check_lch_reasoning_within_completion": ("llm_call_history", {"reasoning_tokens": 6}),
    "check_lch_cache_write_input_tokens": ("llm_call_history", {"cache_write_input_tokens": -1}),
    "check_lch_cache_within_prompt": ("llm_call_history", {"cache_write_input_tokens": 11}),
    "check_lch_provided_cost": ("llm_call_history", {"provided_cost": -0.01}),
    "check_lch_computed_cost": ("llm_call_history", "UPDATE computed_cost"),
    "check_lch_duration_seconds": ("llm_call_history", {"duration_seconds": -0.5}),
    "check_bah_api_method": ("bitbucket_api_history", {"api_method": "FETCH"}),
    "check_bah_status_code": ("bitbucket_api_history", {"status_code": 99}),
    "check_bah_duration_seconds": ("bitbucket_api_history", {"duration_seconds": -1}),
    "check_users_username": ("users", {"username": ""}),
    "check_workflows_status": ("workflows", {"status": "paused"}),
    "check_workflows_input_type": ("workflows", {"input_type": "planet"}),
    "check_workflows_search_radius": ("workflows", {"search_radius": -1}),
    "check_nodes_node_type_format": ("nodes", {"node_type": "Thinking!"}),
    "check_workflow_traces_source": ("workflow_traces", {"source": "zipkin"}),
    "check_workflow_spans_kind": ("workflow_spans", {"kind": "event"}),
    "check_workflow_spans_generation": ("workflow_spans", {"generation_id": 1}),
    "check_nodes_execution_order": ("nodes", {"execution_order": 0}),
    "check_nodes_status": ("nodes", {"status": "done"}),
    "check_nodes_duration_ms": ("nodes", {"duration_ms": -1}),
    "check_generations_temperature": ("generations", {"temperature": -0.1}),
    "check_generations_max_tokens": ("generations", {"max_tokens": -1}),
    "check_generations_prompt_tokens": ("generations", {"prompt_tokens": -1}),
    "check_generations_completion_tokens": ("generations", {"completion_tokens": -1}),
    "check_generations_total_tokens": ("generations", {"total_tokens": -1}),
    "check_generations_cached_input_tokens": ("generations", {"cached_input_tokens": -1}),
    "check_generations_reasoning_tokens": ("generations", {"reasoning_tokens": -1}),
    "check_generations_cached_within_prompt": ("generations", {"cached_input_tokens": 11}),
    "check_generations_reasoning_within_completion": ("generations", {"reasoning_tokens": 6}),
    "check_generations_cache_write_input_tokens": (
        "generations",
        {"cache_write_input_tokens": -1},
    ),
    "check_generations_cache_within_prompt": ("generations", {"cache_write_input_tokens": 11}),
    "check_generations_latency_ms": ("generations", {"latency_ms": -1}),
    "check_generations_provided_cost": ("generations", {"provided_cost": -1}),
    "check_generations_computed_cost": ("generations", "UPDATE computed_cost"),
    "check_job_runs_job_name": ("job_runs", {"job_name": ""}),
    "check_job_runs_status": ("job_runs", {"status": "done"}),
}

SCHEMA_CHECKS = """
    SELECT DISTINCT con.conname
    FROM pg_constraint AS con
    JOIN pg_class AS c ON c.oid = con.conrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE con.contype = 'c'
      AND n.nspname = 'public'
      AND NOT c.relispartition
"""


def test_every_check_constraint_is_exercised_here(postgresql):
    names = {row[0] for row in postgresql.execute(SCHEMA_CHECKS)}
    assert names - BAD.keys() == set(), "new CHECK constraints need a case in BAD"


@pytest.mark.parametrize("constraint", sorted(BAD))
def test_check_constraint_rejects_a_bad_value(postgresql, parents, constraint):
    table, change = BAD[constraint]
    row = valid_rows(parents)[table]
    with pytest.raises(errors.CheckViolation) as caught:
        if change == "UPDATE computed_cost":
            row_id = insert(postgresql, table, row)
            postgresql.execute(
                sql.SQL("UPDATE {} SET computed_cost = -1 WHERE id = %s").format(
                    sql.Identifier(table)
                ),
                [row_id],
            )
        else:
            insert(postgresql, table, {**row, **change}, KEYS.get(table, "id"))
    assert caught.value.diag.constraint_name == constraint


def test_valid_rows_are_accepted(postgresql, parents):
    for table, row in valid_rows(parents).items():
        insert(postgresql, table, row, KEYS.get(table, "id"))


def test_one_active_row_per_issue_key_and_retry_after_failure(postgresql):
    conn = postgresql
    conn.autocommit = True
    first = insert(conn, "issue_processing_history", {"issue_key": "GEN-1", "status": "processing"})
    for status in ("processing", "queued", "completed"):
        with pytest.raises(errors.UniqueViolation) as caught:
            insert(conn, "issue_processing_history", {"issue_key": "GEN-1", "status": status})
        assert caught.value.diag.constraint_name == "uq_iph_active_issue_key"

    conn.execute("UPDATE issue_processing_history SET status = 'failed' WHERE id = %s", [first])
    retry = insert(conn, "issue_processing_history", {"issue_key": "GEN-1", "status": "processing"})
    assert retry != first
    # A second failed row is fine too: failures are history, not claims.
    conn.execute("UPDATE issue_processing_history SET status = 'failed' WHERE id = %s", [retry])
    insert(conn, "issue_processing_history", {"issue_key": "GEN-1", "status": "failed"})


def partition_of(conn, table, row_id):
    statement = sql.SQL("SELECT tableoid::regclass::text FROM {} WHERE id = %s").format(
        sql.Identifier(table)
    )
    return conn.execute(statement, [row_id]).fetchone()[0]


def test_rows_land_in_their_monthly_partition_or_the_default(postgresql, parents):
    conn = postgresql
    now = conn.execute("SELECT now()").fetchone()[0].astimezone(dt.timezone.utc)
    this_month = f"_p{now:%Y%m}"
    far_future = now + dt.timedelta(days=5 * 366)
    base = valid_rows(parents)
    for table in (
        "file_modification_history",
        "llm_call_history",
        "bitbucket_api_history",
        "generations",
    ):
        current = insert(conn, table, base[table])
        stray = insert(conn, table, {**base[table], "created_at": far_future})
        assert partition_of(conn, table, current) == table + this_month
        assert partition_of(conn, table, stray) == table + "_default"

    counts = dict(
        conn.execute("SELECT table_name, row_count FROM pfr_default_partition_rows()").fetchall()
    )
    assert counts == {
        "bitbucket_api_history": 1,
        "file_modification_history": 1,
        "generations": 1,
        "llm_call_history": 1,
    }


def test_partitions_exist_for_this_month_and_three_ahead_and_ensure_is_idempotent(postgresql):
    conn = postgresql
    existing = {
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'llm_call_history'::regclass"
        )
    }
    today = conn.execute("SELECT (now() AT TIME ZONE 'UTC')::date").fetchone()[0]
    months = [(today.year * 12 + today.month - 1 + k) for k in range(4)]
    expected = {f"llm_call_history_p{m // 12}{m % 12 + 1:02d}" for m in months}
    assert expected <= existing

    first = conn.execute("SELECT * FROM pfr_ensure_partitions(3)").fetchall()
    assert first and not any(created for _, _, created in first)
    created = conn.execute("SELECT * FROM pfr_ensure_partitions(6)").fetchall()
    assert sum(1 for *_, c in created if c) == 4 * 3  # 4 partitioned tables, 3 new months
    again = conn.execute("SELECT * FROM pfr_ensure_partitions(6)").fetchall()
    assert not any(created for _, _, created in again)
    name = conn.execute(
        "SELECT pfr_create_month_partition('generations'::regclass, %s)", [today]
    ).fetchone()[0]
    assert name == f"generations_p{today:%Y%m}"


def test_calls_inserted_by_plain_sql_are_priced_by_reprice_and_unknown_models_stay_null(
    postgresql, parents, dsn
):
    """The package prices what it writes; a row another client INSERTs is unpriced until
    `pfr pricing reprice` prices it from the catalogue (NULL, never 0, when none applies)."""
    conn = postgresql
    conn.row_factory = dict_row
    base = valid_rows(parents)["llm_call_history"]
    priced = insert(
        conn,
        "llm_call_history",
        {**base, "prompt_tokens": 1000, "cached_input_tokens": 200, "completion_tokens": 500},
    )
    unknown = insert(conn, "llm_call_history", {**base, "model": "no-such-model"})
    provided = insert(conn, "llm_call_history", {**base, "provided_cost": Decimal("0.5")})
    conn.commit()
    query = "SELECT id, created_at, computed_cost, estimated_cost, pricing_id FROM llm_call_history"
    assert all(r["pricing_id"] is None for r in conn.execute(query))
    conn.commit()
    with Database.connect(dsn, min_size=1, max_size=2) as db:
        assert repricing.reprice(db).status == "succeeded"
    rows = {r["id"]: r for r in conn.execute(query)}
    cost = expected_cost(
        base["model"],
        None,
        rows[priced]["created_at"],
        input_tokens=1000,
        output_tokens=500,
        cache_read_tokens=200,
    )
    assert rows[priced]["computed_cost"] == rows[priced]["estimated_cost"] == cost
    assert rows[priced]["pricing_id"] is not None
    assert rows[unknown]["computed_cost"] is None and rows[unknown]["estimated_cost"] is None
    assert rows[provided]["estimated_cost"] == Decimal("0.5")


def test_views_give_exact_figures_for_an_issue_with_three_files_and_two_llm_calls(postgresql):
    conn = postgresql
    conn.row_factory = dict_row
    done = insert(
        conn,
        "issue_processing_history",
        {
            "issue_key": "GEN-7",
            "status": "completed",
            "processing_duration_seconds": 30,
            "modified_files_count": 3,
            "issue_data": Jsonb({"key": "GEN-7"}),
        },
    )
    insert(
        conn,
        "issue_processing_history",
        {"issue_key": "GEN-8", "status": "failed", "processing_duration_seconds": 5},
    )
    for path in ("a.py", "b.py", "c.py"):
        insert(
            conn,
            "file_modification_history",
            {"history_id": done, "file_path": path, "action": "modified"},
        )
    for cost, hit in ((Decimal("0.01"), True), (Decimal("0.02"), False)):
        insert(
            conn,
            "llm_call_history",
            {
                "history_id": done,
                "call_type": "code_diff",
                "model": "gpt-4o",
                "total_tokens": 100,
                "provided_cost": cost,
                "cache_hit": hit,
            },
        )

    recent = conn.execute("SELECT * FROM v_recent_issues WHERE id = %s", [done]).fetchone()
    assert recent["file_count"] == 3
    assert recent["llm_call_count"] == 2
    assert recent["total_llm_cost"] == Decimal("0.03")

    stats = conn.execute("SELECT * FROM v_processing_stats").fetchall()
    assert len(stats) == 1
    day = stats[0]
    assert (day["total_issues"], day["completed"], day["failed"]) == (2, 1, 1)
    assert day["success_rate"] == Decimal("50.00")
    assert day["avg_duration"] == Decimal("30.00")
    assert day["total_files_modified"] == 3

    cost = conn.execute("SELECT * FROM v_llm_cost_daily").fetchall()
    assert len(cost) == 1
    assert (cost[0]["total_calls"], cost[0]["cache_hits"]) == (2, 1)
    assert cost[0]["cache_hit_rate"] == Decimal("50.00")
    assert cost[0]["total_tokens"] == 200
    assert cost[0]["total_cost"] == Decimal("0.03")


def test_every_table_and_view_has_a_comment(postgresql):
    missing = postgresql.execute(
        """
        SELECT c.relname
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind IN ('r', 'p', 'v')
          AND NOT c.relispartition
          AND c.relname NOT LIKE '%%yoyo%%'
          AND obj_description(c.oid, 'pg_class') IS NULL
        """
    ).fetchall()
    assert missing == []


def test_foreign_keys_cascade_from_a_run_to_its_children(postgresql, parents):
    conn = postgresql
    base = valid_rows(parents)
    for table in ("file_modification_history", "llm_call_history", "bitbucket_api_history"):
        insert(conn, table, base[table])
    conn.execute("DELETE FROM issue_processing_history WHERE id = %s", [parents["history_id"]])
    for table in ("file_modification_history", "llm_call_history", "bitbucket_api_history"):
        count = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()[0]
        assert count == 0
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        insert(conn, "llm_call_history", base["llm_call_history"])
