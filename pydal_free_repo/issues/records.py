"""What the issue-history repository returns: frozen dataclasses with document 004's names.

Field names follow the document's HTTP responses (``duration``, ``files[].path``,
``llm_calls[].cost``...) so code written against the document reads the same. Costs are
``Decimal`` (exact USD) and times ``datetime``; ``to_jsonable`` (``pfr --json``) turns both
into JSON. ``as_dict`` gives the plain dict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal, get_args

# The values of the tables' CHECK constraints; the key rule is uq_iph_active_issue_key.
Status = Literal["queued", "processing", "completed", "failed"]
FileAction = Literal["modified", "created", "deleted"]
CallType = Literal["spec_conversion", "code_diff", "new_file", "other"]
ApiMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
STATUSES: tuple[Status, ...] = get_args(Status)
FILE_ACTIONS: tuple[FileAction, ...] = get_args(FileAction)
CALL_TYPES: tuple[CallType, ...] = get_args(CallType)
API_METHODS: tuple[ApiMethod, ...] = get_args(ApiMethod)


class _Record:
    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Claim(_Record):
    """The outcome of ``claim`` or ``enqueue``.

    ``status`` is ``processing`` (claimed) or ``queued`` (enqueued) when ``acquired``;
    otherwise ``already_queued``, ``already_processing`` or ``already_completed``, and
    ``history_id`` and the times are those of the row that holds the key.
    """

    acquired: bool
    history_id: int
    status: str
    issue_key: str
    created_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    pr_url: str | None = None


@dataclass(frozen=True)
class Finished(_Record):
    """A run moved to ``completed`` or ``failed``: the server's times."""

    history_id: int
    status: str
    completed_at: dt.datetime
    processing_duration_seconds: int


@dataclass(frozen=True)
class LlmCallRecorded(_Record):
    id: int
    total_tokens: int | None
    computed_cost: Decimal | None
    estimated_cost: Decimal | None
    created_at: dt.datetime


@dataclass(frozen=True)
class HistoryEntry(_Record):
    """One row of ``history()`` (document 004's GET /history)."""

    id: int
    issue_key: str
    issue_summary: str | None
    status: Status
    branch_name: str | None
    pr_url: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    duration: int | None
    modified_files_count: int | None
    error_message: str | None


@dataclass(frozen=True)
class FileChange(_Record):
    path: str
    action: str
    diff_count: int | None
    encoding: str | None
    original_encoding: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class LlmCall(_Record):
    """One LLM call in ``detail()``. ``pricing`` is ``priced``, ``unpriced`` (no price for
    the model: ``cost`` None) or ``unknown usage`` (no token count came back: ``cost`` None).
    ``prompt_tokens`` include the cached and cache-write tokens, ``completion_tokens`` the
    reasoning tokens."""

    call_type: str
    model: str
    provider: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    cached_input_tokens: int | None
    cache_write_input_tokens: int | None
    reasoning_tokens: int | None
    cost: Decimal | None
    pricing: str
    pricing_id: int | None
    usage_problem: str | None
    cache_hit: bool
    duration: Decimal | None
    error_message: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ApiCall(_Record):
    method: str
    endpoint: str
    status_code: int | None
    duration: Decimal | None
    error_message: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Detail(_Record):
    """One run with its files and calls (document 004's GET /history/<id>).

    ``total_llm_cost`` sums the priced calls (None when no call is priced: an unknown
    cost is never shown as 0); ``unpriced_llm_calls`` counts calls with token counts but
    no price, ``unknown_usage_llm_calls`` calls with no token count.
    """

    id: int
    issue_key: str
    issue_summary: str | None
    status: Status
    branch_name: str | None
    pr_url: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    duration: int | None
    modified_files_count: int | None
    error_message: str | None
    result_data: Any
    total_llm_cost: Decimal | None
    priced_llm_calls: int
    unpriced_llm_calls: int
    unknown_usage_llm_calls: int
    files: list[FileChange] = field(default_factory=list)
    llm_calls: list[LlmCall] = field(default_factory=list)
    api_calls: list[ApiCall] = field(default_factory=list)


@dataclass(frozen=True)
class FileHistoryEntry(_Record):
    """One change of a file (document 004's GET /files/<path>/history)."""

    file_path: str
    action: str
    diff_count: int | None
    created_at: dt.datetime
    history_id: int
    issue_key: str
    issue_summary: str | None
    status: Status
    pr_url: str | None
