"""Rows of the workflow tables as frozen dataclasses (field names = the SQL column lists).

``psycopg.rows.class_row`` maps the rows of ``sql/workflows/*.sql`` onto these, for the
sync and the async logger alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, get_args

WorkflowStatus = Literal["running", "completed", "failed", "cancelled"]
FinalStatus = Literal["completed", "failed", "cancelled"]
NodeStatus = Literal["pending", "running", "completed", "failed", "skipped"]
NodeType = Literal["analysis", "search", "generation", "routing"]
InputType = Literal["region", "specific_place"]

# The values of the tables' CHECK constraints (check_nodes_node_type...).
NODE_TYPES: tuple[NodeType, ...] = get_args(NodeType)
INPUT_TYPES: tuple[InputType, ...] = get_args(InputType)
FINAL_STATUSES: tuple[FinalStatus, ...] = get_args(FinalStatus)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    email: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Workflow:
    id: int
    user_id: int
    status: WorkflowStatus
    user_input: str | None
    input_type: str | None
    time_settings: Any
    date_theme: Any
    user_intent: Any
    search_radius: Decimal | None
    final_itinerary: Any
    error_message: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    # The whole state as JSON (migration 0032), beside the travel-planner columns.
    state: Any = None


@dataclass(frozen=True)
class Node:
    id: int
    workflow_id: int
    node_name: str
    node_type: str | None
    execution_order: int
    status: NodeStatus
    state_data: Any
    input_data: Any
    output_data: Any
    error_message: str | None
    error_traceback: str | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    duration_ms: int | None
    created_at: dt.datetime
    parent_node_id: int | None = None


@dataclass(frozen=True)
class Generation:
    id: int
    workflow_id: int
    node_id: int | None
    model_name: str
    model_provider: str | None
    system_prompt: str | None
    user_prompt: str | None
    output: str | None
    parsed_output: Any
    temperature: Decimal | None
    max_tokens: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    cached_input_tokens: int | None
    reasoning_tokens: int | None
    cache_write_input_tokens: int | None
    usage_problem: str | None
    latency_ms: int | None
    provided_cost: Decimal | None
    computed_cost: Decimal | None
    pricing_id: int | None
    estimated_cost: Decimal | None
    created_at: dt.datetime
