"""Parameters of the workflow queries, checked and scrubbed once for every caller.

The sync logger, the async logger and the buffered writer all build their values here:
text through ``values.text``, JSON through ``values.json``, and the tables' CHECK rules
tested in Python first so a bad value fails with a clear message before any I/O (the
buffered writer relies on this: a row it accepted is a row the database will take).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import traceback
from collections.abc import Mapping
from typing import Any

from pydal_free_repo import values
from pydal_free_repo.errors import InvalidValue

NODE_TYPES = ("analysis", "search", "generation", "routing")
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
    return value  # a Decimal stays exact: values.json writes every digit


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


# The shared checks (no NaN/sNaN/infinity, exact decimals, in-range UTC times) live in
# values.py so every row builder refuses the same values with the same words.
amount = values.amount
bounded = values.bounded


def total_fits(row: dict[str, Any]) -> None:
    """A missing total_tokens is filled by the pricing trigger with prompt + completion."""
    if row["total_tokens"] is None:
        total = (row["prompt_tokens"] or 0) + (row["completion_tokens"] or 0)
        if total > INT4_MAX:
            raise InvalidValue(
                f"prompt_tokens + completion_tokens ({total}) is too large for total_tokens"
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


timestamp = values.timestamp


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
    }


def workflow_complete(workflow_id: int, state: Any, status: str) -> dict[str, Any]:
    return {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "status": choice(status, "status", FINAL_STATUSES),
        "final_itinerary": jsonb(field(state, "final_itinerary"), "final_itinerary"),
        "user_intent": jsonb(field(state, "user_intent"), "user_intent"),
        "time_settings": jsonb(field(state, "time_settings"), "time_settings"),
        "date_theme": jsonb(field(state, "date_theme"), "date_theme"),
    }


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
        "node_type": choice(node_type, "node_type", NODE_TYPES),
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
    reasoning_tokens: Any = None,
    latency_ms: Any = None,
    provided_cost: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """A generations row, checked against the table's CHECK constraints."""
    row = {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "node_id": None if node_id is None else row_id(node_id, "node_id"),
        "model_name": label(model_name, "model_name", max_length=100, required=True),
        "model_provider": label(model_provider, "model_provider", max_length=50),
        "system_prompt": values.text(system_prompt),
        "user_prompt": values.text(user_prompt),
        "output": values.text(output),
        "parsed_output": jsonb(parsed_output, "parsed_output"),
        "temperature": amount(temperature, "temperature"),
        "max_tokens": count(max_tokens, "max_tokens"),
        "prompt_tokens": count(prompt_tokens, "prompt_tokens"),
        "completion_tokens": count(completion_tokens, "completion_tokens"),
        "total_tokens": count(total_tokens, "total_tokens"),
        "cached_input_tokens": count(cached_input_tokens, "cached_input_tokens"),
        "reasoning_tokens": count(reasoning_tokens, "reasoning_tokens"),
        "latency_ms": count(latency_ms, "latency_ms"),
        "provided_cost": bounded(provided_cost, "provided_cost", 12, 6),
        "created_at": timestamp(created_at, "created_at"),
    }
    total_fits(row)
    within(row["cached_input_tokens"], row["prompt_tokens"], "cached_input_tokens", "prompt_tokens")
    within(
        row["reasoning_tokens"], row["completion_tokens"], "reasoning_tokens", "completion_tokens"
    )
    return row
