"""Real client response objects in, exact cost out, through every recording path.

Each case builds what a real SDK returns (``openai``, ``anthropic``, ``google-genai``,
``langchain-core``; no network) or the JSON body (Bedrock Converse, Ollama), records it
through the issue history (``llm_call`` block and ``record_llm_call``), the workflow
logger (``log_generation(usage=...)``) and the buffered writer, and checks the stored
tokens and cost against ``genai_prices.calc_price`` for the same usage, model, provider
and call time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import anthropic.types as anthropic_types
import pytest
from google.genai import types as genai_types
from langchain_core.messages import AIMessage
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from pydal_free_repo import BufferedWriter, IssueHistory
from pydal_free_repo.cli import main
from pydal_free_repo.usage import read_usage
from pydal_free_repo.workflows.logger import WorkflowLogger
from tests._pricing import expected_cost


@dataclass(frozen=True)
class Case:
    name: str
    response: Any  # what the client returned
    model: str  # as the response reports it (or as the caller gives it)
    provider: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    given_model: str | None = None  # the caller names the model (Bedrock: not in the response)
    priced: bool = True


def openai_chat() -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_733_000_000,
            "model": "gpt-4o-2024-08-06",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "diff --git ..."},
                }
            ],
            "usage": {
                "prompt_tokens": 12_000,
                "completion_tokens": 800,
                "total_tokens": 12_800,
                "prompt_tokens_details": {"cached_tokens": 10_240, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
        }
    )


def openai_responses() -> Response:
    return Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 1_733_000_000,
            "model": "o3-mini-2025-01-31",
            "output": [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": 5_000,
                "output_tokens": 3_000,
                "total_tokens": 8_000,
                "input_tokens_details": {"cached_tokens": 2_048, "cache_write_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 2_500},
            },
        }
    )


def anthropic_message() -> anthropic_types.Message:
    return anthropic_types.Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": "Here is the patch."}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 150,
                "output_tokens": 900,
                "cache_read_input_tokens": 30_000,
                "cache_creation_input_tokens": 4_000,
            },
        }
    )


def gemini_response() -> genai_types.GenerateContentResponse:
    # Above 200,000 prompt tokens every token of gemini-2.5-pro pays the higher tier.
    return genai_types.GenerateContentResponse(
        model_version="gemini-2.5-pro",
        usage_metadata=genai_types.GenerateContentResponseUsageMetadata(
            prompt_token_count=250_000,
            candidates_token_count=1_200,
            cached_content_token_count=100_000,
            thoughts_token_count=800,
            total_token_count=252_000,
        ),
    )


def bedrock_converse() -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": 500,
            "outputTokens": 200,
            "totalTokens": 3_700,
            "cacheReadInputTokens": 2_000,
            "cacheWriteInputTokens": 1_000,
        },
        "metrics": {"latencyMs": 800},
    }


def ollama_response() -> dict[str, Any]:
    return {
        "model": "llama3.2",
        "created_at": "2024-12-01T10:00:00Z",
        "message": {"role": "assistant", "content": "hello"},
        "done": True,
        "prompt_eval_count": 26,
        "eval_count": 290,
    }


def langchain_message() -> AIMessage:
    return AIMessage(
        content="summary",
        response_metadata={
            "model_name": "claude-3-5-haiku-20241022",
            "model_provider": "anthropic",
        },
        usage_metadata={
            "input_tokens": 8_350,
            "output_tokens": 240,
            "total_tokens": 8_590,
            "input_token_details": {"cache_read": 8_000, "cache_creation": 200},
        },
    )


CASES = [
    Case("openai-chat", openai_chat(), "gpt-4o-2024-08-06", "openai", 12_000, 800, 10_240, None, 0),
    Case(
        "openai-chat.usage",
        openai_chat().usage,
        "gpt-4o-2024-08-06",
        "openai",
        12_000,
        800,
        10_240,
        None,
        0,
        given_model="gpt-4o-2024-08-06",
    ),
    Case(
        "openai-responses",
        openai_responses(),
        "o3-mini-2025-01-31",
        "openai",
        5_000,
        3_000,
        2_048,
        0,
        2_500,
    ),
    Case(
        "openai-responses-dict",
        openai_responses().model_dump(),
        "o3-mini-2025-01-31",
        "openai",
        5_000,
        3_000,
        2_048,
        0,
        2_500,
    ),
    Case(
        "anthropic-message",
        anthropic_message(),
        "claude-sonnet-4-5-20250929",
        "anthropic",
        34_150,
        900,
        30_000,
        4_000,
    ),
    Case(
        "anthropic-usage-dict",
        anthropic_message().usage.model_dump(),
        "claude-sonnet-4-5-20250929",
        "anthropic",
        34_150,
        900,
        30_000,
        4_000,
        given_model="claude-sonnet-4-5-20250929",
    ),
    Case(
        "gemini-response",
        gemini_response(),
        "gemini-2.5-pro",
        "gcp.gemini",
        250_000,
        2_000,
        100_000,
        None,
        800,
    ),
    Case(
        "gemini-dict",
        gemini_response().model_dump(mode="json", by_alias=True),
        "gemini-2.5-pro",
        "gcp.gemini",
        250_000,
        2_000,
        100_000,
        None,
        800,
    ),
    Case(
        "bedrock-converse",
        bedrock_converse(),
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "aws.bedrock",
        3_500,
        200,
        2_000,
        1_000,
        given_model="anthropic.claude-3-5-sonnet-20241022-v2:0",
    ),
    Case("ollama", ollama_response(), "llama3.2", "ollama", 26, 290, priced=False),
    Case(
        "langchain-aimessage",
        langchain_message(),
        "claude-3-5-haiku-20241022",
        "anthropic",
        8_350,
        240,
        8_000,
        200,
    ),
    Case(
        "langchain-usage-metadata",
        langchain_message().usage_metadata,
        "claude-3-5-haiku-20241022",
        None,
        8_350,
        240,
        8_000,
        200,
        given_model="claude-3-5-haiku-20241022",
    ),
]
IDS = [case.name for case in CASES]


def check(case: Case, row: dict[str, Any]) -> None:
    """A stored row (the tables' column names) against the case and genai-prices."""
    assert row["prompt_tokens"] == case.input_tokens
    assert row["completion_tokens"] == case.output_tokens
    assert row["total_tokens"] == case.input_tokens + case.output_tokens
    assert row["cached_input_tokens"] == case.cache_read_tokens
    assert row["cache_write_input_tokens"] == case.cache_write_tokens
    assert row["reasoning_tokens"] == case.reasoning_tokens
    assert row["usage_problem"] is None
    if not case.priced:
        assert row["computed_cost"] is None  # never 0
        assert row["pricing_id"] is None
        return
    assert row["pricing_id"] is not None
    assert row["computed_cost"] == expected_cost(
        case.model,
        case.provider,
        row["created_at"],
        input_tokens=case.input_tokens,
        output_tokens=case.output_tokens,
        cache_read_tokens=case.cache_read_tokens,
        cache_write_tokens=case.cache_write_tokens,
        reasoning_tokens=case.reasoning_tokens,
    )
    assert row["computed_cost"] > 0


LLM_ROW = """
    SELECT lch.*, lch.model AS model_name
    FROM llm_call_history AS lch
    ORDER BY lch.id
"""
GENERATION_ROW = "SELECT * FROM generations ORDER BY id"


def rows(db, query: str) -> list[dict[str, Any]]:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(query)
        names = [column.name for column in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]


@pytest.fixture
def run(db) -> int:
    return IssueHistory(db).claim({"key": "CLIENTS-1"}).history_id


@pytest.fixture
def workflow(db):
    logger = WorkflowLogger(db)
    user = logger.get_or_create_user("clients")
    logger.start_workflow(user.id, {"user_input": "plan a date"})
    return logger


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_read_usage_understands_the_shape(case):
    usage = read_usage(case.response)
    assert usage.problems == ()
    assert (usage.input_tokens, usage.output_tokens) == (case.input_tokens, case.output_tokens)
    assert usage.cache_read_tokens == case.cache_read_tokens
    assert usage.cache_write_tokens == case.cache_write_tokens
    assert usage.reasoning_tokens == case.reasoning_tokens
    if case.given_model is None:
        assert usage.model == case.model
    assert usage.provider == case.provider


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_issue_history_block_and_record_store_tokens_and_exact_cost(db, run, case):
    issues = IssueHistory(db)
    with issues.llm_call(run, "code_diff", case.model) as call:
        call.model_provider = case.provider if case.given_model else None
        call.usage(case.response)
    issues.record_llm_call(
        run,
        call_type="other",
        model=case.given_model,
        model_provider=case.provider if case.given_model else None,
        usage=case.response,
    )
    stored = rows(db, LLM_ROW)
    assert len(stored) == 2
    for row in stored:
        assert row["model"] == case.model
        assert row["model_provider"] == case.provider
        check(case, row)
    (first, _) = issues.detail(run).llm_calls
    assert first.pricing == ("priced" if case.priced else "unpriced")
    assert first.cached_input_tokens == case.cache_read_tokens
    assert first.cache_write_input_tokens == case.cache_write_tokens
    assert first.reasoning_tokens == case.reasoning_tokens


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_generation_takes_the_response(db, workflow, case):
    generation = workflow.log_generation(
        case.given_model,  # None: the response names the model
        "prompt",
        "output",
        model_provider=case.provider if case.given_model else None,
        usage=case.response,
    )
    assert generation.model_provider == case.provider
    (row,) = rows(db, GENERATION_ROW)
    check(case, row)
    assert generation.estimated_cost == row["computed_cost"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_buffered_writer_prices_the_batch(db, run, workflow, case):
    provider = case.provider if case.given_model else None
    with BufferedWriter(db, flush_interval=0.05) as writer:
        writer.llm_call(
            run, "new_file", case.given_model, usage=case.response, model_provider=provider
        )
        writer.generation(
            workflow.workflow_id,
            case.given_model,
            usage=case.response,
            model_provider=provider,
        )
    (call,) = rows(db, LLM_ROW)
    (generation,) = rows(db, GENERATION_ROW)
    for row in (call, generation):
        check(case, row)


def test_unreadable_usage_never_loses_the_call(db, run, workflow, caplog):
    issues = IssueHistory(db)
    broken = {"prompt_tokens": "many", "completion_tokens": 12, "total_tokens": 99}
    with caplog.at_level(logging.WARNING, logger="pydal_free_repo.usage"):
        with issues.llm_call(run, "code_diff", "gpt-4o") as call:
            call.usage(broken)
        recorded = issues.record_llm_call(run, call_type="other", model="gpt-4o", usage=object())
        workflow.log_generation("gpt-4o", usage="not a usage")
    assert recorded.id > 0
    llm = rows(db, LLM_ROW)
    assert [row["usage_problem"] is not None for row in llm] == [True, True]
    assert llm[0]["prompt_tokens"] is None and llm[0]["completion_tokens"] == 12
    assert "input tokens is not a whole number" in llm[0]["usage_problem"]
    assert rows(db, GENERATION_ROW)[0]["usage_problem"] is not None
    # Logged once per problem, not once per call.
    issues.record_llm_call(run, call_type="other", model="gpt-4o", usage=object())
    messages = [r.getMessage() for r in caplog.records if "no token counts" in r.getMessage()]
    assert len(messages) == 1


def test_doctor_lists_usage_problems(dsn, db, run, capsys):
    issues = IssueHistory(db)
    issues.record_llm_call(run, call_type="other", model="gpt-4o", usage={"what": 1})
    assert main(["--dsn", dsn, "doctor", "--json"]) in (0, 1)
    out = capsys.readouterr().out
    assert "usage_problems" in out and "no token counts found" in out


def test_wrong_keyword_types_still_raise_before_the_call(db, run):
    from pydal_free_repo.errors import InvalidValue

    issues = IssueHistory(db)
    with pytest.raises(InvalidValue):
        issues.record_llm_call(run, call_type="other", model="gpt-4o", prompt_tokens="ten")
    with pytest.raises(InvalidValue), issues.llm_call(run, "other", "gpt-4o") as call:
        call.usage(prompt_tokens=-1)
