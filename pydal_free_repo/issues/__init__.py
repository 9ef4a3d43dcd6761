"""Issue-processing history (document 004): claims, recording, queries, analytics."""

from pydal_free_repo.issues.async_repository import AsyncIssueHistory
from pydal_free_repo.issues.records import (
    ApiCall,
    Claim,
    Detail,
    FileChange,
    FileHistoryEntry,
    Finished,
    HistoryEntry,
    LlmCall,
    LlmCallRecorded,
)
from pydal_free_repo.issues.repository import IssueHistory

__all__ = [
    "ApiCall",
    "AsyncIssueHistory",
    "Claim",
    "Detail",
    "FileChange",
    "FileHistoryEntry",
    "Finished",
    "HistoryEntry",
    "IssueHistory",
    "LlmCall",
    "LlmCallRecorded",
]
