"""PostgresSpanExporter with the real OpenTelemetry SDK: GenAI spans become workflows, nodes
and generations; a span exported twice is stored once; children exported before their
parent end up in one workflow."""

from __future__ import annotations

import datetime as dt
import json
import time

import psycopg
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from pydal_free_repo import Database
from pydal_free_repo.otel import PostgresSpanExporter
from pydal_free_repo.workflows.logger import WorkflowLogger
from tests._otel import stored
from tests.test_security_roles import roles  # noqa: F401 - the fixture, reused


def agent_run(tracer, *, fail_tool: bool = False) -> None:
    """An agent as instrumentations record it: invoke_agent > execute_tool, chat."""
    with (
        tracer.start_as_current_span(
            "invoke_agent planner",
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "planner",
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": "Plan Kyoto"}]}]
                ),
            },
        ),
        tracer.start_as_current_span(
            "execute_tool get_weather",
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.arguments": '{"city": "Kyoto"}',
                "gen_ai.tool.call.result": '{"sky": "clear"}',
            },
        ) as tool,
    ):
        if fail_tool:
            tool.set_status(Status(StatusCode.ERROR, "weather service down"))
        with tracer.start_as_current_span(
            "chat gpt-4o",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o",
                "gen_ai.request.temperature": 0.2,
                "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.output_tokens": 500,
                # The underscore spelling of older instrumentations (OpenLLMetry).
                "gen_ai.usage.cache_read_input_tokens": 200,
                "gen_ai.usage.reasoning.output_tokens": 120,
                "gen_ai.system_instructions": json.dumps(
                    [{"type": "text", "content": "You plan trips."}]
                ),
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": "Weather?"}]}]
                ),
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "Clear."}]}]
                ),
            },
        ):
            pass


@pytest.fixture
def recorded():
    """A provider whose spans are kept in memory, to export them in any order by hand."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "trip-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield provider.get_tracer("test"), memory
    provider.shutdown()


def test_an_agent_trace_becomes_a_workflow_with_nodes_and_a_priced_generation(db, dsn):
    exporter = PostgresSpanExporter(db)
    provider = TracerProvider(resource=Resource.create({"service.name": "trip-agent"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    agent_run(provider.get_tracer("test"))
    assert provider.force_flush()
    provider.shutdown()

    rows = stored(dsn)
    [workflow] = rows["workflows"]
    assert workflow["status"] == "completed"
    assert workflow["user_input"] == "Plan Kyoto"
    assert workflow["state"]["attributes"]["gen_ai.agent.name"] == "planner"
    assert workflow["completed_at"] > workflow["created_at"]
    [tool] = rows["nodes"]
    assert (tool["node_name"], tool["node_type"], tool["status"]) == (
        "execute_tool get_weather",
        "tool",
        "completed",
    )
    assert tool["input_data"] == {"city": "Kyoto"} and tool["output_data"] == {"sky": "clear"}
    [gen] = rows["generations"]
    assert gen["node_id"] == tool["id"]
    assert (gen["model_name"], gen["model_provider"]) == ("gpt-4o", "openai")
    assert (gen["prompt_tokens"], gen["completion_tokens"], gen["total_tokens"]) == (
        1000,
        500,
        1500,
    )
    assert (gen["cached_input_tokens"], gen["reasoning_tokens"]) == (200, 120)
    assert gen["system_prompt"] == "You plan trips."
    assert (gen["user_prompt"], gen["output"]) == ("Weather?", "Clear.")
    assert gen["latency_ms"] is not None and gen["usage_problem"] is None

    # The same cost as the same call logged by hand: the exporter goes through the
    # pricing of the generations table, nothing of its own.
    logger = WorkflowLogger(db)
    logger.start_workflow(logger.get_or_create_user("by-hand").id, {})
    by_hand = logger.log_generation(
        "gpt-4o", prompt_tokens=1000, completion_tokens=500, cached_input_tokens=200
    )
    assert gen["estimated_cost"] == by_hand.estimated_cost > 0
    with psycopg.connect(dsn) as conn:
        username = conn.execute(
            "SELECT u.username FROM users u JOIN workflows w ON w.user_id = u.id WHERE w.id = %s",
            (workflow["id"],),
        ).fetchone()[0]
    assert username == "trip-agent"


def test_a_span_exported_twice_is_stored_once(db, dsn, recorded):
    tracer, memory = recorded
    agent_run(tracer)
    spans = memory.get_finished_spans()
    exporter = PostgresSpanExporter(db)
    exporter.export(spans)
    exporter.export(spans)
    exporter.export(list(spans) + list(spans))  # and twice within one batch
    assert exporter.force_flush()
    exporter.shutdown()
    rows = stored(dsn)
    assert [len(rows[t]) for t in ("workflows", "nodes", "generations", "workflow_spans")] == [
        1,
        1,
        1,
        3,
    ]
    stats = exporter.stats
    assert (stats.accepted, stats.written, stats.duplicates, stats.rejected) == (12, 3, 9, 0)


def test_children_exported_before_their_parent_end_up_in_one_workflow(db, dsn, recorded):
    tracer, memory = recorded
    agent_run(tracer)
    chat, tool, agent = memory.get_finished_spans()  # ended innermost first
    exporter = PostgresSpanExporter(db)
    for batch in ([chat], [tool], [agent]):
        exporter.export(batch)
        assert exporter.force_flush()
    rows = stored(dsn)
    [workflow] = rows["workflows"]
    assert workflow["status"] == "completed"
    [node] = rows["nodes"]
    [gen] = rows["generations"]
    assert gen["workflow_id"] == node["workflow_id"] == workflow["id"]
    assert gen["node_id"] == node["id"], "the generation is attached once its node arrives"
    assert rows["workflow_traces"][0]["root_span_id"] == format(agent.context.span_id, "016x")
    exporter.shutdown()


def test_workflow_is_running_until_its_root_span_arrives(db, dsn, recorded):
    tracer, memory = recorded
    agent_run(tracer)
    chat, tool, agent = memory.get_finished_spans()
    exporter = PostgresSpanExporter(db)
    exporter.export([chat, tool])
    assert exporter.force_flush()
    assert stored(dsn)["workflows"][0]["status"] == "running"
    exporter.export([agent])
    assert exporter.force_flush()
    exporter.shutdown()
    workflow = stored(dsn)["workflows"][0]
    assert workflow["status"] == "completed"
    assert workflow["created_at"] == _utc(agent.start_time)


def _utc(ns):
    return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.timezone.utc)


def test_errors_fail_the_node_and_the_workflow(db, dsn, recorded):
    tracer, memory = recorded
    with (
        pytest.raises(RuntimeError),
        tracer.start_as_current_span(
            "invoke_agent planner", attributes={"gen_ai.operation.name": "invoke_agent"}
        ),
    ):
        agent_run(tracer, fail_tool=True)
        raise RuntimeError("gave up")
    exporter = PostgresSpanExporter(db)
    exporter.export(memory.get_finished_spans())
    assert exporter.force_flush()
    exporter.shutdown()
    rows = stored(dsn)
    [workflow] = rows["workflows"]
    assert workflow["status"] == "failed"
    assert workflow["error_message"] == "RuntimeError: gave up"
    by_name = {n["node_name"]: n for n in rows["nodes"]}
    assert by_name["execute_tool get_weather"]["status"] == "failed"
    assert by_name["execute_tool get_weather"]["error_message"] == "weather service down"
    assert by_name["invoke_agent planner"]["node_type"] == "agent"


def test_older_conventions_prompt_events_and_dotted_cache_spellings(db, dsn, recorded):
    tracer, memory = recorded
    with tracer.start_as_current_span(
        "chat claude",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4",
            "gen_ai.usage.prompt_tokens": 900,
            "gen_ai.usage.completion_tokens": 100,
            "gen_ai.usage.cache_read.input_tokens": 300,
            "gen_ai.usage.cache_creation_input_tokens": 400,
        },
    ) as span:
        span.add_event(
            "gen_ai.content.prompt",
            {"gen_ai.prompt": json.dumps([{"role": "user", "content": "Hello"}])},
        )
        span.add_event("gen_ai.content.completion", {"gen_ai.completion": "Hi there"})
    exporter = PostgresSpanExporter(db, username="ops")
    exporter.export(memory.get_finished_spans())
    assert exporter.force_flush()
    exporter.shutdown()
    rows = stored(dsn)
    [gen] = rows["generations"]
    assert (gen["model_name"], gen["model_provider"]) == ("claude-sonnet-4", "anthropic")
    assert (gen["prompt_tokens"], gen["cached_input_tokens"], gen["cache_write_input_tokens"]) == (
        900,
        300,
        400,
    )
    assert (gen["user_prompt"], gen["output"]) == ("Hello", "Hi there")
    # A root LLM call is its own workflow.
    assert rows["workflows"][0]["status"] == "completed"
    assert rows["workflows"][0]["user_input"] == "Hello"
    assert rows["nodes"] == []


def test_a_malformed_usage_is_recorded_with_its_problem(db, dsn, recorded):
    tracer, memory = recorded
    with tracer.start_as_current_span(
        "chat gpt-4o",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "m" * 300,
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": -4,
            "gen_ai.usage.cache_read.input_tokens": 50,
        },
    ):
        pass
    exporter = PostgresSpanExporter(db)
    exporter.export(memory.get_finished_spans())
    assert exporter.force_flush()
    exporter.shutdown()
    [gen] = stored(dsn)["generations"]
    assert gen["model_name"] == "m" * 100
    assert gen["prompt_tokens"] == 10 and gen["completion_tokens"] is None
    assert gen["cached_input_tokens"] is None and "negative" in gen["usage_problem"]
    assert exporter.stats.problems == 1 and exporter.stats.written == 1


def test_export_never_waits_for_the_database(recorded, tmp_path):
    """With the database unreachable, export returns at once and spans wait in memory."""
    tracer, memory = recorded
    agent_run(tracer)
    db = Database.connect("postgresql://x@127.0.0.1:1/none?connect_timeout=1", timeout=1)
    exporter = PostgresSpanExporter(db, connect_timeout=0.2, retry_max=0.2)
    started = time.monotonic()
    exporter.export(memory.get_finished_spans())
    assert time.monotonic() - started < 0.5
    assert not exporter.force_flush(timeout_millis=300)
    assert exporter.stats.pending == 3
    exporter.writer.close(timeout=1)
    db.close()


def test_the_exporter_runs_as_a_member_of_pfr_span_writer(roles, recorded):  # noqa: F811
    """sql/admin/roles.sql's pfr_span_writer: the span tables and TEMP for the staging table
    (the plain pfr_writer has no TEMP: tests/test_security_attacks.py)."""
    tracer, memory = recorded
    agent_run(tracer)
    with Database.connect(roles["pfr_span_writer"]) as db:
        exporter = PostgresSpanExporter(db)
        exporter.export(memory.get_finished_spans())
        assert exporter.force_flush()
        exporter.shutdown()
    assert (exporter.stats.written, exporter.stats.rejected) == (3, 0)
