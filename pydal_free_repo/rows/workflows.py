"""Rows of the workflow tables (users, workflows, nodes, generations), checked once.

The async logger, its generated sync twin and the buffered writer build their values
here: text through ``values.text``, JSON through ``values.json``, and the tables' CHECK
rules and lengths tested in Python first.
"""

from __future__ import annotations

import traceback
from typing import Any

from pydal_free_repo import values
from pydal_free_repo.rows.checks import (
    amount,
    bounded,
    choice,
    count,
    field,
    jsonb,
    label,
    required,
    required_choice,
    row_id,
    timestamp,
    tokens,
    whole_state,
    word,
)
from pydal_free_repo.usage import apply_usage, provider_name
from pydal_free_repo.workflows.records import FINAL_STATUSES, INPUT_TYPES


def user(username: Any, email: Any) -> dict[str, Any]:
    return {
        "username": required(username, "username", max_length=100),
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
        "status": required_choice(status, "status", FINAL_STATUSES),
        "final_itinerary": jsonb(field(state, "final_itinerary"), "final_itinerary"),
        "user_intent": jsonb(field(state, "user_intent"), "user_intent"),
        "time_settings": jsonb(field(state, "time_settings"), "time_settings"),
        "date_theme": jsonb(field(state, "date_theme"), "date_theme"),
        "state": whole_state(state),
    }


def workflow_end(workflow_id: int, status: str, error: Any) -> dict[str, Any]:
    if isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    return {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "status": required_choice(status, "status", ("failed", "cancelled")),
        "error_message": values.text(error),
    }


def node_create(
    workflow_id: int,
    node_name: Any,
    node_type: Any,
    input_data: Any,
    parent_node_id: Any = None,
) -> dict[str, Any]:
    return {
        "workflow_id": row_id(workflow_id, "workflow_id"),
        "node_name": required(node_name, "node_name", max_length=100),
        "node_type": word(node_type, "node_type", max_length=20),
        "input_data": jsonb(input_data, "input_data"),
        "parent_node_id": None if parent_node_id is None else row_id(parent_node_id, "parent"),
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
    """A generations row (``log_generation`` and ``BufferedWriter.generation``).

    ``created_at`` None leaves the time to the writing path (the server's now(), or the
    buffered writer's time of acceptance). ``usage`` is what the client returned (see
    ``pydal_free_repo.usage``): it fills the counts, model and provider not given."""
    counts: dict[str, Any] = {
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
        "model_name": required(counts["model_name"], "model_name", max_length=100),
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
        "computed_cost": None,
        "pricing_id": None,
    }
    tokens(row)
    return row
