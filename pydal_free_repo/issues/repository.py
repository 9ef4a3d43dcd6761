"""IssueHistory: document 004's issue-processing history on top of named SQL queries.

Every method runs named queries from ``sql/issues/`` or ``sql/analytics/`` with bound
parameters and returns frozen dataclasses or dicts. Each takes ``conn=`` so a caller can
put several calls in one transaction. Text and JSON go through ``values.text`` /
``values.json`` (NUL becomes U+FFFD); bad input raises ``InvalidValue`` (or ``NotFound``
for an unknown history id) before anything is written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import class_row

from pydal_free_repo import values
from pydal_free_repo.database import Database
from pydal_free_repo.errors import (
    REAPED_PREFIX,
    InvalidTransition,
    InvalidValue,
    NotFound,
    PfrError,
    Reaped,
)
from pydal_free_repo.issues import analytics
from pydal_free_repo.issues.records import (
    API_METHODS,
    CALL_TYPES,
    FILE_ACTIONS,
    STATUSES,
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
from pydal_free_repo.issues.tracking import (
    ApiCallTracker,
    LlmCallTracker,
    track_api_call,
    track_llm_call,
)

Conn = psycopg.Connection | None

# A claim that loses a race reads the winner's row in a new statement; if that row is
# gone too (failed by the reaper in between), the claim is simply tried again.
_CLAIM_ATTEMPTS = 5


class IssueHistory:
    """Record and query the processing of tracker issues (document 004)."""

    def __init__(self, db: Database):
        self.db = db

    # -- claiming ---------------------------------------------------------------------

    def claim(self, issue: Mapping[str, Any], *, conn: Conn = None) -> Claim:
        """Start processing ``issue`` unless its key is already processing or completed;
        a queued row of the key is taken over. One statement, race-free."""
        return self._take(issue, "issues/run_claim", conn)

    def enqueue(self, issue: Mapping[str, Any], *, conn: Conn = None) -> Claim:
        """Record ``issue`` as queued; refused like a claim while the key has an active row."""
        return self._take(issue, "issues/run_enqueue", conn)

    def _take(self, issue: Mapping[str, Any], query: str, conn: Conn) -> Claim:
        params = _issue_params(issue)
        with self._using(conn) as c:
            for _ in range(_CLAIM_ATTEMPTS):
                row = self.db.fetch_one(query, params, conn=c)
                if row is None:
                    row = self.db.fetch_one("issues/run_claim_existing", params, conn=c)
                # A claim never stops at a queued row: it was enqueued after the claim's
                # statement began, so the next attempt takes it over.
                if row is not None and not (
                    query == "issues/run_claim" and row["status"] == "queued"
                ):
                    return _claim(row, params["issue_key"])
        raise PfrError(
            f"could not claim {params['issue_key']!r}: its row kept changing under "
            f"{_CLAIM_ATTEMPTS} attempts"
        )

    # -- recording --------------------------------------------------------------------

    def record_llm_call(
        self,
        history_id: int,
        *,
        call_type: str,
        model: str,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        total_tokens: int | None = None,
        cached_input_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        provided_cost: Decimal | float | None = None,
        cache_hit: bool = False,
        cache_key: str | None = None,
        duration_seconds: float | None = None,
        error_message: str | None = None,
        conn: Conn = None,
    ) -> LlmCallRecorded:
        """Record one LLM call. Its cost is computed in SQL from the model's price at the
        call's time (NULL for an unpriced model); ``total_tokens`` defaults to the sum of
        the counts given, and stays NULL (unknown, not 0) when none is given."""
        params = {
            "history_id": _id(history_id),
            "call_type": _choice("call_type", call_type, CALL_TYPES),
            "model": _required_text("model", model),
            "prompt_tokens": _count("prompt_tokens", prompt_tokens),
            "completion_tokens": _count("completion_tokens", completion_tokens),
            "total_tokens": _count("total_tokens", total_tokens),
            "cached_input_tokens": _count("cached_input_tokens", cached_input_tokens),
            "reasoning_tokens": _count("reasoning_tokens", reasoning_tokens),
            "provided_cost": _amount("provided_cost", provided_cost),
            "cache_hit": bool(cache_hit),
            "cache_key": values.text(cache_key),
            "duration_seconds": _amount("duration_seconds", duration_seconds),
            "error_message": values.text(error_message),
        }
        with self._for_run(history_id):
            return self.db.fetch_one(
                "issues/llm_call_insert",
                params,
                conn=conn,
                row_factory=class_row(LlmCallRecorded),
            )

    def record_api_call(
        self,
        history_id: int,
        *,
        api_method: str,
        endpoint: str,
        status_code: int | None = None,
        duration_seconds: float | None = None,
        error_message: str | None = None,
        conn: Conn = None,
    ) -> int:
        """Record one API call; returns its id. ``status_code`` None means no response."""
        method = api_method.upper() if isinstance(api_method, str) else api_method
        if status_code is not None and (
            isinstance(status_code, bool)
            or not isinstance(status_code, int)
            or not 100 <= status_code <= 599
        ):
            raise InvalidValue(f"status_code must be an HTTP status 100-599, got {status_code!r}")
        params = {
            "history_id": _id(history_id),
            "api_method": _choice("api_method", method, API_METHODS),
            "endpoint": _required_text("endpoint", endpoint),
            "status_code": status_code,
            "duration_seconds": _amount("duration_seconds", duration_seconds),
            "error_message": values.text(error_message),
        }
        with self._for_run(history_id):
            row = self.db.fetch_one("issues/api_call_insert", params, conn=conn)
        return row["id"]

    def record_file_modification(
        self,
        history_id: int,
        *,
        file_path: str,
        action: str,
        diff_count: int = 0,
        diff_text: str | None = None,
        original_encoding: str | None = None,
        modified_encoding: str | None = None,
        original_content: str | None = None,
        modified_content: str | None = None,
        conn: Conn = None,
    ) -> int:
        """Record one file a run changed; returns its id."""
        params = {
            "history_id": _id(history_id),
            "file_path": _required_text("file_path", file_path),
            "action": _choice("action", action, FILE_ACTIONS),
            "diff_count": _count("diff_count", diff_count),
            "diff_text": values.text(diff_text),
            "original_encoding": values.text(original_encoding),
            "modified_encoding": values.text(modified_encoding),
            "original_content": values.text(original_content),
            "modified_content": values.text(modified_content),
        }
        with self._for_run(history_id):
            row = self.db.fetch_one("issues/file_modification_insert", params, conn=conn)
        return row["id"]

    @contextlib.contextmanager
    def llm_call(
        self, history_id: int, call_type: str, model: str, *, conn: Conn = None
    ) -> Iterator[LlmCallTracker]:
        """Time the block and record it as an LLM call (``call.usage(...)`` inside); on an
        exception record the error, then re-raise. With ``conn``, the record is part of the
        caller's transaction (and goes if the caller rolls it back)."""
        with track_llm_call(self, history_id, call_type, model, conn=conn) as call:
            yield call

    @contextlib.contextmanager
    def api_call(
        self, history_id: int, method: str, endpoint: str, *, conn: Conn = None
    ) -> Iterator[ApiCallTracker]:
        """Time the block and record it as an API call (``call.status_code = ...`` inside);
        on an exception record the error and the status code it carries, then re-raise."""
        with track_api_call(self, history_id, method, endpoint, conn=conn) as call:
            yield call

    # -- finishing --------------------------------------------------------------------

    def complete(
        self,
        history_id: int,
        *,
        pr_url: str | None = None,
        branch_name: str | None = None,
        result: Mapping[str, Any] | None = None,
        modified_files_count: int | None = None,
        conn: Conn = None,
    ) -> Finished:
        """Mark a processing run completed (with its pull request)."""
        return self._finish(
            history_id,
            status="completed",
            result_status="completed",
            pr_url=pr_url,
            branch_name=branch_name,
            result=result,
            modified_files_count=modified_files_count,
            conn=conn,
        )

    def complete_no_changes(
        self, history_id: int, result: Mapping[str, Any] | None = None, *, conn: Conn = None
    ) -> Finished:
        """Mark a processing run completed without changes (``result_data.status`` is
        ``no_changes``, as in document 004); the key stays taken."""
        return self._finish(
            history_id,
            status="completed",
            result_status="no_changes",
            result=result,
            modified_files_count=0,
            conn=conn,
        )

    def fail(
        self,
        history_id: int,
        error: BaseException | str,
        result: Mapping[str, Any] | None = None,
        *,
        conn: Conn = None,
    ) -> Finished:
        """Mark a processing run failed with ``error``; this frees the key for a retry."""
        message = error if isinstance(error, str) else str(error) or type(error).__name__
        return self._finish(
            history_id,
            status="failed",
            result_status="failed",
            error_message=_required_text("error", message),
            result=result,
            conn=conn,
        )

    def _finish(
        self,
        history_id: int,
        *,
        status: str,
        result_status: str,
        pr_url: str | None = None,
        branch_name: str | None = None,
        result: Mapping[str, Any] | None = None,
        modified_files_count: int | None = None,
        error_message: str | None = None,
        conn: Conn = None,
    ) -> Finished:
        if result is not None and not isinstance(result, Mapping):
            raise InvalidValue(f"result must be a dict, got {type(result).__name__}")
        params = {
            "history_id": _id(history_id),
            "status": status,
            "result_status": result_status,
            "pr_url": values.text(pr_url),
            "branch_name": values.text(branch_name),
            "result": values.json(result, "result"),
            "modified_files_count": _count("modified_files_count", modified_files_count),
            "error_message": error_message,
        }
        row = self.db.fetch_one("issues/run_finish", params, conn=conn)
        if row is None:
            raise NotFound(f"no issue history row with id {history_id}")
        if not row["updated"]:
            if (row["previous_error"] or "").startswith(REAPED_PREFIX):
                raise Reaped(
                    f"issue history {history_id} was failed by the reaper at "
                    f"{row['previous_completed_at']:%Y-%m-%d %H:%M:%S%z} "
                    f"({row['previous_error']}); it cannot be marked {result_status}, "
                    "and its issue key may already be claimed by another worker"
                )
            raise InvalidTransition(
                f"issue history {history_id} is {row['previous_status']}, not processing: "
                f"it cannot be marked {result_status}"
            )
        return Finished(
            history_id=row["id"],
            status=status,
            completed_at=row["completed_at"],
            processing_duration_seconds=row["processing_duration_seconds"],
        )

    # -- reading ----------------------------------------------------------------------

    def history(
        self,
        limit: int = 20,
        status: str | None = None,
        issue_key: str | None = None,
        *,
        conn: Conn = None,
    ) -> list[HistoryEntry]:
        """Newest runs first, optionally of one status and/or one issue key."""
        if status is not None:
            _choice("status", status, STATUSES)
        params = {
            "limit": _limit(limit),
            "status": status,
            "issue_key": values.text(issue_key),
        }
        return self.db.fetch_all(
            "issues/run_list", params, conn=conn, row_factory=class_row(HistoryEntry)
        )

    def detail(self, history_id: int, *, conn: Conn = None) -> Detail | None:
        """One run with its files, LLM calls (and total cost) and API calls; None if unknown."""
        params = {"history_id": _id(history_id)}
        with self._using(conn) as c:
            run = self.db.fetch_one("issues/run_get", params, conn=c)
            if run is None:
                return None
            files = self.db.fetch_all(
                "issues/run_files", params, conn=c, row_factory=class_row(FileChange)
            )
            llm_calls = self.db.fetch_all(
                "issues/run_llm_calls", params, conn=c, row_factory=class_row(LlmCall)
            )
            api_calls = self.db.fetch_all(
                "issues/run_api_calls", params, conn=c, row_factory=class_row(ApiCall)
            )
        return Detail(**run, files=files, llm_calls=llm_calls, api_calls=api_calls)

    def stats(self, *, conn: Conn = None) -> dict[str, Any]:
        """Overall counts by status, success rate, average duration, LLM cost and cache rate."""
        return self.db.fetch_one("issues/stats_totals", conn=conn)

    def daily_stats(self, days: int = 7, *, conn: Conn = None) -> list[dict[str, Any]]:
        """Runs per day for the days from ``CURRENT_DATE - days`` on, newest first."""
        return self.db.fetch_all("issues/stats_daily", {"days": _days(days)}, conn=conn)

    def llm_cost(self, days: int = 7, *, conn: Conn = None) -> list[dict[str, Any]]:
        """LLM calls, cache hits, tokens and cost per day and call type."""
        return self.db.fetch_all("issues/stats_llm_cost_daily", {"days": _days(days)}, conn=conn)

    def file_history(
        self, path: str, limit: int = 20, *, conn: Conn = None
    ) -> list[FileHistoryEntry]:
        """The latest changes to ``path``, with the issue of each."""
        params = {"file_path": _required_text("path", path), "limit": _limit(limit)}
        return self.db.fetch_all(
            "issues/file_history", params, conn=conn, row_factory=class_row(FileHistoryEntry)
        )

    # -- analytics (document 004's seven queries) --------------------------------------

    def analytics(self, name: str, *, conn: Conn = None, **params: Any) -> list[dict[str, Any]]:
        """Run one of the seven analytics queries by name (see ``analytics.ANALYTICS``)."""
        analytic = analytics.get(name)
        return self.db.fetch_all(analytic.query, analytic.params(params), conn=conn)

    def weekly_success_trend(self, months: int = 3, *, conn: Conn = None) -> list[dict]:
        return self.analytics("weekly_success_trend", months=months, conn=conn)

    def top_modified_files(
        self, limit: int = 10, days: int | None = None, *, conn: Conn = None
    ) -> list[dict]:
        return self.analytics("top_modified_files", limit=limit, days=days, conn=conn)

    def llm_cost_by_model(self, days: int = 30, *, conn: Conn = None) -> list[dict]:
        return self.analytics("llm_cost_by_model", days=days, conn=conn)

    def hourly_throughput(self, days: int = 7, *, conn: Conn = None) -> list[dict]:
        return self.analytics("hourly_throughput", days=days, conn=conn)

    def failure_reasons(self, days: int = 30, limit: int = 20, *, conn: Conn = None) -> list[dict]:
        return self.analytics("failure_reasons", days=days, limit=limit, conn=conn)

    def api_calls_per_hour(self, hours: int = 24, *, conn: Conn = None) -> list[dict]:
        return self.analytics("api_calls_per_hour", hours=hours, conn=conn)

    def duration_percentiles(self, days: int = 30, *, conn: Conn = None) -> list[dict]:
        return self.analytics("duration_percentiles", days=days, conn=conn)

    # -- helpers ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _using(self, conn: Conn) -> Iterator[psycopg.Connection]:
        """The caller's connection, else a pooled one whose transaction ends with the block."""
        if conn is not None:
            yield conn
        else:
            with self.db.connection() as borrowed:
                yield borrowed

    @contextlib.contextmanager
    def _for_run(self, history_id: int) -> Iterator[None]:
        """Say which id was unknown, in place of the foreign key's wording."""
        try:
            yield
        except NotFound as exc:
            raise NotFound(f"no issue history row with id {history_id}") from exc


def _claim(row: Mapping[str, Any], issue_key: str) -> Claim:
    status = row["status"] if row["acquired"] else f"already_{row['status']}"
    return Claim(
        acquired=row["acquired"],
        history_id=row["id"],
        status=status,
        issue_key=issue_key,
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        pr_url=row["pr_url"],
    )


def _issue_params(issue: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(issue, Mapping):
        raise InvalidValue(f"issue must be the tracker's dict, got {type(issue).__name__}")
    fields = issue.get("fields")
    summary = fields.get("summary") if isinstance(fields, Mapping) else None
    return {
        "issue_key": _required_text("issue key", issue.get("key")),
        "issue_summary": values.text(summary),
        "issue_data": values.json(dict(issue), "issue"),
    }


def _required_text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{name} must be a non-empty string, got {value!r}")
    return values.text(value)


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidValue(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(f"history id must be a positive whole number, got {value!r}")
    return value


def _count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise InvalidValue(f"{name} must be 0 or more, got {value}")
    return value


def _amount(name: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidValue(f"{name} must be a number, got {value!r}")
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise InvalidValue(f"{name} must be 0 or more, got {value}")
    return amount


def _limit(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(f"limit must be a whole number of 1 or more, got {value!r}")
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"days must be a whole number of 0 or more, got {value!r}")
    return value
