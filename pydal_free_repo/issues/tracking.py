"""Time an LLM or API call and record it, successful or not.

Document 004 wraps every Bitbucket and LLM call in its own try/except that times the
call, records it, and re-raises; these context managers are that block, once::

    with issues.api_call(history_id, "POST", "/pullrequests") as call:
        pr = bitbucket.create_pull_request(...)
        call.status_code = 201

    with issues.llm_call(history_id, "code_diff", "gpt-4o") as call:
        response = client.chat.completions.create(...)
        call.usage(response)  # or response.usage; Anthropic, Gemini, Bedrock... alike

On an exception the call is recorded with the error (and, for an API call, the status
code the exception carries, if any), then the exception propagates unchanged. If
recording the failure itself fails, that is logged and the caller's exception wins.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydal_free_repo.workflows import params as P

if TYPE_CHECKING:
    from pydal_free_repo.issues.repository import IssueHistory

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def status_code_of(exc: BaseException) -> int | None:
    """The HTTP status an exception carries: ``status_code``, ``response.status_code``, ``code``."""
    candidates = (
        getattr(exc, "status_code", None),
        getattr(getattr(exc, "response", None), "status_code", None),
        getattr(exc, "status", None),
        getattr(exc, "code", None),
    )
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    return None


class LlmCallTracker:
    """What the block of ``IssueHistory.llm_call`` fills in before it ends."""

    COUNTS = (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached_input_tokens",
        "cache_write_input_tokens",
        "reasoning_tokens",
    )

    def __init__(self, call_type: str, model: str):
        self.call_type = call_type
        self.model = model
        self.model_provider: str | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.total_tokens: int | None = None
        self.cached_input_tokens: int | None = None
        self.cache_write_input_tokens: int | None = None
        self.reasoning_tokens: int | None = None
        self.provided_cost: Decimal | float | None = None
        self.cache_hit = False
        self.cache_key: str | None = None
        self.error_message: str | None = None
        self.response_usage: Any = None

    def usage(self, usage: Any = None, **counts: int | None) -> None:
        """Take the usage from whatever the client returned (a response or its usage
        object: OpenAI, Anthropic, Gemini, Bedrock, Ollama, LangChain, or their dicts; see
        ``pydal_free_repo.usage``) and/or keyword counts, which win. The object is read
        when the call is recorded and never raises; a wrong keyword does, at once."""
        unknown = set(counts) - set(self.COUNTS)
        if unknown:
            raise TypeError(f"usage() got unexpected keyword(s): {', '.join(sorted(unknown))}")
        for name, value in counts.items():
            P.count(value, name)
        if usage is not None:
            self.response_usage = usage
        for name, value in counts.items():
            if value is not None:
                setattr(self, name, value)

    def fields(self) -> dict[str, Any]:
        return {
            "call_type": self.call_type,
            "model": self.model,
            "model_provider": self.model_provider,
            "usage": self.response_usage,
            **{name: getattr(self, name) for name in self.COUNTS},
            "provided_cost": self.provided_cost,
            "cache_hit": self.cache_hit,
            "cache_key": self.cache_key,
            "error_message": self.error_message,
        }


class ApiCallTracker:
    """What the block of ``IssueHistory.api_call`` fills in before it ends."""

    def __init__(self, method: str, endpoint: str):
        self.method = method
        self.endpoint = endpoint
        self.status_code: int | None = None
        self.error_message: str | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "api_method": self.method,
            "endpoint": self.endpoint,
            "status_code": self.status_code,
            "error_message": self.error_message,
        }


@contextlib.contextmanager
def track_llm_call(
    issues: IssueHistory, history_id: int, call_type: str, model: str, *, conn: Any = None
) -> Iterator[LlmCallTracker]:
    call = LlmCallTracker(call_type, model)
    started = time.monotonic()
    try:
        yield call
    except BaseException as exc:
        call.error_message = error_text(exc)
        _record_failure(
            lambda: issues.record_llm_call(
                history_id, duration_seconds=_since(started), conn=conn, **call.fields()
            )
        )
        raise
    issues.record_llm_call(history_id, duration_seconds=_since(started), conn=conn, **call.fields())


@contextlib.contextmanager
def track_api_call(
    issues: IssueHistory, history_id: int, method: str, endpoint: str, *, conn: Any = None
) -> Iterator[ApiCallTracker]:
    call = ApiCallTracker(method, endpoint)
    started = time.monotonic()
    try:
        yield call
    except BaseException as exc:
        call.error_message = error_text(exc)
        call.status_code = status_code_of(exc) or call.status_code
        _record_failure(
            lambda: issues.record_api_call(
                history_id, duration_seconds=_since(started), conn=conn, **call.fields()
            )
        )
        raise
    issues.record_api_call(history_id, duration_seconds=_since(started), conn=conn, **call.fields())


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _record_failure(record: Any) -> None:
    try:
        record()
    except Exception as exc:  # the caller's exception matters more than the record
        log.warning("could not record a failed call: %s", exc)
