"""llm_call / api_call blocks: timed, recorded on success and on failure, exceptions re-raised."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from _issue_fixtures import issues, transaction  # noqa: F401 (sync and async)

from pydal_free_repo.errors import NotFound
from tests._pricing import expected_cost


class HttpError(Exception):
    def __init__(self, message, **attrs):
        super().__init__(message)
        for key, value in attrs.items():
            setattr(self, key, value)


@pytest.fixture
def run(issues) -> int:
    return issues.claim({"key": "TRACK-1"}).history_id


def test_llm_call_records_usage_from_an_openai_usage_object(issues, run):
    usage = SimpleNamespace(
        prompt_tokens=1000,
        completion_tokens=500,
        total_tokens=1500,
        prompt_tokens_details=SimpleNamespace(cached_tokens=400),
        completion_tokens_details=SimpleNamespace(reasoning_tokens=100),
    )
    with issues.llm_call(run, "spec_conversion", "gpt-4o") as call:
        call.usage(usage)
        call.cache_key = "spec:1"
    (recorded,) = issues.detail(run).llm_calls
    assert (recorded.prompt_tokens, recorded.completion_tokens, recorded.total_tokens) == (
        1000,
        500,
        1500,
    )
    # cached tokens at the cached rate: genai-prices' price of gpt-4o at the call's time
    assert recorded.cost == expected_cost(
        "gpt-4o",
        "openai",
        recorded.created_at,
        input_tokens=1000,
        output_tokens=500,
        cache_read_tokens=400,
        reasoning_tokens=100,
    )
    assert (recorded.cached_input_tokens, recorded.reasoning_tokens) == (400, 100)
    assert recorded.duration >= 0
    assert recorded.error_message is None


def test_llm_call_usage_from_dict_and_keywords(issues, run):
    with issues.llm_call(run, "code_diff", "gpt-4o") as call:
        call.usage({"prompt_tokens": 10, "completion_tokens": 5}, completion_tokens=7)
        call.model = "gpt-3.5-turbo"
    (recorded,) = issues.detail(run).llm_calls
    assert (recorded.model, recorded.prompt_tokens, recorded.completion_tokens) == (
        "gpt-3.5-turbo",
        10,
        7,
    )


def test_llm_call_block_that_raises_leaves_its_failure_row_and_reraises(issues, run):
    error = TimeoutError("no answer in 120 s")
    with pytest.raises(TimeoutError) as raised, issues.llm_call(run, "code_diff", "gpt-4o"):
        raise error
    assert raised.value is error
    (recorded,) = issues.detail(run).llm_calls
    assert recorded.error_message == "TimeoutError: no answer in 120 s"
    assert recorded.total_tokens is None
    assert recorded.cost is None


def test_api_call_records_the_status_code_set_in_the_block(issues, run):
    with issues.api_call(run, "POST", "/pullrequests") as call:
        call.status_code = 201
    (recorded,) = issues.detail(run).api_calls
    assert (recorded.method, recorded.endpoint, recorded.status_code) == (
        "POST",
        "/pullrequests",
        201,
    )
    assert recorded.error_message is None


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (HttpError("rate limited", status_code=429), 429),
        (HttpError("bad gateway", response=SimpleNamespace(status_code=502)), 502),
        (HttpError("not found", code=404), 404),
        (HttpError("no such file", code=2), None),
        (ConnectionResetError("reset by peer"), None),
    ],
)
def test_api_call_block_that_raises_records_error_and_carried_status(issues, run, error, status):
    with pytest.raises(type(error)), issues.api_call(run, "GET", "/src/main/a.c"):
        raise error
    (recorded,) = issues.detail(run).api_calls
    assert recorded.status_code == status
    assert recorded.error_message == f"{type(error).__name__}: {error}"


def test_a_failure_that_cannot_be_recorded_does_not_hide_the_callers_error(issues, caplog):
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(KeyError),
        issues.api_call(555555, "GET", "/x"),
    ):
        raise KeyError("the caller's error")
    assert "could not record a failed call" in caplog.text


def test_a_successful_call_on_an_unknown_run_raises_not_found(issues):
    with pytest.raises(NotFound), issues.llm_call(555555, "other", "gpt-4o"):
        pass


def test_tracking_blocks_join_the_callers_transaction(issues, db):
    with transaction(issues, db) as conn:
        hid = issues.claim({"key": "TRACK-2"}, conn=conn).history_id
        with issues.api_call(hid, "GET", "/a", conn=conn) as call:
            call.status_code = 200
        with pytest.raises(ValueError), issues.llm_call(hid, "other", "gpt-4o", conn=conn):
            raise ValueError("bad answer")
        issues.fail(hid, "bad answer", conn=conn)
    detail = issues.detail(hid)
    assert (len(detail.api_calls), len(detail.llm_calls), detail.status) == (1, 1, "failed")
