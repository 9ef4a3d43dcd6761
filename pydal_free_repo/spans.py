"""Span rows: what the OpenTelemetry exporter and the LangChain handler hand the span writer.

A span row is one span (or LangChain run) flattened to the columns of the staging table
``sql/spans/stage_create.sql``. ``span_row`` builds it and never raises over the values:
an agent's LLM call that happened is recorded even when an attribute is malformed. A value
that cannot be stored (a label too long, a node type outside the format, JSON that is not
JSON) is shortened, normalised or dropped, and the reason is returned in ``problems``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from typing import Any

from pydal_free_repo import values
from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.rows import checks as P
from pydal_free_repo.usage import Usage, read_usage

KINDS = ("workflow", "node", "generation")
SOURCES = ("opentelemetry", "langchain")
_NOT_WORD = re.compile(r"[^a-z0-9_.-]+")


@dataclasses.dataclass
class SpanFields:
    """One span as the integrations read it; ``span_row`` checks and flattens it."""

    source: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    is_root: bool
    kind: str
    username: str
    name: str
    started_at: dt.datetime
    ended_at: dt.datetime
    node_span_id: str | None = None
    node_type: str | None = None
    failed: bool = False
    error_message: str | None = None
    input_data: Any = None
    output_data: Any = None
    state: Any = None
    user_input: str | None = None
    final_itinerary: Any = None
    model_name: str | None = None
    model_provider: str | None = None
    system_prompt: str | None = None
    user_prompt: str | None = None
    output: str | None = None
    temperature: Any = None
    max_tokens: Any = None
    usage: Usage | None = None


# The staging table's COPY column order (sql/spans/stage_copy.sql).
COLUMNS = (
    "source",
    "trace_id",
    "span_id",
    "parent_span_id",
    "node_span_id",
    "is_root",
    "kind",
    "username",
    "name",
    "node_type",
    "status",
    "error_message",
    "started_at",
    "ended_at",
    "duration_ms",
    "input_data",
    "output_data",
    "state",
    "user_input",
    "final_itinerary",
    "model_name",
    "model_provider",
    "system_prompt",
    "user_prompt",
    "output",
    "temperature",
    "max_tokens",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "reasoning_tokens",
    "usage_problem",
    "computed_cost",
    "pricing_id",
)


def span_row(span: SpanFields) -> tuple[dict[str, Any], list[str]]:
    """The staging row of ``span`` (the ``COLUMNS``) and what had to be fixed in it.
    ``computed_cost`` and ``pricing_id`` are set by the span writer's thread
    (``pricing.price_row``), once per batch."""
    problems: list[str] = []
    if span.kind not in KINDS or span.source not in SOURCES:
        raise InvalidValue(f"span kind {span.kind!r} / source {span.source!r} unknown")
    started, ended = _utc(span.started_at), _utc(span.ended_at)
    ended = max(ended, started)
    duration = _int(round((ended - started).total_seconds() * 1000))
    usage = read_usage(span.usage) if span.usage is not None else Usage()
    if usage.problem:
        problems.append(usage.problem)
    row = {
        "source": span.source,
        "trace_id": _label(span.trace_id, 64, "trace_id", problems) or "",
        "span_id": _label(span.span_id, 64, "span_id", problems) or "",
        "parent_span_id": _label(span.parent_span_id, 64, "parent_span_id", problems),
        "node_span_id": _label(span.node_span_id, 64, "node_span_id", problems),
        "is_root": bool(span.is_root),
        "kind": span.kind,
        "username": _label(span.username, 100, "username", problems) or "opentelemetry",
        "name": _label(span.name, 100, "name", problems) or "span",
        "node_type": node_type(span.node_type),
        "status": "failed" if span.failed else "completed",
        "error_message": values.text(span.error_message),
        "started_at": started,
        "ended_at": ended,
        "duration_ms": duration,
        "input_data": _json(span.input_data, "input_data", problems),
        "output_data": _json(span.output_data, "output_data", problems),
        "state": _json(span.state, "state", problems),
        "user_input": values.text(span.user_input),
        "final_itinerary": _json(span.final_itinerary, "final_itinerary", problems),
        "model_name": _label(span.model_name or usage.model, 100, "model_name", problems),
        "model_provider": _label(
            span.model_provider or usage.provider, 50, "model_provider", problems
        ),
        "system_prompt": values.text(span.system_prompt),
        "user_prompt": values.text(span.user_prompt),
        "output": values.text(span.output),
        "temperature": _number(span.temperature, "temperature", problems),
        "max_tokens": _count(span.max_tokens, "max_tokens", problems),
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "cached_input_tokens": usage.cache_read_tokens,
        "cache_write_input_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "usage_problem": usage.problem,
        "computed_cost": None,
        "pricing_id": None,
    }
    if span.kind == "generation" and row["model_name"] is None:
        row["model_name"] = "unknown"
    if not row["trace_id"] or not row["span_id"]:
        raise InvalidValue("a span needs a trace id and a span id")
    return row, problems


def node_type(value: Any) -> str | None:
    """An operation name as a node_type the format CHECK takes: lower-cased, other
    characters replaced by '_', at most 20 characters; None when nothing is left."""
    if not isinstance(value, str):
        return None
    word = _NOT_WORD.sub("_", value.strip().lower()).lstrip("0123456789_.-")[:20]
    return word or None


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _int(value: int) -> int | None:
    return value if 0 <= value <= P.INT4_MAX else None


def _label(value: Any, length: int, name: str, problems: list[str]) -> str | None:
    if value is None or value == "":
        return None
    cleaned = values.text(value) or ""
    if len(cleaned) > length:
        problems.append(f"{name} shortened to {length} characters")
        cleaned = cleaned[:length]
    return cleaned


def _json(value: Any, name: str, problems: list[str]) -> Any:
    if value is None:
        return None
    try:
        return values.json(P.plain(value), name)
    except (InvalidValue, TypeError, ValueError) as exc:
        problems.append(f"{name} dropped: {exc}")
        return None


def _number(value: Any, name: str, problems: list[str]) -> Any:
    if value is None:
        return None
    try:
        return P.amount(value, name)
    except InvalidValue as exc:
        problems.append(str(exc))
        return None


def _count(value: Any, name: str, problems: list[str]) -> int | None:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    try:
        return P.count(value, name)
    except InvalidValue as exc:
        problems.append(str(exc))
        return None
