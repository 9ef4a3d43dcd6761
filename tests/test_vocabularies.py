"""Open vocabularies (issue 12, item 5): node_type and call_type take what real agents and
OpenTelemetry operation names use, under a format CHECK a DBA can read; workflows keep a
free JSON state."""

from __future__ import annotations

import psycopg
import pytest

from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.issues.repository import IssueHistory
from pydal_free_repo.workflows.logger import WorkflowLogger
from pydal_free_repo.writer import BufferedWriter

REAL_NODE_TYPES = ["tool", "llm", "agent", "retrieval", "embedding", "review", "execute_tool"]


def test_real_agents_node_types_are_stored(db, dsn):
    logger = WorkflowLogger(db)
    user = logger.get_or_create_user("vocab")
    logger.start_workflow(user.id, {})
    for node_type in [*REAL_NODE_TYPES, "analysis", "routing"]:
        with logger.node_context(f"step_{node_type}", node_type):
            pass
    with psycopg.connect(dsn) as conn:
        stored = [r[0] for r in conn.execute("SELECT node_type FROM nodes ORDER BY id")]
    assert stored == [*REAL_NODE_TYPES, "analysis", "routing"]


@pytest.mark.parametrize("bad", ["Tool", "1st", "tool call", "a" * 21, "", "tool;drop"])
def test_node_type_outside_the_format_is_refused_before_any_write(db, dsn, bad):
    logger = WorkflowLogger(db)
    logger.start_workflow(logger.get_or_create_user("vocab").id, {})
    with pytest.raises(InvalidValue, match="node_type"):
        logger.start_node("x", bad)


def test_the_database_itself_refuses_a_malformed_node_type(dsn):
    """The CHECK guards writers that bypass the package (psql, another language)."""
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO users (username) VALUES ('dba')")
        conn.execute("INSERT INTO workflows (user_id) SELECT id FROM users")
        with pytest.raises(psycopg.errors.CheckViolation, match="check_nodes_node_type_format"):
            conn.execute(
                "INSERT INTO nodes (workflow_id, node_name, node_type, execution_order) "
                "SELECT id, 'n', 'Not A Word', 1 FROM workflows"
            )


def test_constraints_are_validated_and_readable(dsn):
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname IN ('check_nodes_node_type_format', 'check_lch_call_type_format') "
            "AND conrelid IN ('nodes'::regclass, 'llm_call_history'::regclass) "
            "ORDER BY conname"
        ).fetchall()
    assert [r[0] for r in rows] == ["check_lch_call_type_format", "check_nodes_node_type_format"]
    assert all(r[1] for r in rows)
    assert "^[a-z][a-z0-9_.-]{0,19}$" in rows[1][2]


def test_call_types_beyond_document_004(db, dsn):
    history = IssueHistory(db)
    run = history.claim({"key": "PROJ-1"}).history_id
    history.record_llm_call(run, call_type="review", model="gpt-4o", prompt_tokens=3)
    history.record_llm_call(run, call_type="spec_conversion", model="gpt-4o", prompt_tokens=3)
    with BufferedWriter(db) as writer:
        writer.llm_call(run, "embeddings", "text-embedding-3-small", prompt_tokens=5)
    with pytest.raises(InvalidValue, match="call_type"):
        history.record_llm_call(run, call_type="Review Please", model="gpt-4o")
    with psycopg.connect(dsn) as conn:
        stored = sorted(r[0] for r in conn.execute("SELECT call_type FROM llm_call_history"))
    assert stored == ["embeddings", "review", "spec_conversion"]


def test_workflows_keep_any_json_state_beside_the_travel_planner_columns(db, dsn):
    logger = WorkflowLogger(db)
    user = logger.get_or_create_user("state")
    state = {
        "user_input": "Kyoto in spring",
        "input_type": "region",
        "messages": [{"role": "user", "content": "Kyoto in spring"}],
        "plan": ["temples", "gardens"],
        "client": object(),  # not JSON: kept as its text, the run still starts
    }
    started = logger.start_workflow(user.id, state=state)
    assert started.user_input == "Kyoto in spring" and started.input_type == "region"
    assert started.state["plan"] == ["temples", "gardens"]
    assert started.state["client"].startswith("<object object")
    done = logger.complete_workflow(
        state={"plan": ["temples"], "final_itinerary": [{"time": "09:00"}]}
    )
    assert done.state == {"plan": ["temples"], "final_itinerary": [{"time": "09:00"}]}
    assert done.final_itinerary == [{"time": "09:00"}]
    assert logger.get_workflow(done.id).state == done.state


def test_a_run_started_without_state_keeps_null_state(db):
    logger = WorkflowLogger(db)
    started = logger.start_workflow(logger.get_or_create_user("nostate").id, None)
    assert started.state is None
    assert logger.complete_workflow().state is None
