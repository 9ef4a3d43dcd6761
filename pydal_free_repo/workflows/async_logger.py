"""``AsyncWorkflowLogger``: document 000's ``DatabaseLogger`` on the package's named SQL.

``start_workflow`` makes a run current, and ``node_context``, ``log_generation``,
``complete_workflow``, ``fail_workflow`` and ``cancel_workflow`` act on it unless given
``workflow_id=``. The current run and the innermost open node are kept per thread and
per asyncio task in context variables, so one logger shared by concurrent requests never
mixes their workflows; a node opened inside another records it as its parent. Every
method runs named queries from ``sql/workflows/`` and returns frozen dataclasses from
``records``.

Construction is the same for the sync and the async logger: ``AsyncWorkflowLogger(db)``
uses your pool; ``AsyncWorkflowLogger()`` opens its own pool (``DATABASE_URL``, else the
embedded server) on first use and closes it in ``close()``;
``await AsyncWorkflowLogger.connect(dsn)`` opens it at once.

Async source: ``WorkflowLogger`` (``workflows/logger.py``) is generated from this file by
``tools/async_to_sync.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from psycopg.rows import class_row

from pydal_free_repo import pricing
from pydal_free_repo.async_database import AsyncDatabase
from pydal_free_repo.errors import Conflict, NotFound, PfrError
from pydal_free_repo.rows import workflows as R
from pydal_free_repo.rows.checks import count
from pydal_free_repo.workflows.base import (
    USER_ATTEMPTS,
    LoggerState,
    log,
    node_refused,
    workflow_refused,
)
from pydal_free_repo.workflows.records import (
    FinalStatus,
    Generation,
    Node,
    User,
    Workflow,
    WorkflowStatus,
)


class AsyncWorkflowLogger(LoggerState):
    """Log users, workflow runs, their nodes and LLM generations (document 000)."""

    def __init__(self, db: AsyncDatabase | None = None, *, dsn: str | None = None):
        super().__init__()
        self.db = db
        self._dsn = dsn
        self._owns_db = db is None
        self._opening = asyncio.Lock()

    @classmethod
    async def connect(cls, dsn: str | None = None) -> AsyncWorkflowLogger:
        """A logger on its own pool (``dsn``, else DATABASE_URL, else the embedded server),
        opened now rather than on first use."""
        logger = cls(dsn=dsn)
        await logger._database()
        return logger

    async def _database(self) -> AsyncDatabase:
        if self.db is None:
            async with self._opening:
                if self.db is None:
                    self.db = await AsyncDatabase.connect(self._dsn)
        return self.db

    async def __aenter__(self) -> AsyncWorkflowLogger:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Forget the current run; close the database only if this logger opened it."""
        self.workflow_id = None
        if self._owns_db and self.db is not None:
            await self.db.close()

    async def get_or_create_user(self, username: str, email: str | None = None) -> User:
        db = await self._database()
        values = R.user(username, email)
        for _ in range(USER_ATTEMPTS):
            user = await db.fetch_optional(
                "workflows/user_get_or_create", values, row_factory=class_row(User)
            )
            if user is not None:
                return user
        raise Conflict(f"user {username!r} could not be created or read; try again")

    async def start_workflow(self, user_id: int, state: Any) -> Workflow:
        """Start a run (status running) from the document's initial state; it becomes
        the current run of the calling task or thread."""
        db = await self._database()
        workflow = await db.fetch_one(
            "workflows/workflow_start",
            R.workflow_start(user_id, state),
            row_factory=class_row(Workflow),
        )
        self.workflow_id = workflow.id
        return workflow

    async def start_node(
        self,
        node_name: str,
        node_type: str | None = None,
        input_data: Any = None,
        *,
        workflow_id: int | None = None,
        parent_node_id: int | None = None,
    ) -> Node:
        """Add the run's next node (execution_order = previous + 1), status running; its
        parent is ``parent_node_id``, else the innermost open ``node_context``."""
        db = await self._database()
        chosen = self._workflow(workflow_id)
        parent = self._current_node(parent_node_id, chosen)
        values = R.node_create(chosen, node_name, node_type, input_data, parent)
        async with db.transaction() as conn:
            if await db.fetch_optional("workflows/workflow_lock", values, conn=conn) is None:
                raise NotFound(f"no workflow with id {chosen}")
            return await db.fetch_one(
                "workflows/node_create", values, conn=conn, row_factory=class_row(Node)
            )

    @contextlib.asynccontextmanager
    async def node_context(
        self,
        node_name: str,
        node_type: str | None = None,
        input_data: Any = None,
        *,
        workflow_id: int | None = None,
    ) -> AsyncIterator[Node]:
        """Run a node (``async with log.node_context(...) as node:``): completed with its
        duration on exit, or failed with the traceback of the exception, which is then
        re-raised unchanged. Nodes opened inside it record it as their parent."""
        node = await self.start_node(node_name, node_type, input_data, workflow_id=workflow_id)
        token = self._node.set((node.workflow_id, node.id))
        reset = False
        try:
            yield node
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._node.reset(token)
            reset = True
            await self._record_node_failure(node.id, exc)
            raise
        finally:
            if not reset:
                self._node.reset(token)
        await self.log_node_complete(node.id, None)

    async def _record_node_failure(self, node_id: int, exc: BaseException) -> None:
        try:
            db = await self._database()
            await db.fetch_optional("workflows/node_fail", R.node_fail(node_id, exc))
        except PfrError as failure:
            # The agent's own exception matters more than the log: it is re-raised.
            log.error("could not record the failure of node %s: %s", node_id, failure)

    async def log_node_complete(self, node_id: int, state: Any, output_data: Any = None) -> Node:
        """Mark a node completed and store the state after it (and its output)."""
        db = await self._database()
        node = await db.fetch_optional(
            "workflows/node_complete",
            R.node_complete(node_id, state, output_data),
            row_factory=class_row(Node),
        )
        if node is None:
            current = await db.fetch_optional(
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
        """Record one LLM call of the run, priced at once (the user's price, else the
        genai-prices catalogue; NULL for a model nobody prices). ``usage`` is whatever the
        client returned (see ``pydal_free_repo.usage``): it fills the token counts not
        given, the model and provider; it never raises over an unreadable usage.

        ``node_id`` defaults to the innermost open ``node_context`` of this task or thread."""
        db = await self._database()
        chosen = self._workflow(workflow_id)
        values = R.generation(
            workflow_id=chosen,
            node_id=self._current_node(node_id, chosen),
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
        values["created_at"] = values["created_at"] or pricing.now()
        pricing.price_row(await _prices(db), values, "model_name", "model_provider")
        return await db.fetch_one(
            "workflows/generation_insert", values, row_factory=class_row(Generation)
        )

    async def complete_workflow(
        self,
        state: Any = None,
        status: FinalStatus = "completed",
        *,
        workflow_id: int | None = None,
    ) -> Workflow:
        """End the running run with ``state``'s final_itinerary."""
        chosen = self._workflow(workflow_id)
        return await self._finish(
            "workflows/workflow_complete", R.workflow_complete(chosen, state, status), "complete"
        )

    async def fail_workflow(self, error: Any, *, workflow_id: int | None = None) -> Workflow:
        """End the running run as failed; ``error`` is a message or an exception."""
        chosen = self._workflow(workflow_id)
        return await self._finish(
            "workflows/workflow_fail", R.workflow_end(chosen, "failed", error), "fail"
        )

    async def cancel_workflow(
        self, reason: str | None = None, *, workflow_id: int | None = None
    ) -> Workflow:
        chosen = self._workflow(workflow_id)
        return await self._finish(
            "workflows/workflow_fail", R.workflow_end(chosen, "cancelled", reason), "cancel"
        )

    async def _finish(self, name: str, values: dict[str, Any], action: str) -> Workflow:
        db = await self._database()
        workflow = await db.fetch_optional(name, values, row_factory=class_row(Workflow))
        if workflow is None:
            current = await self.get_workflow(values["workflow_id"])
            raise workflow_refused(values["workflow_id"], current, action)
        return workflow

    async def get_workflow(self, workflow_id: int) -> Workflow | None:
        db = await self._database()
        return await db.fetch_optional(
            "workflows/workflow_get", {"workflow_id": workflow_id}, row_factory=class_row(Workflow)
        )

    async def get_workflow_history(self, user_id: int, limit: int = 10) -> list[Workflow]:
        """The user's latest runs, newest first."""
        db = await self._database()
        return await db.fetch_all(
            "workflows/workflow_history",
            {"user_id": user_id, "limit": count(limit, "limit")},
            row_factory=class_row(Workflow),
        )

    async def get_workflow_details(self, workflow_id: int | None = None) -> dict[str, Any]:
        """``{"workflow": Workflow, "nodes": [Node...], "generations": [Generation...]}``."""
        db = await self._database()
        chosen = self._workflow(workflow_id)
        key = {"workflow_id": chosen}
        async with db.transaction() as conn:
            workflow = await db.fetch_optional(
                "workflows/workflow_get", key, conn=conn, row_factory=class_row(Workflow)
            )
            if workflow is None:
                raise NotFound(f"no workflow with id {chosen}")
            nodes = await db.fetch_all(
                "workflows/workflow_nodes", key, conn=conn, row_factory=class_row(Node)
            )
            generations = await db.fetch_all(
                "workflows/workflow_generations",
                key,
                conn=conn,
                row_factory=class_row(Generation),
            )
        return {"workflow": workflow, "nodes": nodes, "generations": generations}

    async def list_workflows(
        self,
        *,
        username: str | None = None,
        status: WorkflowStatus | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """Latest runs of any user (``pfr workflows``), with node/generation counts and cost."""
        db = await self._database()
        return await db.fetch_all(
            "workflows/workflow_list",
            {"username": username, "status": status, "limit": count(limit, "limit")},
        )

    async def node_performance(self) -> list[dict[str, Any]]:
        """Per node_name: calls, failures, avg/p50/p95 duration_ms (v_node_performance)."""
        db = await self._database()
        return await db.fetch_all("workflows/stats_nodes")

    async def generation_usage(self, days: int = 30) -> list[dict[str, Any]]:
        """LLM calls, tokens, cost and latency per day, model and provider."""
        db = await self._database()
        return await db.fetch_all("workflows/stats_usage", {"days": count(days, "days")})

    async def workflows_daily(self, days: int = 30) -> list[dict[str, Any]]:
        """Workflow runs per day and status."""
        db = await self._database()
        return await db.fetch_all("workflows/stats_daily", {"days": count(days, "days")})


async def _prices(db: AsyncDatabase, conn: Any = None) -> pricing.PriceBook:
    """The database's price book, re-read from model_pricing when stale."""
    prices = pricing.book_for(db.dsn)
    if prices.stale():
        catalogue = None
        if prices.needs_catalogue:
            catalogue = await db.fetch_all(
                "pricing/catalogue_ids", {"source_version": pricing.CATALOGUE_VERSION}, conn=conn
            )
        prices.load(await db.fetch_all("pricing/user_prices", conn=conn), catalogue)
    return prices
