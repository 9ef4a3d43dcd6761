# Generated from pydal_free_repo/issues/async_repository.py by tools/async_to_sync.py; do not edit.
# Edit the async source and run `make generate`.
"""IssueHistory: document 004's issue-processing history on top of named SQL queries.

Every method runs named queries from ``sql/issues/`` or ``sql/analytics/`` with bound
parameters and returns frozen dataclasses or dicts. Each takes ``conn=`` so a caller can
put several calls in one transaction. Rows are built and checked by ``rows.issues``
(the buffered writer uses the same builders): bad input raises ``InvalidValue`` (or
``NotFound`` for an unknown history id) before any SQL is sent, so a caller's ``conn=``
transaction is never aborted by a value the package could refuse.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import psycopg
from psycopg.rows import class_row

from pydal_free_repo import pricing, values
from pydal_free_repo.database import Database
from pydal_free_repo.errors import (
    REAPED_PREFIX,
    InvalidTransition,
    NotFound,
    PartialHourTimeZone,
    PfrError,
    Reaped,
)
from pydal_free_repo.issues import analytics
from pydal_free_repo.issues.records import (
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
    Status,
)
from pydal_free_repo.issues.tracking import ApiCallTracker, LlmCallTracker, Tracker, log
from pydal_free_repo.rows import issues as rows
from pydal_free_repo.rows.checks import choice, positive, required, window

Conn = psycopg.Connection[Any] | None

# A claim that loses a race reads the winner's row in a new statement; if that row is
# gone too (failed by the reaper in between), the claim is simply tried again.
_CLAIM_ATTEMPTS = 5


T = TypeVar("T")


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
        params = rows.issue(issue)
        with self._using(conn) as c:
            for _ in range(_CLAIM_ATTEMPTS):
                row = self.db.fetch_optional(query, params, conn=c)
                if row is None:
                    row = self.db.fetch_optional("issues/run_claim_existing", params, conn=c)
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
        model: str | None = None,
        usage: Any = None,
        model_provider: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        total_tokens: int | None = None,
        cached_input_tokens: int | None = None,
        cache_write_input_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        provided_cost: Decimal | float | None = None,
        cache_hit: bool = False,
        cache_key: str | None = None,
        duration_seconds: float | None = None,
        error_message: str | None = None,
        conn: Conn = None,
    ) -> LlmCallRecorded:
        """Record one LLM call. ``usage`` is whatever the client returned (a response or
        its usage object, see ``pydal_free_repo.usage``); counts given as keywords win,
        and ``model`` / ``model_provider`` default to the response's. The call is priced
        here (``pricing``: the user's price, else the genai-prices catalogue, at the
        call's time; NULL for a model nobody prices). ``total_tokens`` defaults to input +
        output, and stays NULL (unknown, not 0) when no count is known. A usage object
        that cannot be read never raises: the call is stored with ``usage_problem``."""
        row = rows.llm_call(
            history_id,
            call_type,
            model,
            usage=usage,
            model_provider=model_provider,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=total_tokens,
            cached_input_tokens=cached_input_tokens,
            cache_write_input_tokens=cache_write_input_tokens,
            reasoning_tokens=reasoning_tokens,
            provided_cost=provided_cost,
            cache_hit=cache_hit,
            cache_key=cache_key,
            duration_seconds=duration_seconds,
            error_message=error_message,
        )
        row["created_at"] = row["created_at"] or pricing.now()
        with _for_run(history_id):
            pricing.price_row(self._prices(conn), row, "model", "model_provider")
            recorded = self.db.fetch_optional(
                "issues/llm_call_insert",
                row,
                conn=conn,
                row_factory=class_row(LlmCallRecorded),
            )
        return _recorded(recorded, history_id)

    def _prices(self, conn: Conn) -> pricing.PriceBook:
        """The database's price book, re-read from model_pricing when stale."""
        prices = pricing.book_for(self.db.dsn)
        if prices.stale():
            catalogue = None
            if prices.needs_catalogue:
                catalogue = self.db.fetch_all(
                    "pricing/catalogue_ids",
                    {"source_version": pricing.CATALOGUE_VERSION},
                    conn=conn,
                )
            prices.load(self.db.fetch_all("pricing/user_prices", conn=conn), catalogue)
        return prices

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
        row = rows.api_call(
            history_id,
            api_method,
            endpoint,
            status_code=status_code,
            duration_seconds=duration_seconds,
            error_message=error_message,
        )
        with _for_run(history_id):
            recorded = self.db.fetch_optional("issues/api_call_insert", row, conn=conn)
        return int(_recorded(recorded, history_id)["id"])

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
        row = rows.file_modification(
            history_id,
            file_path=file_path,
            action=action,
            diff_count=diff_count,
            diff_text=diff_text,
            original_encoding=original_encoding,
            modified_encoding=modified_encoding,
            original_content=original_content,
            modified_content=modified_content,
        )
        with _for_run(history_id):
            recorded = self.db.fetch_optional("issues/file_modification_insert", row, conn=conn)
        return int(_recorded(recorded, history_id)["id"])

    def llm_call(
        self, history_id: int, call_type: str, model: str, *, conn: Conn = None
    ) -> contextlib.AbstractContextManager[LlmCallTracker]:
        """Time the block and record it as an LLM call (``call.usage(...)`` inside); on an
        exception record the error, then re-raise. With ``conn``, the record is part of the
        caller's transaction (and goes if the caller rolls it back)."""
        call = LlmCallTracker(call_type, model)
        return self._tracked(call, self.record_llm_call, history_id, conn)

    def api_call(
        self, history_id: int, method: str, endpoint: str, *, conn: Conn = None
    ) -> contextlib.AbstractContextManager[ApiCallTracker]:
        """Time the block and record it as an API call (``call.status_code = ...`` inside);
        on an exception record the error and the status code it carries, then re-raise."""
        call = ApiCallTracker(method, endpoint)
        return self._tracked(call, self.record_api_call, history_id, conn)

    @contextlib.contextmanager
    def _tracked(
        self, call: Tracker, record: Any, history_id: int, conn: Conn
    ) -> Iterator[Tracker]:
        started = time.monotonic()
        try:
            yield call
        except BaseException as exc:
            call.failed(exc)
            try:
                record(history_id, duration_seconds=_since(started), conn=conn, **call.fields())
            except Exception as failure:  # the caller's exception matters more
                log.warning("could not record a failed call: %s", failure)
            raise
        record(history_id, duration_seconds=_since(started), conn=conn, **call.fields())

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
            rows.finish(
                history_id,
                status="completed",
                result_status="completed",
                pr_url=pr_url,
                branch_name=branch_name,
                result=result,
                modified_files_count=modified_files_count,
            ),
            conn,
        )

    def complete_no_changes(
        self, history_id: int, result: Mapping[str, Any] | None = None, *, conn: Conn = None
    ) -> Finished:
        """Mark a processing run completed without changes (``result_data.status`` is
        ``no_changes``, as in document 004); the key stays taken."""
        return self._finish(
            rows.finish(
                history_id,
                status="completed",
                result_status="no_changes",
                result=result,
                modified_files_count=0,
            ),
            conn,
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
            rows.finish(
                history_id,
                status="failed",
                result_status="failed",
                error_message=required(message, "error"),
                result=result,
            ),
            conn,
        )

    def _finish(self, params: dict[str, Any], conn: Conn) -> Finished:
        history_id = params["history_id"]
        row = self.db.fetch_optional("issues/run_finish", params, conn=conn)
        if row is None:
            raise NotFound(f"no issue history row with id {history_id}")
        if not row["updated"]:
            if (row["previous_error"] or "").startswith(REAPED_PREFIX):
                raise Reaped(
                    f"issue history {history_id} was failed by the reaper at "
                    f"{row['previous_completed_at']:%Y-%m-%d %H:%M:%S%z} "
                    f"({row['previous_error']}); it cannot be marked "
                    f"{params['result_status']}, and its issue key may already be claimed "
                    "by another worker"
                )
            # 'processing' here: another caller finished it between our snapshot and our update.
            now = row["previous_status"] if row["previous_status"] != "processing" else "finished"
            raise InvalidTransition(
                f"issue history {history_id} is {now}, not processing: "
                f"it cannot be marked {params['result_status']}"
            )
        return Finished(
            history_id=row["id"],
            status=params["status"],
            completed_at=row["completed_at"],
            processing_duration_seconds=row["processing_duration_seconds"],
        )

    # -- reading ----------------------------------------------------------------------

    def history(
        self,
        limit: int = 20,
        status: Status | None = None,
        issue_key: str | None = None,
        *,
        conn: Conn = None,
    ) -> list[HistoryEntry]:
        """Newest runs first, optionally of one status and/or one issue key."""
        params = {
            "limit": positive(limit, "limit"),
            "status": choice(status, "status", STATUSES),
            "issue_key": values.text(issue_key),
        }
        return self.db.fetch_all(
            "issues/run_list", params, conn=conn, row_factory=class_row(HistoryEntry)
        )

    def detail(self, history_id: int, *, conn: Conn = None) -> Detail | None:
        """One run with its files, LLM calls (and total cost) and API calls; None if unknown."""
        params = {"history_id": rows.history_id(history_id)}
        with self._using(conn) as c:
            run = self.db.fetch_optional("issues/run_get", params, conn=c)
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
        self._warn_unless_whole_hour_zone(conn)
        params = {"days": window(days, "days")}
        return self.db.fetch_all("issues/stats_daily", params, conn=conn)

    def llm_cost(self, days: int = 7, *, conn: Conn = None) -> list[dict[str, Any]]:
        """LLM calls, cache hits, tokens and cost per day and call type."""
        self._warn_unless_whole_hour_zone(conn)
        params = {"days": window(days, "days")}
        return self.db.fetch_all("issues/stats_llm_cost_daily", params, conn=conn)

    def file_history(
        self, path: str, limit: int = 20, *, conn: Conn = None
    ) -> list[FileHistoryEntry]:
        """The latest changes to ``path``, with the issue of each."""
        params = {"file_path": required(path, "path"), "limit": positive(limit, "limit")}
        return self.db.fetch_all(
            "issues/file_history", params, conn=conn, row_factory=class_row(FileHistoryEntry)
        )

    # -- analytics (document 004's seven queries) --------------------------------------

    def analytics(self, name: str, *, conn: Conn = None, **params: Any) -> list[dict[str, Any]]:
        """Run one of the seven analytics queries by name (see ``analytics.ANALYTICS``)."""
        analytic = analytics.get(name)
        return self.db.fetch_all(analytic.query, analytic.params(params), conn=conn)

    def weekly_success_trend(self, months: int = 3, *, conn: Conn = None) -> list[dict[str, Any]]:
        self._warn_unless_whole_hour_zone(conn)
        return self.analytics("weekly_success_trend", months=months, conn=conn)

    def top_modified_files(
        self, limit: int = 10, days: int | None = None, *, conn: Conn = None
    ) -> list[dict[str, Any]]:
        return self.analytics("top_modified_files", limit=limit, days=days, conn=conn)

    def llm_cost_by_model(self, days: int = 30, *, conn: Conn = None) -> list[dict[str, Any]]:
        return self.analytics("llm_cost_by_model", days=days, conn=conn)

    def hourly_throughput(self, days: int = 7, *, conn: Conn = None) -> list[dict[str, Any]]:
        self._warn_unless_whole_hour_zone(conn)
        return self.analytics("hourly_throughput", days=days, conn=conn)

    def failure_reasons(
        self, days: int = 30, limit: int = 20, *, conn: Conn = None
    ) -> list[dict[str, Any]]:
        return self.analytics("failure_reasons", days=days, limit=limit, conn=conn)

    def api_calls_per_hour(self, hours: int = 24, *, conn: Conn = None) -> list[dict[str, Any]]:
        return self.analytics("api_calls_per_hour", hours=hours, conn=conn)

    def duration_percentiles(self, days: int = 30, *, conn: Conn = None) -> list[dict[str, Any]]:
        return self.analytics("duration_percentiles", days=days, conn=conn)

    # -- helpers ----------------------------------------------------------------------

    def _warn_unless_whole_hour_zone(self, conn: Conn) -> None:
        """Per-day figures are unions of UTC hours: not exact in a +05:30-like zone."""
        zone = self.db.fetch_one("issues/session_zone_whole_hours", conn=conn)
        if zone is not None and not zone["whole_hours"]:
            warnings.warn(
                f"session TimeZone {zone['time_zone']} is not a whole number of hours from "
                "UTC: daily, weekly and hourly figures are summed from UTC hours and may "
                "differ from the raw views (v_processing_stats, v_llm_cost_daily)",
                PartialHourTimeZone,
                stacklevel=3,
            )

    @contextlib.contextmanager
    def _using(self, conn: Conn) -> Iterator[psycopg.Connection[Any]]:
        """The caller's connection, else a pooled one whose transaction ends with the block."""
        if conn is not None:
            yield conn
        else:
            with self.db.connection() as borrowed:
                yield borrowed


@contextlib.contextmanager
def _for_run(history_id: int) -> Iterator[None]:
    """Say which id was unknown, in place of the foreign key's wording."""
    try:
        yield
    except NotFound as exc:
        raise NotFound(f"no issue history row with id {history_id}") from exc


def _recorded(row: T | None, history_id: int) -> T:
    """The row a record_* statement returned; none means the run does not exist (the
    statement reads the run to copy its issue_key, so it inserts nothing then)."""
    if row is None:
        raise NotFound(f"no issue history row with id {history_id}")
    return row


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


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
