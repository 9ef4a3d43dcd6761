"""An application instrumented only with OpenTelemetry: the real openai client, traced by
opentelemetry-instrumentation-openai-v2, talks to a fake provider on 127.0.0.1 (the only
thing faked); PostgresSpanExporter is the only part of this package it uses. Its calls show
up in ``pfr workflows``, ``pfr workflow ID`` and the statistics with tokens and cost."""

from __future__ import annotations

import json
from decimal import Decimal

import openai
import pytest
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from pydal_free_repo.cli import main
from pydal_free_repo.otel import PostgresSpanExporter
from pydal_free_repo.workflows.logger import WorkflowLogger
from tests._otel import USAGE, fake_openai, stored


def priced_by_hand(db) -> Decimal:
    """The cost the package gives the same call logged by hand (the price book's)."""
    logger = WorkflowLogger(db)
    logger.start_workflow(logger.get_or_create_user("by-hand").id, {})
    generation = logger.log_generation(
        "gpt-4o",
        model_provider="openai",
        prompt_tokens=USAGE["prompt_tokens"],
        completion_tokens=USAGE["completion_tokens"],
    )
    logger.cancel_workflow("reference only")
    assert generation.estimated_cost is not None and generation.estimated_cost > 0
    return generation.estimated_cost


@pytest.fixture
def instrumented(db, monkeypatch):
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    provider = TracerProvider(resource=Resource.create({"service.name": "chatbot"}))
    exporter = PostgresSpanExporter(db)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    with fake_openai() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="test-key", max_retries=0)
        yield client, provider, exporter
        client.close()
    instrumentor.uninstrument()
    provider.shutdown()


def test_openai_calls_show_up_as_workflows_with_tokens_and_cost(instrumented, db, dsn, capsys):
    client, provider, exporter = instrumented
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Plan a day in Kyoto"}]
    )
    assert answer.choices[0].message.content == "echo: Plan a day in Kyoto"
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "please fail"}]
        )
    # The processor hands its spans to the exporter; the exporter's writer stores them.
    assert provider.force_flush() and exporter.force_flush()

    rows = stored(dsn)
    EXPECTED_COST = priced_by_hand(db)  # noqa: N806 - read like the constant it is
    by_input = {w["user_input"]: w for w in rows["workflows"]}
    ok, failed = by_input["Plan a day in Kyoto"], by_input["please fail"]
    assert (ok["status"], failed["status"]) == ("completed", "failed")
    assert "503" in failed["error_message"]
    [gen] = [g for g in rows["generations"] if g["workflow_id"] == ok["id"]]
    assert (gen["model_name"], gen["model_provider"]) == ("gpt-4o", "openai")
    assert (gen["prompt_tokens"], gen["completion_tokens"], gen["total_tokens"]) == (
        1200,
        300,
        1500,
    )
    assert gen["estimated_cost"] == EXPECTED_COST
    assert gen["user_prompt"] == "Plan a day in Kyoto"
    assert gen["output"] == "echo: Plan a day in Kyoto"

    assert main(["--dsn", dsn, "workflows", "--json"]) == 0
    listed = {w["id"]: w for w in json.loads(capsys.readouterr().out)}
    listed = {k: w for k, w in listed.items() if w["username"] != "by-hand"}
    assert listed[ok["id"]]["username"] == "chatbot"
    assert listed[ok["id"]]["total_tokens"] == 1500
    assert Decimal(str(listed[ok["id"]]["total_cost"])) == EXPECTED_COST
    assert listed[failed["id"]]["status"] == "failed"

    assert main(["--dsn", dsn, "workflow", str(ok["id"])]) == 0
    shown = capsys.readouterr().out
    assert "gpt-4o" in shown and "1500" in shown

    assert main(["--dsn", dsn, "workflow-stats", "usage", "--json"]) == 0
    usage = json.loads(capsys.readouterr().out)
    gpt = [u for u in usage if u.get("model_name") == "gpt-4o"]
    # Our two calls (the failed one has no usage) and the reference call by hand.
    assert sum(u["total_tokens"] for u in gpt) == 2 * 1500
    assert sum(Decimal(str(u["total_cost"])) for u in gpt) == 2 * EXPECTED_COST
