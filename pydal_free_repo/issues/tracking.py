"""What the ``llm_call`` / ``api_call`` blocks of the issue history fill in.

Document 004 wraps every Bitbucket and LLM call in its own try/except that times the
call, records it, and re-raises; these context managers are that block, once::

    with issues.api_call(history_id, "POST", "/pullrequests") as call:
        pr = bitbucket.create_pull_request(...)
        call.status_code = 201

    with issues.llm_call(history_id, "code_diff", "gpt-4o") as call:
        response = client.chat.completions.create(...)
        call.usage(response.usage)

On an exception the call is recorded with the error (and, for an API call, the status
code the exception carries, if any), then the exception propagates unchanged. If
recording the failure itself fails, that is logged and the caller's exception wins.
The blocks themselves are methods of ``AsyncIssueHistory`` / ``IssueHistory``; this
module only holds the trackers and reads what an exception carries, and imports neither.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.rows.checks import TOKEN_COUNTS, count, http_status

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
        with contextlib.suppress(InvalidValue):
            if value is not None:
                return http_status(value)
    return None


def _get(source: Any, name: str) -> Any:
    if source is None:
        return None
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


class LlmCallTracker:
    """What the block of ``IssueHistory.llm_call`` fills in before it ends."""

    COUNTS = TOKEN_COUNTS

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
            count(value, name)
        if usage is not None:
            self.response_usage = usage
        for name, value in counts.items():
            if value is not None:
                setattr(self, name, value)

    def failed(self, exc: BaseException) -> None:
        self.error_message = error_text(exc)

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

    def failed(self, exc: BaseException) -> None:
        self.error_message = error_text(exc)
        self.status_code = status_code_of(exc) or self.status_code

    def fields(self) -> dict[str, Any]:
        return {
            "api_method": self.method,
            "endpoint": self.endpoint,
            "status_code": self.status_code,
            "error_message": self.error_message,
        }


Tracker = TypeVar("Tracker", LlmCallTracker, ApiCallTracker)
