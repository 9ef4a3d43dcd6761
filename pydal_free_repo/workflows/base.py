"""What the sync and async workflow loggers share: the current run, the current node, and
how an empty result of an UPDATE is explained. Neither does I/O here.
"""

from __future__ import annotations

import contextvars
import itertools
import logging

from pydal_free_repo.errors import REAPED_PREFIX, InvalidTransition, NotFound, Reaped
from pydal_free_repo.workflows.records import Node, Workflow

log = logging.getLogger("pydal_free_repo.workflows")

# Attempts of get_or_create_user: a second run always sees a row a concurrent caller
# committed during the first (see sql/workflows/user_get_or_create.sql).
USER_ATTEMPTS = 3

_instances = itertools.count()


class LoggerState:
    """The current workflow run (``start_workflow`` sets it) and the innermost open node,
    both per thread and per asyncio task: context variables, so one logger shared by a
    web server's concurrent requests keeps each request's run and nodes apart. A task
    starts with a copy of its creator's context (it sees the run and node open where it
    was created); a new thread starts with none.
    """

    def __init__(self) -> None:
        instance = next(_instances)
        self._run: contextvars.ContextVar[int | None] = contextvars.ContextVar(
            f"pfr_workflow_run_{instance}", default=None
        )
        # (workflow id, node id) of the innermost open node_context
        self._node: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
            f"pfr_workflow_node_{instance}", default=None
        )

    @property
    def workflow_id(self) -> int | None:
        """The current run of the calling thread or task."""
        return self._run.get()

    @workflow_id.setter
    def workflow_id(self, value: int | None) -> None:
        self._run.set(value)

    def _workflow(self, workflow_id: int | None) -> int:
        chosen = workflow_id if workflow_id is not None else self.workflow_id
        if chosen is None:
            raise InvalidTransition("no workflow started: call start_workflow or pass workflow_id=")
        return chosen

    def _current_node(self, node_id: int | None, workflow_id: int) -> int | None:
        """``node_id``, else the innermost open node if it belongs to ``workflow_id``."""
        if node_id is not None:
            return node_id
        current = self._node.get()
        return current[1] if current is not None and current[0] == workflow_id else None


def node_refused(node_id: int, node: Node | None, action: str) -> Exception:
    if node is None:
        return NotFound(f"no node with id {node_id}")
    return InvalidTransition(f"cannot {action} node {node_id}: it is {node.status}")


def workflow_refused(workflow_id: int, workflow: Workflow | None, action: str) -> Exception:
    if workflow is None:
        return NotFound(f"no workflow with id {workflow_id}")
    if workflow.status == "failed" and (workflow.error_message or "").startswith(REAPED_PREFIX):
        return Reaped(
            f"cannot {action} workflow {workflow_id}: the reaper failed it at "
            f"{workflow.completed_at} ({workflow.error_message})"
        )
    return InvalidTransition(
        f"cannot {action} workflow {workflow_id}: it is already {workflow.status}"
    )
