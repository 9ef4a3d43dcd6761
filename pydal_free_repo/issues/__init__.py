"""Issue-processing history (document 004): claims, recording, queries, analytics."""

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
