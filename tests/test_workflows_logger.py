"""Workflow logger (document 000) on a real PostgreSQL.

Every behavioural test runs twice: on ``WorkflowLogger`` and on ``AsyncWorkflowLogger``
(driven from the test through ``tests/_blocking.Blocking``, whose event loop runs in a
thread), so the async twin is held to exactly the same behaviour.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pytest
from _blocking import Blocking

from pydal_free_repo import AsyncWorkflowLogger, WorkflowLogger
from pydal_free_repo.async_database import AsyncDatabase
from pydal_free_repo.errors import InvalidTransition, InvalidValue, NotFound
from tests._pricing import document_prices

STATE = {
    "user_input": "A quiet Saturday in Seongsu",
    "input_type": "region",
    "time_settings": {"start": "10:00", "end": "18:00"},
    "date_theme": {"theme": "cafe"},
    "user_intent": None,
    "search_radius": 1.5,
}


async def _open_async(dsn: str) -> AsyncWorkflowLogger:
    return AsyncWorkflowLogger(await AsyncDatabase.connect(dsn, max_size=20))


@pytest.fixture(params=["sync", "async"])
def logger(request, db, dsn):
    # The figures below are document 004's prices; set as the user's own, they win.
    document_prices(db)
    if request.param == "sync":
        log = WorkflowLogger(db)
        yield log
        log.close()
    else:
        if sys.version_info < (3, 11):
            pytest.skip("the blocking facade needs Task(context=), Python 3.11+")
        log = Blocking(lambda: _open_async(dsn))
        try:
            yield log
        finally:
            log.shutdown(lambda target: target.db.close())


def one(dsn: str, query: str, params: dict):
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchone()


def test_get_or_create_user_returns_the_same_user(logger):
    first = logger.get_or_create_user("user123", email="user@example.com")
    again = logger.get_or_create_user("user123")
    assert again.id == first.id
    assert again.email == "user@example.com"
    assert logger.get_or_create_user("other").id != first.id


def test_get_or_create_user_from_16_threads_makes_one_row(logger, dsn):
    barrier = threading.Barrier(16)

    def create(_):
        barrier.wait()
        return logger.get_or_create_user("racer").id

    with ThreadPoolExecutor(16) as pool:
        ids = set(pool.map(create, range(16)))
    assert len(ids) == 1
    assert one(dsn, "SELECT COUNT(*) FROM users WHERE username = %(u)s", {"u": "racer"}) == (1,)


def test_empty_username_is_refused(logger):
    with pytest.raises(InvalidValue):
        logger.get_or_create_user("")


def test_start_workflow_stores_the_state_and_runs(logger):
    user = logger.get_or_create_user("u")
    workflow = logger.start_workflow(user.id, STATE)
    assert workflow.status == "running"
    assert workflow.user_input == STATE["user_input"]
    assert workflow.input_type == "region"
    assert workflow.time_settings == {"start": "10:00", "end": "18:00"}
    assert workflow.date_theme == {"theme": "cafe"}
    assert workflow.search_radius == Decimal("1.5")
    assert logger.workflow_id == workflow.id


def test_start_workflow_refuses_an_unknown_input_type(logger):
    user = logger.get_or_create_user("u")
    with pytest.raises(InvalidValue, match="input_type"):
        logger.start_workflow(user.id, {**STATE, "input_type": "planet"})


def test_start_workflow_for_an_unknown_user_is_not_found(logger):
    with pytest.raises(NotFound):
        logger.start_workflow(999_999, STATE)


def test_nodes_are_ordered_and_completed_with_a_duration(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    names = ["analyze_user_input", "search_places", "generate_itinerary"]
    for name in names:
        with logger.node_context(name, "analysis", input_data={"n": name}) as node:
            assert node.status == "running"
            assert node.id > 0
    details = logger.get_workflow_details(logger.workflow_id)
    nodes = details["nodes"]
    assert [n.node_name for n in nodes] == names
    assert [n.execution_order for n in nodes] == [1, 2, 3]
    assert all(n.status == "completed" for n in nodes)
    assert all(n.duration_ms is not None and n.duration_ms >= 0 for n in nodes)
    assert all(n.completed_at >= n.started_at for n in nodes)
    assert nodes[0].input_data == {"n": "analyze_user_input"}


def test_concurrent_nodes_of_one_workflow_get_distinct_orders(logger):
    user = logger.get_or_create_user("u")
    workflow = logger.start_workflow(user.id, STATE)

    def run(i):
        with logger.node_context(f"parallel_{i}", "search", workflow_id=workflow.id) as node:
            return node.execution_order

    with ThreadPoolExecutor(8) as pool:
        orders = sorted(pool.map(run, range(24)))
    assert orders == list(range(1, 25))


def test_log_node_complete_stores_state_and_output_once(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with logger.node_context("analyze_user_input", "analysis") as node:
        done = logger.log_node_complete(
            node.id, {**STATE, "user_intent": {"mood": "calm"}}, {"ok": 1}
        )
        assert done.status == "completed"
    after = logger.get_workflow_details()["nodes"][0]
    assert after.state_data["user_intent"] == {"mood": "calm"}
    assert after.output_data == {"ok": 1}
    assert after.completed_at == done.completed_at  # the context's exit did not re-complete it


def test_a_failing_node_keeps_its_traceback_and_the_workflow_can_still_end(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with pytest.raises(ZeroDivisionError), logger.node_context("divide", "routing"):
        1 / 0  # noqa: B018
    with logger.node_context("recover", "routing"):
        pass
    node = logger.get_workflow_details()["nodes"][0]
    assert node.status == "failed"
    assert node.error_message == "ZeroDivisionError: division by zero"
    assert "Traceback (most recent call last)" in node.error_traceback
    assert "1 / 0" in node.error_traceback
    assert node.duration_ms is not None
    finished = logger.complete_workflow({"final_itinerary": [{"place": "cafe"}]})
    assert finished.status == "completed"


def test_a_failing_node_then_fail_workflow(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with pytest.raises(RuntimeError), logger.node_context("search_places", "search"):
        raise RuntimeError("places API down")
    failed = logger.fail_workflow("places API down")
    assert failed.status == "failed"
    assert failed.error_message == "places API down"
    assert failed.completed_at is not None


def test_completing_a_failed_node_is_refused(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with pytest.raises(ValueError), logger.node_context("n", "analysis") as node:
        raise ValueError("bad")
    with pytest.raises(InvalidTransition, match="failed"):
        logger.log_node_complete(node.id, STATE)
    with pytest.raises(NotFound):
        logger.log_node_complete(999_999, STATE)


def test_generation_is_priced_from_model_pricing(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with logger.node_context("generate_itinerary", "generation") as node:
        priced = logger.log_generation(
            "gpt-4o",
            "plan my day",
            "09:00 coffee",
            model_provider="openai",
            system_prompt="You plan trips.",
            parsed_output={"items": 1},
            temperature=0.7,
            prompt_tokens=1000,
            completion_tokens=500,
            latency_ms=120,
            node_id=node.id,
        )
    # gpt-4o: $5 per 1M input tokens, $15 per 1M output tokens
    assert priced.estimated_cost == Decimal("0.012500")
    assert priced.computed_cost == Decimal("0.012500")
    assert priced.pricing_id is not None
    assert priced.total_tokens == 1500
    assert priced.node_id == node.id
    unpriced = logger.log_generation("llama3.2", "p", "o", prompt_tokens=10, completion_tokens=5)
    assert unpriced.estimated_cost is None
    assert unpriced.node_id is None


def test_generation_inside_a_node_defaults_to_that_node(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with logger.node_context("outer", "analysis") as outer:
        first = logger.log_generation("llama3.2", "p", "o")
        with logger.node_context("inner", "generation") as inner:
            second = logger.log_generation("llama3.2", "p", "o")
        third = logger.log_generation("llama3.2", "p", "o")
    assert (first.node_id, second.node_id, third.node_id) == (outer.id, inner.id, outer.id)


def test_generation_values_are_checked(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with pytest.raises(InvalidValue, match="prompt_tokens"):
        logger.log_generation("gpt-4o", "p", "o", prompt_tokens=-1)
    with pytest.raises(InvalidValue, match="cached_input_tokens"):
        logger.log_generation("gpt-4o", "p", "o", prompt_tokens=1, cached_input_tokens=2)


def test_nul_characters_are_stored_as_replacement_characters(logger):
    user = logger.get_or_create_user("nul\x00user")
    assert user.username == "nul\ufffduser"
    logger.start_workflow(user.id, {**STATE, "user_input": "a\x00b"})
    generation = logger.log_generation("m", "p\x00", "o\x00", parsed_output={"k\x00": "v\x00"})
    assert generation.output == "o\ufffd"
    assert generation.parsed_output == {"k\ufffd": "v\ufffd"}


def test_complete_workflow_stores_the_itinerary_once(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    itinerary = [{"time": "10:00", "place": "Seoul Forest"}, {"time": "12:00", "place": "lunch"}]
    done = logger.complete_workflow(
        {**STATE, "final_itinerary": itinerary, "user_intent": {"a": 1}}
    )
    assert done.status == "completed"
    assert done.final_itinerary == itinerary
    assert done.user_intent == {"a": 1}
    with pytest.raises(InvalidTransition, match="already completed"):
        logger.complete_workflow({"final_itinerary": []})
    with pytest.raises(InvalidTransition):
        logger.fail_workflow("too late")


def test_cancel_workflow_records_the_reason(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    cancelled = logger.cancel_workflow("user closed the tab")
    assert (cancelled.status, cancelled.error_message) == ("cancelled", "user closed the tab")


def test_operations_need_a_workflow(logger):
    with pytest.raises(InvalidTransition, match="start_workflow"):
        logger.log_generation("gpt-4o", "p", "o")
    with pytest.raises(NotFound), logger.node_context("n", "analysis", workflow_id=999_999):
        pass
    with pytest.raises(NotFound):
        logger.get_workflow_details(999_999)


def test_history_is_newest_first_and_limited(logger):
    user = logger.get_or_create_user("u")
    ids = [
        logger.start_workflow(user.id, {**STATE, "user_input": f"trip {i}"}).id for i in range(4)
    ]
    history = logger.get_workflow_history(user.id, limit=3)
    assert [w.id for w in history] == ids[::-1][:3]
    assert logger.get_workflow_history(logger.get_or_create_user("nobody").id) == []


def test_details_have_the_workflow_nodes_and_generations(logger):
    user = logger.get_or_create_user("u")
    workflow = logger.start_workflow(user.id, STATE)
    with logger.node_context("a", "analysis"):
        logger.log_generation("gpt-4o", "p", "o", prompt_tokens=1, completion_tokens=1)
    logger.log_generation("gpt-4o", "p2", "o2")
    details = logger.get_workflow_details(workflow.id)
    assert details["workflow"].id == workflow.id
    assert len(details["nodes"]) == 1
    assert [g.user_prompt for g in details["generations"]] == ["p", "p2"]


def test_list_workflows_filters_by_user_and_status(logger):
    alice = logger.get_or_create_user("alice")
    bob = logger.get_or_create_user("bob")
    logger.start_workflow(alice.id, STATE)
    logger.log_generation("gpt-4o", "p", "o", prompt_tokens=1000, completion_tokens=0)
    logger.log_generation("gpt-4o", "p", "o", prompt_tokens=1000, completion_tokens=0)
    logger.complete_workflow({})
    logger.start_workflow(bob.id, STATE)
    rows = logger.list_workflows(username="alice")
    assert [(r["username"], r["status"], r["generation_count"]) for r in rows] == [
        ("alice", "completed", 2)
    ]
    assert rows[0]["total_cost"] == Decimal("0.010000")
    assert [r["username"] for r in logger.list_workflows(status="running")] == ["bob"]


def test_statistics_read_the_views(logger):
    user = logger.get_or_create_user("stats")
    logger.start_workflow(user.id, STATE)
    with logger.node_context("search_places", "search"):
        logger.log_generation("gpt-4o", "p", "o", model_provider="openai", prompt_tokens=1000)
    with pytest.raises(OSError), logger.node_context("search_places", "search"):
        raise OSError("network")
    logger.fail_workflow("network")
    (nodes,) = logger.node_performance()
    assert (nodes["node_name"], nodes["calls"], nodes["failures"]) == ("search_places", 2, 1)
    (usage,) = logger.generation_usage(days=1)
    assert (usage["model_name"], usage["calls"], usage["total_cost"]) == (
        "gpt-4o",
        1,
        Decimal("0.005000"),
    )
    (daily,) = logger.workflows_daily(days=1)
    assert (daily["status"], daily["workflows"]) == ("failed", 1)


def test_a_node_opened_inside_another_records_it_as_its_parent(logger):
    user = logger.get_or_create_user("u")
    logger.start_workflow(user.id, STATE)
    with logger.node_context("plan", "routing") as outer:
        with logger.node_context("search_places", "search") as inner:
            generation = logger.log_generation("gpt-4o", "p", "o")
        with logger.node_context("rank", "analysis") as sibling:
            pass
    with logger.node_context("generate_itinerary", "generation") as after:
        pass
    nodes = {n.id: n for n in logger.get_workflow_details()["nodes"]}
    assert nodes[outer.id].parent_node_id is None
    assert nodes[inner.id].parent_node_id == outer.id
    assert nodes[sibling.id].parent_node_id == outer.id
    assert nodes[after.id].parent_node_id is None
    assert generation.node_id == inner.id
