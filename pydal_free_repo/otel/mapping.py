"""One OpenTelemetry span as a span row (GenAI semantic conventions, old and new spellings).

- A root span (no parent, or a parent in another process) describes its trace's workflow;
  one trace is one workflow.
- ``chat``, ``generate_content``, ``text_completion`` and ``embeddings`` spans are
  generations (a root LLM-call span is both the workflow and its generation).
- Every other span is a node: ``execute_tool`` of type ``tool``, ``invoke_agent`` of type
  ``agent``, ``invoke_workflow`` of type ``workflow``, other operations by their name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode, format_span_id, format_trace_id

from pydal_free_repo.spans import SpanFields
from pydal_free_repo.usage import Usage

GENERATION_OPERATIONS = frozenset({"chat", "generate_content", "text_completion", "embeddings"})
NODE_TYPES = {
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "invoke_workflow": "workflow",
}
# Each token count under every spelling instrumentations use, preferred first.
TOKEN_KEYS = {
    "input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens"),
    "output": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.usage.completion_tokens",
    ),
    "cache_read": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
    ),
    "cache_write": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
        "gen_ai.usage.cache_write.input_tokens",
    ),
    "reasoning": (
        "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.usage.reasoning_tokens",
        "gen_ai.usage.output_tokens_details.reasoning_tokens",
    ),
    "total": ("gen_ai.usage.total_tokens", "llm.usage.total_tokens"),
}
# Attributes kept out of a workflow's state: the conversation is in the generations.
BULKY = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


def span_fields(span: ReadableSpan, username: str) -> SpanFields:
    attrs: Mapping[str, Any] = span.attributes or {}
    context = span.context
    assert context is not None
    parent = span.parent
    operation = _str(attrs.get("gen_ai.operation.name"))
    is_generation = operation in GENERATION_OPERATIONS
    is_root = parent is None or parent.is_remote
    kind = "generation" if is_generation else ("workflow" if is_root else "node")
    parent_id = format_span_id(parent.span_id) if parent is not None else None
    failed = span.status.status_code is StatusCode.ERROR
    inputs, outputs, system = _conversation(span, attrs)
    fields = SpanFields(
        source="opentelemetry",
        trace_id=format_trace_id(context.trace_id),
        span_id=format_span_id(context.span_id),
        parent_span_id=parent_id,
        node_span_id=parent_id,
        is_root=is_root,
        kind=kind,
        username=username,
        name=span.name,
        started_at=_time(span.start_time),
        ended_at=_time(span.end_time or span.start_time),
        node_type=NODE_TYPES.get(operation or "", operation),
        failed=failed,
        error_message=_error(span, attrs) if failed else None,
    )
    if is_generation:
        fields.model_name = _str(attrs.get("gen_ai.response.model")) or _str(
            attrs.get("gen_ai.request.model")
        )
        fields.model_provider = _str(attrs.get("gen_ai.provider.name")) or _str(
            attrs.get("gen_ai.system")
        )
        fields.temperature = attrs.get("gen_ai.request.temperature")
        fields.max_tokens = attrs.get("gen_ai.request.max_tokens")
        fields.usage = _usage(attrs)
        fields.system_prompt = _text(system)
        fields.user_prompt = _text(_last_of_role(inputs, "user"))
        fields.output = _text(outputs)
    elif kind == "node":
        fields.input_data = _maybe_json(
            attrs.get("gen_ai.tool.call.arguments") or attrs.get("gen_ai.input.messages")
        )
        fields.output_data = _maybe_json(
            attrs.get("gen_ai.tool.call.result") or attrs.get("gen_ai.output.messages")
        )
    if is_root:
        fields.user_input = _text(_last_of_role(inputs, "user"))
        fields.state = {
            "trace_id": fields.trace_id,
            "span": span.name,
            "attributes": {k: _plain(v) for k, v in attrs.items() if k not in BULKY},
        }
    return fields


def _time(nanoseconds: int | None) -> dt.datetime:
    return dt.datetime.fromtimestamp((nanoseconds or 0) / 1e9, tz=dt.timezone.utc)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _usage(attrs: Mapping[str, Any]) -> Usage | None:
    counts = {}
    for name, keys in TOKEN_KEYS.items():
        counts[name] = next((attrs[k] for k in keys if attrs.get(k) is not None), None)
    if all(value is None for value in counts.values()):
        return None
    return Usage(
        input_tokens=counts["input"],
        output_tokens=counts["output"],
        cache_read_tokens=counts["cache_read"],
        cache_write_tokens=counts["cache_write"],
        reasoning_tokens=counts["reasoning"],
        total_tokens=counts["total"],
    )


def _error(span: ReadableSpan, attrs: Mapping[str, Any]) -> str:
    for event in span.events:
        if event.name == "exception" and event.attributes:
            kind = event.attributes.get("exception.type", "")
            message = event.attributes.get("exception.message", "")
            return f"{kind}: {message}".strip(": ")
    return span.status.description or _str(attrs.get("error.type")) or "error"


# -- the conversation --------------------------------------------------------------------------


def _conversation(span: ReadableSpan, attrs: Mapping[str, Any]) -> tuple[list, list, Any]:
    """(input messages, output messages, system instructions) in the span's spelling:
    gen_ai.input.messages / gen_ai.output.messages attributes (current conventions), the
    older gen_ai.content.prompt / gen_ai.content.completion events (gen_ai.prompt and
    gen_ai.completion), per-message events (gen_ai.user.message, gen_ai.choice, ...) or the
    flattened gen_ai.prompt.N.* / gen_ai.completion.N.* attributes."""
    inputs = _messages(attrs.get("gen_ai.input.messages"))
    outputs = _messages(attrs.get("gen_ai.output.messages"))
    system = _maybe_json(attrs.get("gen_ai.system_instructions"))
    for event in span.events:
        e = event.attributes or {}
        if event.name == "gen_ai.content.prompt" and not inputs:
            inputs = _messages(e.get("gen_ai.prompt"), role="user")
        elif event.name == "gen_ai.content.completion" and not outputs:
            outputs = _messages(e.get("gen_ai.completion"), role="assistant")
        elif event.name in ("gen_ai.system.message", "gen_ai.user.message"):
            role = event.name.split(".")[1]
            inputs.append({"role": role, "content": _maybe_json(e.get("content"))})
        elif event.name == "gen_ai.choice":
            message = _maybe_json(e.get("message"))
            outputs.append(message if isinstance(message, Mapping) else {"content": message})
    if not inputs:
        inputs = _flattened(attrs, "gen_ai.prompt")
    if not outputs:
        outputs = _flattened(attrs, "gen_ai.completion")
    if system is None:
        system = _last_of_role(inputs, "system")
    return inputs, outputs, system


def _messages(value: Any, role: str | None = None) -> list:
    parsed = _maybe_json(value)
    if parsed is None:
        return []
    if isinstance(parsed, str):
        return [{"role": role, "content": parsed}]
    if isinstance(parsed, Mapping):
        return [parsed]
    return [m if isinstance(m, Mapping) else {"role": role, "content": m} for m in parsed]


def _flattened(attrs: Mapping[str, Any], prefix: str) -> list:
    found = []
    index = 0
    while f"{prefix}.{index}.content" in attrs or f"{prefix}.{index}.role" in attrs:
        found.append(
            {
                "role": attrs.get(f"{prefix}.{index}.role"),
                "content": attrs.get(f"{prefix}.{index}.content"),
            }
        )
        index += 1
    return found


def _last_of_role(messages: list, role: str) -> Any:
    chosen = [m for m in messages if isinstance(m, Mapping) and m.get("role") == role]
    return chosen[-1] if chosen else None


def _text(value: Any) -> str | None:
    """The text of a message, a list of messages or parts (each convention's shape)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        texts = [t for t in (_text(v) for v in value) if t]
        return "\n".join(texts) if texts else None
    if isinstance(value, Mapping):
        for key in ("parts", "content", "text", "message"):
            if value.get(key) is not None:
                return _text(value[key])
        return None
    return str(value)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[", '"'):
            try:
                return json.loads(stripped)
            except ValueError:
                return value
        return value
    if isinstance(value, tuple):
        return [_maybe_json(v) for v in value]
    return value
