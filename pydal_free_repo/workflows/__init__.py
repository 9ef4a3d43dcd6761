"""Workflow logger of document 000: users, workflow runs, nodes and LLM generations."""

from pydal_free_repo.workflows.async_logger import AsyncWorkflowLogger
from pydal_free_repo.workflows.logger import WorkflowLogger
from pydal_free_repo.workflows.records import Generation, Node, User, Workflow

__all__ = ["AsyncWorkflowLogger", "Generation", "Node", "User", "Workflow", "WorkflowLogger"]
