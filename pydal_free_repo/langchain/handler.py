"""``WorkflowCallbackHandler``: a LangChain callback that records runs as workflows.

Pass it in ``config={"callbacks": [handler]}`` of a LangGraph graph or any runnable:

- the outermost run (the graph, the chain) is a workflow: its inputs give ``user_input``,
  its outputs (a LangGraph state) the workflow's JSON ``state`` (and ``final_itinerary``
  when the state has one); an exception fails it;
- each LangGraph node is a node (``node_type`` from the node's metadata ``node_type``, else
  ``graph_node``), each tool a node of type ``tool``;
- each chat-model or LLM call is a generation of the node it ran in, with the model, the
  provider, its usage (read by ``usage.read_usage``), latency, prompts, output and error.

Callbacks only build rows and queue them (``run_inline``: no executor hop); a
``SpanWriter`` thread writes them with COPY, idempotent on the run ids, exactly like the
OpenTelemetry exporter. ``flush()`` waits for the writes; ``close()`` ends the thread.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from pydal_free_repo.database import Database
from pydal_free_repo.rows import checks as P
from pydal_free_repo.span_writer import SpanWriter, SpanWriterStats
from pydal_free_repo.spans import SpanFields, span_row
from pydal_free_repo.usage import read_usage

log = logging.getLogger(__name__)

HIDDEN_TAG = "langgraph:hidden"


@dataclass
class _Run:
    trace: UUID
    parent: UUID | None
    name: str
    kind: str | None  # workflow, node, generation, or None (not recorded)
    node_run: UUID | None  # the innermost enclosing node run
    started_at: dt.datetime
    node_type: str | None = None
    inputs: Any = None
    model: str | None = None
    provider: str | None = None
    temperature: Any = None
    max_tokens: Any = None
    prompts: list[Any] = field(default_factory=list)


class WorkflowCallbackHandler(BaseCallbackHandler):
    """Record LangChain / LangGraph runs as workflows, nodes and generations.

    ``db`` is a ``Database`` (else one is opened on ``dsn``/``DATABASE_URL``/embedded and
    closed by ``close``); workflows belong to ``username``."""

    run_inline = True
    raise_error = False

    def __init__(
        self,
        db: Database | None = None,
        *,
        dsn: str | None = None,
        username: str = "langchain",
        **writer_options: Any,
    ):
        self._owns_db = db is None
        self.db = db if db is not None else Database.connect(dsn)
        self.username = username
        self.writer = SpanWriter(self.db, name="pfr-langchain", **writer_options)
        self._runs: dict[UUID, _Run] = {}
        self._lock = threading.Lock()

    # -- chains and graph nodes -------------------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = kwargs.get("name") or (serialized or {}).get("name") or "chain"
        metadata = metadata or {}
        if parent_run_id is None or self._run(parent_run_id) is None:
            self._start(run_id, None, name, "workflow", inputs=inputs)
        elif metadata.get("langgraph_node") == name and HIDDEN_TAG not in (tags or []):
            node_type = metadata.get("node_type") or "graph_node"
            self._start(run_id, parent_run_id, name, "node", inputs=inputs, node_type=node_type)
        else:
            self._start(run_id, parent_run_id, name, None)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, outputs=outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- tools ------------------------------------------------------------------------------

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = kwargs.get("name") or (serialized or {}).get("name") or "tool"
        kind = "node" if parent_run_id is not None else "workflow"
        self._start(run_id, parent_run_id, name, kind, inputs=inputs or input_str, node_type="tool")

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, outputs=output)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- model calls ------------------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start_model(run_id, parent_run_id, serialized, metadata, kwargs, messages[0])

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start_model(run_id, parent_run_id, serialized, metadata, kwargs, list(prompts))

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, outputs=response)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- writing ----------------------------------------------------------------------------

    @property
    def stats(self) -> SpanWriterStats:
        return self.writer.stats

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every finished run is written; False after ``timeout`` seconds."""
        return self.writer.flush(timeout)

    def close(self, timeout: float | None = 30.0) -> SpanWriterStats:
        stats = self.writer.close(timeout)
        if self._owns_db:
            self.db.close()
        return stats

    def _run(self, run_id: UUID) -> _Run | None:
        with self._lock:
            return self._runs.get(run_id)

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        kind: str | None,
        **details: Any,
    ) -> _Run:
        parent = self._run(parent_run_id) if parent_run_id is not None else None
        trace = parent.trace if parent is not None else run_id
        node_run = None
        if parent is not None:
            node_run = parent_run_id if parent.kind == "node" else parent.node_run
        run = _Run(
            trace=trace,
            parent=parent_run_id,
            name=str(name),
            kind=kind,
            node_run=node_run,
            started_at=_now(),
            **details,
        )
        with self._lock:
            self._runs[run_id] = run
        return run

    def _start_model(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        serialized: dict[str, Any] | None,
        metadata: dict[str, Any] | None,
        kwargs: dict[str, Any],
        prompts: list[Any],
    ) -> None:
        metadata = metadata or {}
        params = kwargs.get("invocation_params") or {}
        name = kwargs.get("name") or (serialized or {}).get("name") or "llm"
        self._start(
            run_id,
            parent_run_id,
            name,
            "generation",
            model=metadata.get("ls_model_name") or params.get("model") or params.get("model_name"),
            provider=metadata.get("ls_provider"),
            temperature=metadata.get("ls_temperature", params.get("temperature")),
            max_tokens=metadata.get("ls_max_tokens", params.get("max_tokens")),
            prompts=prompts,
        )

    def _end(
        self, run_id: UUID, *, outputs: Any = None, error: BaseException | None = None
    ) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is None or run.kind is None:
            return
        try:
            fields = self._fields(run_id, run, outputs, error)
            row, problems = span_row(fields)
        except Exception:  # the application's run must never fail over its record
            log.exception("run %s (%s) could not be recorded", run_id, run.name)
            self.writer.put([], problems=1)
            return
        self.writer.put([row], problems=bool(problems))

    def _fields(
        self, run_id: UUID, run: _Run, outputs: Any, error: BaseException | None
    ) -> SpanFields:
        is_root = run.parent is None
        fields = SpanFields(
            source="langchain",
            trace_id=run.trace.hex,
            span_id=run_id.hex,
            parent_span_id=run.parent.hex if run.parent else None,
            node_span_id=run.node_run.hex if run.node_run else None,
            is_root=is_root,
            kind=run.kind or "node",
            username=self.username,
            name=run.name,
            started_at=run.started_at,
            ended_at=_now(),
            node_type=run.node_type,
            failed=error is not None,
            error_message=f"{type(error).__name__}: {error}" if error is not None else None,
        )
        if run.kind == "generation":
            self._generation(fields, run, outputs)
        elif run.kind == "node":
            fields.input_data = _jsonable(run.inputs)
            fields.output_data = _jsonable(outputs)
        if is_root:
            fields.user_input = _user_input(run.inputs)
            if run.kind != "generation":
                fields.state = _jsonable(outputs if outputs is not None else run.inputs)
                fields.final_itinerary = _jsonable(P.field(outputs, "final_itinerary"))
        return fields

    def _generation(self, fields: SpanFields, run: _Run, response: Any) -> None:
        prompts = run.prompts
        fields.system_prompt = _texts(m for m in prompts if _role(m) == "system")
        humans = [m for m in prompts if _role(m) in ("human", "user", None)]
        fields.user_prompt = _content(humans[-1]) if humans else None
        fields.temperature = run.temperature
        fields.max_tokens = run.max_tokens
        first = _first_generation(response)
        message = first.message if isinstance(first, ChatGeneration) else None
        fields.output = first.text if first is not None else None
        llm_output = getattr(response, "llm_output", None) or {}
        source = message if message is not None else llm_output.get("token_usage")
        # What the response says (the model that answered, the provider that served it)
        # wins over what was asked (invocation params, LangSmith's ls_* metadata).
        usage = read_usage(source if source is not None else {})
        fields.usage = usage
        fields.model_name = usage.model or llm_output.get("model_name") or run.model
        fields.model_provider = usage.provider or run.provider


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _first_generation(response: Any) -> Any:
    generations = getattr(response, "generations", None) or []
    if generations and generations[0]:
        return generations[0][0]
    return None


def _role(message: Any) -> str | None:
    return getattr(message, "type", None) if isinstance(message, BaseMessage) else None


def _content(message: Any) -> str | None:
    if isinstance(message, BaseMessage):
        return message.text if isinstance(message.text, str) else str(message.content)
    return None if message is None else str(message)


def _texts(messages: Any) -> str | None:
    texts = [t for t in (_content(m) for m in messages) if t]
    return "\n".join(texts) if texts else None


def _user_input(inputs: Any) -> str | None:
    if isinstance(inputs, str):
        return inputs
    if isinstance(inputs, Mapping):
        if isinstance(inputs.get("user_input"), str):
            return inputs["user_input"]
        messages = inputs.get("messages")
        if isinstance(messages, Sequence) and not isinstance(messages, str):
            humans = [m for m in messages if _role(m) == "human" or isinstance(m, str)]
            if humans:
                return _content(humans[-1])
        if isinstance(inputs.get("input"), str):
            return inputs["input"]
    return None


def _jsonable(value: Any) -> Any:
    """Any state as JSON: messages and models by model_dump, the rest by str()."""
    if value is None:
        return None
    return json.loads(json.dumps(P.plain(value), default=str))
