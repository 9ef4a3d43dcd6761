"""Parameters of the workflow queries, checked and scrubbed once for every caller.

The sync logger, the async logger and the buffered writer all build their values here:
text through ``values.text``, JSON through ``values.json``, and the tables' CHECK rules
tested in Python first so a bad value fails with a clear message before any I/O (the
buffered writer relies on this: a row it accepted is a row the database will take).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json as _json_module
import math
import re
import traceback
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydal_free_repo import values
from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.usage import apply_usage, provider_name

# Document 000's node types: the documented examples, not a closed list (see ``word``).
NODE_TYPES = ("analysis", "search", "generation", "routing")
# The format CHECKs of migration 0030 (node_type VARCHAR(20), call_type VARCHAR(50)).
WORD = re.compile(r"[a-z][a-z0-9_.-]*")
INPUT_TYPES = ("region", "specific_place")
FINAL_STATUSES = ("completed", "failed", "cancelled")
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


def plain(value: Any) -> Any:
    """State objects as JSON data: dataclasses and pydantic models become dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def jsonb(value: Any, name: str) -> Any:
    return values.json(plain(value), name)


def field(state: Any, key: str) -> Any:
    """``state[key]`` of a dict-like state (the document's TypedDict), else its attribute."""
    if state is None:
        return None
    if isinstance(state, Mapping):
        return state.get(key)
    return getattr(state, key, None)


def label(value: Any, name: str, *, max_length: int, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidValue(f"{name} must not be empty")
        return None
    cleaned = values.text(value)
    if len(cleaned) > max_length:
        raise InvalidValue(f"{name} is longer than {max_length} characters: {cleaned[:40]!r}...")
    return cleaned


def choice(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InvalidValue(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def word(value: Any, name: str, *, max_length: int) -> str | None:
    """An open-vocabulary label (node_type, call_type): a lowercase word of letters, digits,
    '_', '.' or '-' starting with a letter, e.g. tool, llm, agent, execute_tool."""
    if value is None:
        return None
    if not isinstance(value, str) or not WORD.fullmatch(value) or len(value) > max_length:
        raise InvalidValue(
            f"{name} must be a lowercase word (a-z first, then a-z 0-9 _ . -) of at most "
            f"{max_length} characters, e.g. tool, llm, agent; not {value!r}"
        )
    return value


def count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{name} must be a whole number, not {value!r}")
    if value < 0:
        raise InvalidValue(f"{name} must not be negative, not {value}")
    if value > INT4_MAX:
        raise InvalidValue(f"{name} is too large for an INTEGER column: {value}")
    return value


def amount(value: Any, name: str) -> float | Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidValue(f"{name} must be a number, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue(f"{name} must be a finite number, not {value!r}")
    if value < 0:
        raise InvalidValue(f"{name} must not be negative, not {value}")
    if isinstance(value, float):
        # Sent as float8, a NUMERIC column keeps only 15 significant digits (0.1 + 0.2
        # would read back as 0.3); the float's shortest exact text keeps every digit.
        return Decimal(repr(value))
    return value


def bounded(value: Any, name: str, precision: int, scale: int) -> float | Decimal | None:
    """An amount for a NUMERIC(precision, scale) column, refused here if the server would
    refuse it after rounding (the buffered writer must not accept a row COPY rejects)."""
    checked = amount(value, name)
    if checked is None:
        return None
    limit = Decimal(10) ** (precision - scale)
    # Compared before rounding too: quantizing 1e22 to 6 places needs more digits than
    # the decimal context has (InvalidOperation).
    if Decimal(checked) >= limit or (
        Decimal(checked).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP) >= limit
    ):
        raise InvalidValue(f"{name} must be less than {limit}, not {value}")
    return checked


def total_fits(row: dict[str, Any]) -> None:
    """A missing total_tokens is filled with prompt + completion (when either is known)."""
    if row["total_tokens"] is None and (
        row["prompt_tokens"] is not None or row["completion_tokens"] is not None
    ):
        total = (row["prompt_tokens"] or 0) + (row["completion_tokens"] or 0)
        if total > INT4_MAX:
            raise InvalidValue(
                f"prompt_tokens + completion_tokens ({total}) is too large for total_tokens"
            )
        row["total_tokens"] = total


def token_parts(row: dict[str, Any]) -> None:
    """The counts of a row, checked as the tables' CHECK rules do: cache reads and writes
    within the input, reasoning within the output; a missing total filled."""
    total_fits(row)
    parts = None
    if row["cached_input_tokens"] is not None or row["cache_write_input_tokens"] is not None:
        parts = (row["cached_input_tokens"] or 0) + (row["cache_write_input_tokens"] or 0)
    within(
        parts,
        row["prompt_tokens"],
        "cached_input_tokens + cache_write_input_tokens",
        "prompt_tokens",
    )
    within(
        row["reasoning_tokens"], row["completion_tokens"], "reasoning_tokens", "completion_tokens"
    )


def within(part: int | None, whole: int | None, part_name: str, whole_name: str) -> None:
    if part is not None and whole is not None and part > whole:
        raise InvalidValue(f"{part_name} ({part}) cannot exceed {whole_name} ({whole})")


def row_id(value: Any, name: str) -> int:
    """A row id: a whole number. A float or a numeric string would be rounded or cast by
    the server (1.5 becomes 2) and could attach the row to another user or run."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > INT8_MAX:
        raise InvalidValue(f"{name} must be a row id (a whole number), not {value!r}")
    return value


def timestamp(value: Any, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidValue(f"{name} must be a timezone-aware datetime, not {value!r}")
    return value


def user(username: Any, email: Any) -> dict[str, Any]:
    return {
        "username": label(username, "username", max_length=100, required=True),
        "email": label(email, "email", max_length=255),
    }


def workflow_start(user_id: int, state: Any) -> dict[str, Any]:
    return {
        "user_id": row_id(user_id, "user_id"),
        "user_input": values.text(field(state, "user_input")),
        "input_type": choice(field(state, "input_type"), "input_type", INPUT_TYPES),
        "time_settings": jsonb(field(state, "time_settings"), "time_settings"),
        "date_theme": jsonb(field(state, "date_theme"), "date_theme"),
        "user_intent": jsonb(field(state, "user_intent"), "user_intent"),
        "search_radius": amount(field(state, "search_radius"), "search_radius"),
        "state": whole_state(state),
    }


def workflow_complete(workflow_id: int, state: Any, status: str) -> dict[str, Any]:
    return {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "status": choice(status, "status", FINAL_STATUSES),
        "final_itinerary": jsonb(field(state, "final_itinerary"), "final_itinerary"),
        "user_intent": jsonb(field(state, "user_intent"), "user_intent"),
        "time_settings": jsonb(field(state, "time_settings"), "time_settings"),
        "date_theme": jsonb(field(state, "date_theme"), "date_theme"),
        "state": whole_state(state),
    }


def whole_state(state: Any) -> Any:
    """The whole state as jsonb, for ``workflows.state``. Never refuses a state: what is
    not JSON (a client object, a set) is stored as its text, so a state that only ever had
    to fill the travel-planner columns still starts its run."""
    if state is None:
        return None
    try:
        return jsonb(state, "state")
    except InvalidValue:
        pass
    try:
        text = _json_module.dumps(plain(state), default=str, allow_nan=False)
        return jsonb(_json_module.loads(text), "state")
    except (InvalidValue, ValueError, TypeError, RecursionError):
        return None  # the travel-planner columns above were checked; the copy is optional


def workflow_end(workflow_id: int, status: str, error: Any) -> dict[str, Any]:
    if isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    return {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "status": choice(status, "status", ("failed", "cancelled")),
        "error_message": values.text(error),
    }


def node_create(
    workflow_id: int, node_name: Any, node_type: Any, input_data: Any
) -> dict[str, Any]:
    return {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "node_name": label(node_name, "node_name", max_length=100, required=True),
        "node_type": word(node_type, "node_type", max_length=20),
        "input_data": jsonb(input_data, "input_data"),
    }


def node_complete(node_id: int, state: Any, output_data: Any) -> dict[str, Any]:
    return {
        "node_id": row_id(node_id, "node_id"),
        "state_data": jsonb(state, "state"),
        "output_data": jsonb(output_data, "output_data"),
    }


def node_fail(node_id: int, error: BaseException) -> dict[str, Any]:
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return {
        "node_id": node_id,
        "error_message": values.text(f"{type(error).__name__}: {error}"),
        "error_traceback": values.text(trace),
    }


def generation(
    *,
    workflow_id: Any,
    model_name: Any,
    user_prompt: Any = None,
    output: Any = None,
    node_id: Any = None,
    model_provider: Any = None,
    system_prompt: Any = None,
    parsed_output: Any = None,
    temperature: Any = None,
    max_tokens: Any = None,
    prompt_tokens: Any = None,
    completion_tokens: Any = None,
    total_tokens: Any = None,
    cached_input_tokens: Any = None,
    cache_write_input_tokens: Any = None,
    reasoning_tokens: Any = None,
    latency_ms: Any = None,
    provided_cost: Any = None,
    created_at: Any = None,
    usage: Any = None,
    usage_problem: Any = None,
) -> dict[str, Any]:
    """A generations row, checked against the table's CHECK constraints. ``usage`` is
    what the client returned (see ``pydal_free_repo.usage``): it fills the counts, model
    and provider not given, and never raises."""
    counts = {
        "model_name": model_name,
        "model_provider": model_provider,
        "prompt_tokens": count(prompt_tokens, "prompt_tokens"),
        "completion_tokens": count(completion_tokens, "completion_tokens"),
        "total_tokens": count(total_tokens, "total_tokens"),
        "cached_input_tokens": count(cached_input_tokens, "cached_input_tokens"),
        "cache_write_input_tokens": count(cache_write_input_tokens, "cache_write_input_tokens"),
        "reasoning_tokens": count(reasoning_tokens, "reasoning_tokens"),
        "usage_problem": values.text(usage_problem),
    }
    if usage is not None:
        apply_usage(counts, usage, model_key="model_name", provider_key="model_provider")
    row = {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "node_id": None if node_id is None else row_id(node_id, "node_id"),
        "model_name": label(counts["model_name"], "model_name", max_length=100, required=True),
        "model_provider": label(
            provider_name(counts["model_provider"]), "model_provider", max_length=50
        ),
        "system_prompt": values.text(system_prompt),
        "user_prompt": values.text(user_prompt),
        "output": values.text(output),
        "parsed_output": jsonb(parsed_output, "parsed_output"),
        "temperature": amount(temperature, "temperature"),
        "max_tokens": count(max_tokens, "max_tokens"),
        "prompt_tokens": counts["prompt_tokens"],
        "completion_tokens": counts["completion_tokens"],
        "total_tokens": counts["total_tokens"],
        "cached_input_tokens": counts["cached_input_tokens"],
        "cache_write_input_tokens": counts["cache_write_input_tokens"],
        "reasoning_tokens": counts["reasoning_tokens"],
        "usage_problem": counts["usage_problem"],
        "latency_ms": count(latency_ms, "latency_ms"),
        "provided_cost": bounded(provided_cost, "provided_cost", 12, 6),
        "created_at": timestamp(created_at, "created_at"),
    }
    token_parts(row)
    return row
