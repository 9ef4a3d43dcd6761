"""One logger shared by concurrent requests: each task's or thread's run stays its own.

Document 000's API has no workflow id on ``node_context``, ``log_generation`` or
``complete_workflow``: the current run and node are per task and per thread (context
variables), so 50 asyncio tasks sharing one ``AsyncWorkflowLogger`` and 16 threads
sharing one ``WorkflowLogger`` never put a node or a generation into another's run.
"""

from __future__ import annotations

import asyncio
import threading

import psycopg
import pytest

from pydal_free_repo import AsyncDatabase, AsyncWorkflowLogger, WorkflowLogger


def stored(dsn: str) -> dict[int, dict]:
    """Per workflow: its status, its nodes (name, parent name) and its generations' node names."""
    runs: dict[int, dict] = {}
    with psycopg.connect(dsn) as conn:
        for wid, status, user_input in conn.execute("SELECT id, status, user_input FROM workflows"):
            runs[wid] = {"status": status, "input": user_input, "nodes": set(), "generations": []}
        for wid, name, parent in conn.execute(
            "SELECT n.workflow_id, n.node_name, p.node_name FROM nodes AS n "
            "LEFT JOIN nodes AS p ON p.id = n.parent_node_id"
        ):
            runs[wid]["nodes"].add((name, parent))
        for wid, node_name, prompt in conn.execute(
            "SELECT g.workflow_id, n.node_name, g.user_prompt FROM generations AS g "
            "LEFT JOIN nodes AS n ON n.id = g.node_id AND n.workflow_id = g.workflow_id"
        ):
            runs[wid]["generations"].append((node_name, prompt))
    return runs


def assert_each_run_is_its_own(runs: dict[int, dict], expected: int) -> None:
    assert len(runs) == expected
    for run in runs.values():
        me = run["input"]
        assert run["status"] == "completed"
        assert run["nodes"] == {(f"outer_{me}", None), (f"inner_{me}", f"outer_{me}")}
        assert sorted(run["generations"]) == [(f"inner_{me}", f"in {me}"), (f"outer_{me}", me)]


@pytest.mark.asyncio
async def test_50_concurrent_asyncio_workflows_through_one_logger(dsn):
    db = await AsyncDatabase.connect(dsn, max_size=10)
    log = AsyncWorkflowLogger(db)
    user = await log.get_or_create_user("web")

    async def request(i: int) -> None:
        me = f"r{i}"
        await log.start_workflow(user.id, {"user_input": me})
        async with log.node_context(f"outer_{me}", "analysis"):
            await asyncio.sleep(0.001 * (i % 7))
            async with log.node_context(f"inner_{me}", "search"):
                await asyncio.sleep(0.001 * (i % 5))
                await log.log_generation("gpt-4o", f"in {me}", "o")
            await log.log_generation("gpt-4o", me, "o")
        await log.complete_workflow({})

    try:
        await asyncio.gather(*(request(i) for i in range(50)))
    finally:
        await db.close()
    assert_each_run_is_its_own(stored(dsn), 50)


def test_16_threads_through_one_logger(db, dsn):
    log = WorkflowLogger(db)
    user = log.get_or_create_user("threads")
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def request(i: int) -> None:
        me = f"t{i}"
        try:
            barrier.wait()
            log.start_workflow(user.id, {"user_input": me})
            with log.node_context(f"outer_{me}", "analysis"):
                with log.node_context(f"inner_{me}", "search"):
                    log.log_generation("gpt-4o", f"in {me}", "o")
                log.log_generation("gpt-4o", me, "o")
            log.complete_workflow({})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=request, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_each_run_is_its_own(stored(dsn), 16)


def test_a_task_sees_the_run_of_the_code_that_created_it_but_not_the_reverse(dsn):
    async def main() -> None:
        async with AsyncWorkflowLogger(dsn=dsn) as log:
            user = await log.get_or_create_user("parent")
            workflow = await log.start_workflow(user.id, {})

            async def child() -> int | None:
                seen = log.workflow_id
                await log.start_workflow(user.id, {})  # the child's own run from here on
                return seen

            assert await asyncio.create_task(child()) == workflow.id
            assert log.workflow_id == workflow.id

    asyncio.run(main())


def test_both_loggers_open_their_own_pool_on_first_use_and_close_it(dsn):
    log = WorkflowLogger(dsn=dsn)
    assert log.db is None
    with log:
        assert log.get_or_create_user("lazy").username == "lazy"
        assert log.db is not None
    assert log.db.pool.closed

    async def main() -> None:
        alog = AsyncWorkflowLogger(dsn=dsn)
        assert alog.db is None
        async with alog:
            assert (await alog.get_or_create_user("lazy")).username == "lazy"
        assert alog.db is not None and alog.db.pool.closed

    asyncio.run(main())
