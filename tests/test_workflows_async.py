"""The asyncio twin used natively (``async with``), next to the shared behavioural tests
in test_workflows_logger.py that run on both loggers."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from pydal_free_repo import AsyncWorkflowLogger
from pydal_free_repo.async_database import AsyncDatabase
from pydal_free_repo.errors import NotFound

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def alog(dsn):
    db = await AsyncDatabase.connect(dsn, max_size=8)
    try:
        yield AsyncWorkflowLogger(db)
    finally:
        await db.close()


async def test_a_run_through_the_async_logger(alog):
    user = await alog.get_or_create_user("async-user")
    workflow = await alog.start_workflow(user.id, {"user_input": "x", "input_type": "region"})
    async with alog.node_context("analyze_user_input", "analysis") as node:
        generation = await alog.log_generation("gpt-4o", "p", "o", prompt_tokens=10)
        await alog.log_node_complete(node.id, {"user_input": "x"}, {"ok": True})
    with pytest.raises(TimeoutError):
        async with alog.node_context("search_places", "search"):
            raise TimeoutError("places API")
    done = await alog.complete_workflow({"final_itinerary": [{"place": "p"}]})
    details = await alog.get_workflow_details(workflow.id)
    assert generation.node_id == node.id
    assert done.final_itinerary == [{"place": "p"}]
    assert [(n.node_name, n.status) for n in details["nodes"]] == [
        ("analyze_user_input", "completed"),
        ("search_places", "failed"),
    ]
    assert "TimeoutError: places API" in details["nodes"][1].error_traceback


async def test_concurrent_tasks_keep_their_own_current_node(alog):
    user = await alog.get_or_create_user("tasks")
    await alog.start_workflow(user.id, {})

    async def step(i):
        async with alog.node_context(f"step_{i}", "search") as node:
            await asyncio.sleep(0.01 * (i % 3))
            generation = await alog.log_generation("llama3.2", f"p{i}", "o")
            return node.id, generation.node_id

    pairs = await asyncio.gather(*(step(i) for i in range(10)))
    assert all(node_id == generation_node for node_id, generation_node in pairs)
    details = await alog.get_workflow_details()
    assert sorted(n.execution_order for n in details["nodes"]) == list(range(1, 11))


async def test_concurrent_get_or_create_makes_one_user(alog):
    users = await asyncio.gather(*(alog.get_or_create_user("same") for _ in range(16)))
    assert len({u.id for u in users}) == 1


async def test_unknown_workflow_is_not_found(alog):
    with pytest.raises(NotFound):
        await alog.get_workflow_details(123456)


async def test_connect_owns_its_pool(dsn):
    log = await AsyncWorkflowLogger.connect(dsn)
    async with log:
        assert (await log.get_or_create_user("owner")).username == "owner"
    assert log.db.pool.closed
