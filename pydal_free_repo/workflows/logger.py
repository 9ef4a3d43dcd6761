"""``WorkflowLogger``: document 000's ``DatabaseLogger`` on the package's named SQL.

A logger runs one workflow at a time: ``start_workflow`` makes a run current, and
``node_context``, ``log_generation``, ``complete_workflow``, ``fail_workflow`` and
``cancel_workflow`` act on it unless given ``workflow_id=``. Every method runs named
queries from ``sql/workflows/`` and returns frozen dataclasses from ``records``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from psycopg.rows import class_row

from pydal_free_repo import pricing
from pydal_free_repo.database import Database
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


class WorkflowLogger(LoggerState):
    """Log users, workflow runs, their nodes and LLM generations (document 000)."""

    def __init__(self, db: Database | None = None):
        super().__init__()
        self._owns_db = db is None
        self.db = db if db is not None else Database.connect()

    def __enter__(self) -> WorkflowLogger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget the current run; close the database only if this logger opened it."""
        self.workflow_id = None
        if self._owns_db:
            self.db.close()

    def get_or_create_user(self, username: str, email: str | None = None) -> User:
        values = P.user(username, email)
        for _ in range(USER_ATTEMPTS):
            user = self.db.fetch_one(
                "workflows/user_get_or_create", values, row_factory=class_row(User)
            )
            if user is not None:
                return user
        raise Conflict(f"user {username!r} could not be created or read; try again")

    def start_workflow(self, user_id: int, state: Any) -> Workflow:
        """Start a run (status running) from the document's initial state; it becomes current."""
        workflow = self.db.fetch_one(
            "workflows/workflow_start",
            P.workflow_start(user_id, state),
            row_factory=class_row(Workflow),
        )
        assert workflow is not None
        self.workflow_id = workflow.id
        return workflow

    def start_node(
        self,
        node_name: str,
        node_type: str | None = None,
        input_data: Any = None,
        *,
        workflow_id: int | None = None,
    ) -> Node:
        """Add the run's next node (execution_order = previous + 1), status running."""
        chosen = self._workflow(workflow_id)
        values = P.node_create(chosen, node_name, node_type, input_data)
        with self.db.transaction() as conn:
            if self.db.fetch_one("workflows/workflow_lock", values, conn=conn) is None:
                raise NotFound(f"no workflow with id {chosen}")
            node = self.db.fetch_one(
                "workflows/node_create", values, conn=conn, row_factory=class_row(Node)
            )
        assert node is not None
        return node

    @contextlib.contextmanager
    def node_context(
        self,
        node_name: str,
        node_type: str | None = None,
        input_data: Any = None,
        *,
        workflow_id: int | None = None,
    ) -> Iterator[Node]:
        """Run a node: completed with its duration on exit, or failed with the traceback
        of the exception, which is then re-raised unchanged."""
        node = self.start_node(node_name, node_type, input_data, workflow_id=workflow_id)
        token = self._node.set(node.id)
        try:
            yield node
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._node.reset(token)
            token = None
            self._record_node_failure(node.id, exc)
            raise
        finally:
            if token is not None:
                self._node.reset(token)
        self.log_node_complete(node.id, None)

    def _record_node_failure(self, node_id: int, exc: BaseException) -> None:
        try:
            self.db.fetch_one("workflows/node_fail", P.node_fail(node_id, exc))
        except PfrError as failure:
            # The agent's own exception matters more than the log: it is re-raised.
            log.error("could not record the failure of node %s: %s", node_id, failure)

    def log_node_complete(self, node_id: int, state: Any, output_data: Any = None) -> Node:
        """Mark a node completed and store the state after it (and its output)."""
        node = self.db.fetch_one(
            "workflows/node_complete",
            P.node_complete(node_id, state, output_data),
            row_factory=class_row(Node),
        )
        if node is None:
            current = self.db.fetch_one(
                "workflows/node_get", {"node_id": node_id}, row_factory=class_row(Node)
            )
            raise node_refused(node_id, current, "complete")
        return node

    def log_generation(
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
        given, and ``model_provider``; it never raises over an unreadable usage.

        ``node_id`` defaults to the innermost open ``node_context`` of this thread."""
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
        pricing.price_row(pricing.book(self.db), values, "model_name", "model_provider")
        generation = self.db.fetch_one(
            "workflows/generation_insert", values, row_factory=class_row(Generation)
        )
        assert generation is not None
        return generation

    def complete_workflow(
        self, state: Any = None, status: str = "completed", *, workflow_id: int | None = None
    ) -> Workflow:
        """End the running run with ``state``'s final_itinerary."""
        chosen = self._workflow(workflow_id)
        return self._finish(
            "workflows/workflow_complete", P.workflow_complete(chosen, state, status), "complete"
        )

    def fail_workflow(self, error: Any, *, workflow_id: int | None = None) -> Workflow:
        """End the running run as failed; ``error`` is a message or an exception."""
        chosen = self._workflow(workflow_id)
        return self._finish(
            "workflows/workflow_fail", P.workflow_end(chosen, "failed", error), "fail"
        )

    def cancel_workflow(
        self, reason: str | None = None, *, workflow_id: int | None = None
    ) -> Workflow:
        chosen = self._workflow(workflow_id)
        return self._finish(
            "workflows/workflow_fail", P.workflow_end(chosen, "cancelled", reason), "cancel"
        )

    def _finish(self, name: str, values: dict[str, Any], action: str) -> Workflow:
        workflow = self.db.fetch_one(name, values, row_factory=class_row(Workflow))
        if workflow is None:
            raise workflow_refused(
                values["workflow_id"], self.get_workflow(values["workflow_id"]), action
            )
        return workflow

    def get_workflow(self, workflow_id: int) -> Workflow | None:
        return self.db.fetch_one(
            "workflows/workflow_get", {"workflow_id": workflow_id}, row_factory=class_row(Workflow)
        )

    def get_workflow_history(self, user_id: int, limit: int = 10) -> list[Workflow]:
        """The user's latest runs, newest first."""
        return self.db.fetch_all(
            "workflows/workflow_history",
            {"user_id": user_id, "limit": P.count(limit, "limit")},
            row_factory=class_row(Workflow),
        )

    def get_workflow_details(self, workflow_id: int | None = None) -> dict[str, Any]:
        """``{"workflow": Workflow, "nodes": [Node...], "generations": [Generation...]}``."""
        chosen = self._workflow(workflow_id)
        key = {"workflow_id": chosen}
        with self.db.transaction() as conn:
            workflow = self.db.fetch_one(
                "workflows/workflow_get", key, conn=conn, row_factory=class_row(Workflow)
            )
            if workflow is None:
                raise NotFound(f"no workflow with id {chosen}")
            nodes = self.db.fetch_all(
                "workflows/workflow_nodes", key, conn=conn, row_factory=class_row(Node)
            )
            generations = self.db.fetch_all(
                "workflows/workflow_generations",
                key,
                conn=conn,
                row_factory=class_row(Generation),
            )
        return {"workflow": workflow, "nodes": nodes, "generations": generations}

    def list_workflows(
        self, *, username: str | None = None, status: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Latest runs of any user (``pfr workflows``), with node/generation counts and cost."""
        return self.db.fetch_all(
            "workflows/workflow_list",
            {"username": username, "status": status, "limit": P.count(limit, "limit")},
        )

    def node_performance(self) -> list[dict[str, Any]]:
        """Per node_name: calls, failures, avg/p50/p95 duration_ms (v_node_performance)."""
        return self.db.fetch_all("workflows/stats_nodes")

    def generation_usage(self, days: int = 30) -> list[dict[str, Any]]:
        """LLM calls, tokens, cost and latency per day, model and provider."""
        return self.db.fetch_all("workflows/stats_usage", {"days": P.count(days, "days")})

    def workflows_daily(self, days: int = 30) -> list[dict[str, Any]]:
        """Workflow runs per day and status."""
        return self.db.fetch_all("workflows/stats_daily", {"days": P.count(days, "days")})
