"""pydal_free_repo: a durable, queryable history of what LLM agents did, in PostgreSQL."""

from pydal_free_repo.async_database import AsyncDatabase
from pydal_free_repo.database import Database
from pydal_free_repo.issues import AsyncIssueHistory, IssueHistory
from pydal_free_repo.schema import migrate
from pydal_free_repo.workflows import AsyncWorkflowLogger, WorkflowLogger
from pydal_free_repo.writer import BufferedWriter

__all__ = [
    "AsyncDatabase",
    "AsyncIssueHistory",
    "AsyncWorkflowLogger",
    "BufferedWriter",
    "Database",
    "IssueHistory",
    "WorkflowLogger",
    "migrate",
]
__version__ = "0.1.0"
