"""Rows of the issue-history tables, checked once for every path that writes them.

``IssueHistory`` / ``AsyncIssueHistory`` (one statement per call) and ``BufferedWriter``
(COPY in batches) build their rows here, so a value is refused with the same
``InvalidValue`` by both, before any SQL is sent. ``created_at`` None leaves the time to
the writing path (the server's now(), or the buffered writer's time of acceptance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydal_free_repo import values
from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.issues.records import API_METHODS, CALL_TYPES, FILE_ACTIONS
from pydal_free_repo.rows.checks import (
    TOKEN_COUNTS,
    bounded,
    count,
    http_status,
    label,
    required,
    required_choice,
    row_id,
    timestamp,
    tokens,
    word,
)
from pydal_free_repo.usage import apply_usage, provider_name


def history_id(value: Any) -> int:
    return row_id(value, "history_id")


def issue(issue: Mapping[str, Any]) -> dict[str, Any]:
    """An issue_processing_history row from the tracker's issue dict (claim, enqueue)."""
    if not isinstance(issue, Mapping):
        raise InvalidValue(f"issue must be the tracker's dict, got {type(issue).__name__}")
    fields = issue.get("fields")
    summary = fields.get("summary") if isinstance(fields, Mapping) else None
    return {
        "issue_key": required(issue.get("key"), "issue key", max_length=50),
        "issue_summary": values.text(summary),
        "issue_data": values.json(dict(issue), "issue"),
    }


def llm_call(
    history_id: int,
    call_type: Any,
    model: Any = None,
    *,
    usage: Any = None,
    model_provider: Any = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    total_tokens: int | None = None,
    cached_input_tokens: int | None = None,
    cache_write_input_tokens: int | None = None,
    reasoning_tokens: int | None = None,
    usage_problem: str | None = None,
    provided_cost: Any = None,
    cache_hit: bool = False,
    cache_key: str | None = None,
    duration_seconds: Any = None,
    error_message: str | None = None,
    created_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """An llm_call_history row. ``usage`` is whatever the client returned (see
    ``pydal_free_repo.usage``): it fills the counts, model and provider not given, and never
    raises. ``total_tokens`` None is filled with input + output (NULL when no count is
    known); ``computed_cost`` and ``pricing_id`` are set when the row is priced."""
    if usage is not None:
        counts: dict[str, Any] = {
            "model": model,
            "model_provider": model_provider,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": total_tokens,
            "cached_input_tokens": cached_input_tokens,
            "cache_write_input_tokens": cache_write_input_tokens,
            "reasoning_tokens": reasoning_tokens,
            "usage_problem": usage_problem,
        }
        # The caller's own counts are checked first: a wrong type there is their bug.
        for key in TOKEN_COUNTS:
            count(counts[key], key)
        apply_usage(counts, usage, model_key="model", provider_key="model_provider")
        model, model_provider, usage_problem = (
            counts["model"],
            counts["model_provider"],
            counts["usage_problem"],
        )
        prompt_tokens, completion_tokens, total_tokens = (
            counts["prompt_tokens"],
            counts["completion_tokens"],
            counts["total_tokens"],
        )
        cached_input_tokens, cache_write_input_tokens, reasoning_tokens = (
            counts["cached_input_tokens"],
            counts["cache_write_input_tokens"],
            counts["reasoning_tokens"],
        )
    row = {
        "model": model if type(model) is str and model in _MODELS_SEEN else model_name(model),
        "model_provider": label(provider_name(model_provider), "model_provider", max_length=50),
        "prompt_tokens": count(prompt_tokens, "prompt_tokens"),
        "completion_tokens": count(completion_tokens, "completion_tokens"),
        "total_tokens": count(total_tokens, "total_tokens"),
        "cached_input_tokens": count(cached_input_tokens, "cached_input_tokens"),
        "cache_write_input_tokens": count(cache_write_input_tokens, "cache_write_input_tokens"),
        "reasoning_tokens": count(reasoning_tokens, "reasoning_tokens"),
        "usage_problem": values.text(usage_problem),
        "history_id": row_id(history_id, "history_id"),
        "call_type": call_type_word(call_type),
        "computed_cost": None,
        "pricing_id": None,
        "provided_cost": bounded(provided_cost, "provided_cost", 12, 6),
        "cache_hit": bool(cache_hit),
        "cache_key": label(cache_key, "cache_key", max_length=255),
        "duration_seconds": bounded(duration_seconds, "duration_seconds", 10, 3),
        "error_message": values.text(error_message),
        "created_at": timestamp(created_at, "created_at"),
    }
    tokens(row)
    return row


def api_call(
    history_id: int,
    api_method: Any,
    endpoint: Any,
    *,
    status_code: int | None = None,
    duration_seconds: Any = None,
    error_message: str | None = None,
    created_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A bitbucket_api_history row; ``status_code`` None means no response. The method
    is case-insensitive (``get`` is stored ``GET``)."""
    method = api_method.upper() if isinstance(api_method, str) else api_method
    return {
        "history_id": row_id(history_id, "history_id"),
        "api_method": required_choice(method, "api_method", API_METHODS),
        "endpoint": required(endpoint, "endpoint", max_length=500),
        "status_code": http_status(status_code),
        "duration_seconds": bounded(duration_seconds, "duration_seconds", 10, 3),
        "error_message": values.text(error_message),
        "created_at": timestamp(created_at, "created_at"),
    }


def file_modification(
    history_id: int,
    *,
    file_path: Any,
    action: Any,
    diff_count: int | None = 0,
    diff_text: str | None = None,
    original_encoding: str | None = None,
    modified_encoding: str | None = None,
    original_content: str | None = None,
    modified_content: str | None = None,
) -> dict[str, Any]:
    """A file_modification_history row."""
    return {
        "history_id": row_id(history_id, "history_id"),
        "file_path": required(file_path, "file_path", max_length=500),
        "action": required_choice(action, "action", FILE_ACTIONS),
        "diff_count": count(diff_count, "diff_count"),
        "diff_text": values.text(diff_text),
        "original_encoding": label(original_encoding, "original_encoding", max_length=50),
        "modified_encoding": label(modified_encoding, "modified_encoding", max_length=50),
        "original_content": values.text(original_content),
        "modified_content": values.text(modified_content),
    }


def finish(
    history_id: int,
    *,
    status: str,
    result_status: str,
    pr_url: str | None = None,
    branch_name: str | None = None,
    result: Mapping[str, Any] | None = None,
    modified_files_count: int | None = None,
    error_message: str | None = None,
) -> dict[str, Any]:
    """The values that end a processing run (completed or failed)."""
    if result is not None and not isinstance(result, Mapping):
        raise InvalidValue(f"result must be a dict, got {type(result).__name__}")
    return {
        "history_id": row_id(history_id, "history_id"),
        "status": status,
        "result_status": result_status,
        "pr_url": values.text(pr_url),
        "branch_name": label(branch_name, "branch_name", max_length=255),
        "result": values.json(result, "result"),
        "modified_files_count": count(modified_files_count, "modified_files_count"),
        "error_message": error_message,
    }


# call_type values and model names already found well formed (a handful per program):
# the buffered writer checks thousands of rows a second that repeat them.
_CALL_TYPES_SEEN: set[str] = set()
_MODELS_SEEN: set[str] = set()
_SEEN_KEPT = 1000


def model_name(value: Any) -> str:
    checked = required(value, "model", max_length=100)
    if checked == value and len(_MODELS_SEEN) < _SEEN_KEPT:
        _MODELS_SEEN.add(checked)
    return checked


def call_type_word(value: Any) -> str:
    """Open vocabulary (migration 0030): document 004's four values are examples."""
    if type(value) is str and value in _CALL_TYPES_SEEN:
        return value
    if value is None:
        raise InvalidValue(f"call_type must not be empty (e.g. {', '.join(CALL_TYPES)})")
    checked = word(value, "call_type", max_length=50)
    assert checked is not None
    if len(_CALL_TYPES_SEEN) < _SEEN_KEPT:
        _CALL_TYPES_SEEN.add(checked)
    return checked
