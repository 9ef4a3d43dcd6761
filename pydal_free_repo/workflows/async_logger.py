"""``AsyncWorkflowLogger``: the operations of ``WorkflowLogger`` as coroutines.

It runs the same named queries (``sql/workflows/``) with the same parameters
(``params``) and row mapping (``records``) on ``AsyncDatabase``; only the awaiting
differs. The current node is tracked per asyncio task, so ``log_generation`` inside
``async with log.node_context(...)`` is attributed to that node even with concurrent
tasks.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from psycopg.rows import class_row

from pydal_free_repo import pricing
from pydal_free_repo.async_database import AsyncDatabase
from pydal_free_repo.errors import Conflict, NotFound, PfrError
from pydal_free_repo.workflows import params as P
from pydal_free_repo.workflows.base import (
    USER_ATTEMPTS,
    LoggerState,
    log,
    node_refused,
    workflow_refused,
)
from pydal_free_repo.workflows.records import Generation, Node, User, Workflow


class AsyncWorkflowLogger(LoggerState):
    """Log users, workflow runs, their nodes and LLM generations, from asyncio code."""

    def __init__(self, db: AsyncDatabase):
        super().__init__()
        self._owns_db = False
        self.db = db

    @classmethod
    async def connect(cls, dsn: str | None = None) -> AsyncWorkflowLogger:
        """A logger on its own pool (``dsn``, else DATABASE_URL, else the embedded server)."""
        logger = cls(await AsyncDatabase.connect(dsn))
        logger._owns_db = True
        return logger

    async def __aenter__(self) -> AsyncWorkflowLogger:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Forget the current run; close the database only if this logger opened it."""
        self.workflow_id = None
        if self._owns_db:
            await self.db.close()

    async def get_or_create_user(self, username: str, email: str | None = None) -> User:
        values = P.user(username, email)
        for _ in range(USER_ATTEMPTS):
            user = await self.db.fetch_one(
                "workflows/user_get_or_create", values, row_factory=class_row(User)
            )
            if user is not None:
                return user
        raise Conflict(f"user {username!r} could not be created or read; try again")

    async def start_workflow(self, user_id: int, state: Any) -> Workflow:
        workflow = await self.db.fetch_one(
            "workflows/workflow_start",
            P.workflow_start(user_id, state),
            row_factory=class_row(Workflow),
        )
        assert workflow is not None
        self.workflow_id = workflow.id
        return workflow

    async def start_node(
        self,
        node_name: str,
        node_type: str | None = None,
        input_data: Any = None,
        *,
        workflow_id: int | None = None,
    ) -> Node:
        chosen = self._workflow(workflow_id)
        values = P.node_create(chosen, node_name, node_type, input_data)
        async with self.db.transaction() as conn:
            if await self.db.fetch_one("workflows/workflow_lock", values, conn=conn) is None:
                raise NotFound(f"no workflow with id {chosen}")
            node = await self.db.fetch_one(
                "workflows/node_create", values, conn=conn, row_factory=class_row(Node)
            )
        assert node is not None
        return node

    @contextlib.asynccontextmanager
    async def node_context(
        self,
        node_name: str,
        node_type: str | None = None,
        input_data: Any = None,
        *,
        workflow_id: int | None = None,
    ) -> AsyncIterator[Node]:
        """``async with log.node_context(...) as node:``; see ``WorkflowLogger.node_context``."""
        node = await self.start_node(node_name, node_type, input_data, workflow_id=workflow_id)
        token = self._node.set(node.id)
        try:
            yield node
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._node.reset(token)
            token = None
            await self._record_node_failure(node.id, exc)
            raise
        finally:
            if token is not None:
                self._node.reset(token)
        await self.log_node_complete(node.id, None)

    async def _record_node_failure(self, node_id: int, exc: BaseException) -> None:
        try:
            await self.db.fetch_one("workflows/node_fail", P.node_fail(node_id, exc))
        except PfrError as failure:
            log.error("could not record the failure of node %s: %s", node_id, failure)

    async def log_node_complete(self, node_id: int, state: Any, output_data: Any = None) -> Node:
        node = await self.db.fetch_one(
            "workflows/node_complete",
            P.node_complete(node_id, state, output_data),
            row_factory=class_row(Node),
        )
        if node is None:
            current = await self.db.fetch_one(
                "workflows/node_get", {"node_id": node_id}, row_factory=class_row(Node)
            )
            raise node_refused(node_id, current, "complete")
        return node

    async def log_generation(
        self,
        model_name: str,
        user_prompt: str | None = None,
        output: str | None = None,
        *,
        model_provider: str | None = None,
        system_prompt: str | None = None,
        parsed_output: Any = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        total_tokens: int | None = None,
        cached_input_tokens: int | None = None,
        cache_write_input_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        latency_ms: int | None = None,
        node_id: int | None = None,
        provided_cost: float | None = None,
        workflow_id: int | None = None,
        usage: Any = None,
    ) -> Generation:
        values = P.generation(
            workflow_id=self._workflow(workflow_id),
            node_id=self._current_node(node_id),
            model_name=model_name,
            user_prompt=user_prompt,
            output=output,
            model_provider=model_provider,
            system_prompt=system_prompt,
            parsed_output=parsed_output,
            temperature=temperature,
            max_tokens=max_tokens,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=total_tokens,
            cached_input_tokens=cached_input_tokens,
            cache_write_input_tokens=cache_write_input_tokens,
            reasoning_tokens=reasoning_tokens,
            latency_ms=latency_ms,
            provided_cost=provided_cost,
            usage=usage,
        )
        values["created_at"] = pricing.now()
        pricing.price_row(await pricing.abook(self.db), values, "model_name", "model_provider")
        generation = await self.db.fetch_one(
            "workflows/generation_insert", values, row_factory=class_row(Generation)
        )
        assert generation is not None
        return generation

    async def complete_workflow(
        self, state: Any = None, status: str = "completed", *, workflow_id: int | None = None
    ) -> Workflow:
        chosen = self._workflow(workflow_id)
        return await self._finish(
            "workflows/workflow_complete", P.workflow_complete(chosen, state, status), "complete"
        )

    async def fail_workflow(self, error: Any, *, workflow_id: int | None = None) -> Workflow:
        chosen = self._workflow(workflow_id)
        return await self._finish(
            "workflows/workflow_fail", P.workflow_end(chosen, "failed", error), "fail"
        )

    async def cancel_workflow(
        self, reason: str | None = None, *, workflow_id: int | None = None
    ) -> Workflow:
        chosen = self._workflow(workflow_id)
        return await self._finish(
            "workflows/workflow_fail", P.workflow_end(chosen, "cancelled", reason), "cancel"
        )

    async def _finish(self, name: str, values: dict[str, Any], action: str) -> Workflow:
        workflow = await self.db.fetch_one(name, values, row_factory=class_row(Workflow))
        if workflow is None:
            current = await self.get_workflow(values["workflow_id"])
            raise workflow_refused(values["workflow_id"], current, action)
        return workflow

    async def get_workflow(self, workflow_id: int) -> Workflow | None:
        return await self.db.fetch_one(
            "workflows/workflow_get", {"workflow_id": workflow_id}, row_factory=class_row(Workflow)
        )

    async def get_workflow_history(self, user_id: int, limit: int = 10) -> list[Workflow]:
        return await self.db.fetch_all(
            "workflows/workflow_history",
            {"user_id": user_id, "limit": P.count(limit, "limit")},
            row_factory=class_row(Workflow),
        )

    async def get_workflow_details(self, workflow_id: int | None = None) -> dict[str, Any]:
        chosen = self._workflow(workflow_id)
        key = {"workflow_id": chosen}
        async with self.db.transaction() as conn:
            workflow = await self.db.fetch_one(
                "workflows/workflow_get", key, conn=conn, row_factory=class_row(Workflow)
            )
            if workflow is None:
                raise NotFound(f"no workflow with id {chosen}")
            nodes = await self.db.fetch_all(
                "workflows/workflow_nodes", key, conn=conn, row_factory=class_row(Node)
            )
            generations = await self.db.fetch_all(
                "workflows/workflow_generations",
                key,
                conn=conn,
                row_factory=class_row(Generation),
            )
        return {"workflow": workflow, "nodes": nodes, "generations": generations}

    async def list_workflows(
        self, *, username: str | None = None, status: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        return await self.db.fetch_all(
            "workflows/workflow_list",
            {"username": username, "status": status, "limit": P.count(limit, "limit")},
        )

    async def node_performance(self) -> list[dict[str, Any]]:
        return await self.db.fetch_all("workflows/stats_nodes")

    async def generation_usage(self, days: int = 30) -> list[dict[str, Any]]:
        return await self.db.fetch_all("workflows/stats_usage", {"days": P.count(days, "days")})

    async def workflows_daily(self, days: int = 30) -> list[dict[str, Any]]:
        return await self.db.fetch_all("workflows/stats_daily", {"days": P.count(days, "days")})
