"""Recording LLM calls, API calls and file changes: costs in SQL, typed errors, NULs, injection."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from _issue_fixtures import issues, transaction  # noqa: F401 (sync and async)

from pydal_free_repo.cli.output import to_jsonable
from pydal_free_repo.errors import InvalidValue, NotFound
from tests._pricing import expected_cost

INJECTION = "x'); DROP TABLE issue_processing_history; --"
NUL = "a\x00b"


@pytest.fixture
def run(issues) -> int:
    return issues.claim({"key": "PROJ-7", "fields": {"summary": "s"}}).history_id


def count(db, table_query: str, history_id: int) -> int:
    return len(db.fetch_all(table_query, {"history_id": history_id}))


def stored_texts(db, history_id: int) -> list[str]:
    """The columns no read returns: cache key, diff text and contents, encodings."""
    with db.connection() as conn:
        llm = conn.execute(
            "SELECT cache_key FROM llm_call_history WHERE history_id = %s", [history_id]
        ).fetchone()
        files = conn.execute(
            "SELECT diff_text, modified_content, original_content, original_encoding, "
            "modified_encoding FROM file_modification_history WHERE history_id = %s",
            [history_id],
        ).fetchone()
    return [llm[0], *files]


def test_llm_call_cost_is_computed_from_the_price_in_force(issues, run):
    recorded = issues.record_llm_call(
        run, call_type="code_diff", model="gpt-4o", prompt_tokens=1000, completion_tokens=500
    )
    # The genai-prices catalogue's gpt-4o price at the call's time, to the micro-dollar.
    cost = expected_cost("gpt-4o", None, recorded.created_at, input_tokens=1000, output_tokens=500)
    assert recorded.computed_cost == cost == Decimal("0.0075")
    assert recorded.estimated_cost == cost
    assert recorded.total_tokens == 1500


def test_cached_input_tokens_are_priced_at_the_cached_rate(issues, run):
    recorded = issues.record_llm_call(
        run,
        call_type="spec_conversion",
        model="gpt-4o",
        prompt_tokens=1000,
        cached_input_tokens=400,
        completion_tokens=500,
        reasoning_tokens=100,
    )
    # 600 uncached input tokens, 400 at the cache-read rate, 500 output, per 1M
    assert recorded.computed_cost == expected_cost(
        "gpt-4o",
        None,
        recorded.created_at,
        input_tokens=1000,
        output_tokens=500,
        cache_read_tokens=400,
        reasoning_tokens=100,
    )


def test_unknown_model_costs_null_never_zero(issues, run):
    recorded = issues.record_llm_call(
        run, call_type="other", model="mystery-model", prompt_tokens=10, completion_tokens=10
    )
    assert recorded.computed_cost is None
    assert recorded.estimated_cost is None
    detail = issues.detail(run)
    assert detail.llm_calls[0].cost is None
    assert detail.unpriced_llm_calls == 1
    assert detail.llm_calls[0].pricing == "unpriced"
    assert detail.total_llm_cost is None  # an unknown cost is not $0


def test_provided_cost_wins_and_total_tokens_given_is_kept(issues, run):
    recorded = issues.record_llm_call(
        run,
        call_type="new_file",
        model="gpt-4o",
        prompt_tokens=10,
        completion_tokens=10,
        total_tokens=25,
        provided_cost=0.5,
    )
    assert recorded.estimated_cost == Decimal("0.5")
    assert recorded.total_tokens == 25


@pytest.mark.parametrize(
    "field",
    [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached_input_tokens",
        "reasoning_tokens",
    ],
)
def test_negative_tokens_are_refused_and_nothing_written(issues, run, db, field):
    with pytest.raises(InvalidValue, match=f"{field} must be 0 or more"):
        issues.record_llm_call(run, call_type="other", model="gpt-4o", **{field: -1})
    assert count(db, "issues/run_llm_calls", run) == 0


def test_cached_tokens_above_prompt_tokens_are_refused_before_any_sql(issues, run, db):
    with pytest.raises(InvalidValue, match=r"cached_input_tokens \(2\) cannot exceed prompt"):
        issues.record_llm_call(
            run, call_type="other", model="gpt-4o", prompt_tokens=1, cached_input_tokens=2
        )
    assert count(db, "issues/run_llm_calls", run) == 0
    with pytest.raises(InvalidValue, match=r"reasoning_tokens \(2\) cannot exceed completion"):
        issues.record_llm_call(
            run, call_type="other", model="gpt-4o", completion_tokens=1, reasoning_tokens=2
        )
    assert count(db, "issues/run_llm_calls", run) == 0


@pytest.mark.parametrize(
    ("call", "kwargs", "message"),
    [
        ("record_llm_call", {"call_type": "Chat!", "model": "gpt-4o"}, "call_type must be a lower"),
        ("record_llm_call", {"call_type": "other", "model": ""}, "model must be"),
        ("record_llm_call", {"call_type": "other", "model": "m", "provided_cost": -1}, "0 or"),
        ("record_api_call", {"api_method": "FETCH", "endpoint": "/x"}, "api_method must be"),
        ("record_api_call", {"api_method": "GET", "endpoint": "/x", "status_code": 99}, "100-599"),
        ("record_file_modification", {"file_path": "a.c", "action": "renamed"}, "action must be"),
        (
            "record_file_modification",
            {"file_path": "a.c", "action": "created", "diff_count": -2},
            "0 or",
        ),
    ],
)
def test_bad_input_raises_invalid_value_with_a_readable_message(issues, run, call, kwargs, message):
    with pytest.raises(InvalidValue, match=message):
        getattr(issues, call)(run, **kwargs)
    detail = issues.detail(run)
    assert (detail.llm_calls, detail.api_calls, detail.files) == ([], [], [])


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("record_llm_call", {"call_type": "other", "model": "gpt-4o"}),
        ("record_api_call", {"api_method": "GET", "endpoint": "/x"}),
        ("record_file_modification", {"file_path": "a.c", "action": "created"}),
    ],
)
def test_unknown_history_id_raises_not_found(issues, call, kwargs):
    with pytest.raises(NotFound, match="no issue history row with id 424242"):
        getattr(issues, call)(424242, **kwargs)


def test_api_method_is_case_insensitive(issues, run):
    issues.record_api_call(run, api_method="post", endpoint="/pullrequests", status_code=201)
    assert issues.detail(run).api_calls[0].method == "POST"


def test_file_modification_round_trips_into_detail_and_file_history(issues, run):
    issues.record_file_modification(
        run,
        file_path="src/a.c",
        action="modified",
        diff_count=3,
        diff_text="@@ -1 +1 @@",
        original_encoding="euc-kr",
        modified_encoding="utf-8",
        original_content="old",
        modified_content="new",
    )
    (change,) = issues.detail(run).files
    assert (change.path, change.action, change.diff_count, change.encoding) == (
        "src/a.c",
        "modified",
        3,
        "utf-8",
    )
    (entry,) = issues.file_history("src/a.c")
    assert (entry.issue_key, entry.action, entry.history_id) == ("PROJ-7", "modified", run)


def test_nul_characters_in_every_text_and_json_argument_are_stored_as_replacement(issues, db):
    claim = issues.claim({"key": "NUL\x00-1", "fields": {"summary": NUL, "body": [NUL]}})
    hid = claim.history_id
    issues.record_llm_call(hid, call_type="other", model="m\x00x", cache_key=NUL, error_message=NUL)
    issues.record_api_call(hid, api_method="GET", endpoint=NUL, error_message=NUL)
    issues.record_file_modification(
        hid,
        file_path=NUL,
        action="created",
        diff_text=NUL,
        original_encoding=NUL,
        modified_encoding=NUL,
        original_content=NUL,
        modified_content=NUL,
    )
    issues.complete(hid, pr_url=NUL, branch_name=NUL, result={NUL: NUL})
    stored = db.fetch_one("issues/run_get", {"history_id": hid})
    assert stored["issue_key"] == "NUL\ufffd-1"
    assert stored["issue_summary"] == "a\ufffdb"
    assert stored["pr_url"] == "a\ufffdb"
    assert stored["branch_name"] == "a\ufffdb"
    assert stored["result_data"] == {"a\ufffdb": "a\ufffdb", "status": "completed"}
    detail = issues.detail(hid)
    assert detail.llm_calls[0].model == "m\ufffdx"
    assert detail.llm_calls[0].error_message == "a\ufffdb"
    assert detail.api_calls[0].endpoint == "a\ufffdb"
    assert detail.files[0].path == "a\ufffdb"
    assert detail.files[0].encoding == "a\ufffdb"
    assert "\x00" not in json.dumps(to_jsonable(detail))
    assert stored_texts(db, hid) == ["a\ufffdb"] * 6
    assert issues.file_history(NUL)[0].history_id == hid
    failed = issues.claim({"key": "NUL-2"})
    issues.fail(failed.history_id, NUL, result={"errors": [NUL]})
    assert issues.history(issue_key="NUL-2")[0].error_message == "a\ufffdb"
    assert issues.history(issue_key="NUL\x00-1")[0].id == hid


def test_sql_injection_strings_are_stored_verbatim(issues, db):
    claim = issues.claim({"key": "INJ'--", "fields": {"summary": INJECTION}})
    hid = claim.history_id
    issues.record_llm_call(hid, call_type="other", model=INJECTION, cache_key=INJECTION)
    issues.record_api_call(hid, api_method="GET", endpoint=INJECTION, error_message=INJECTION)
    issues.record_file_modification(
        hid, file_path=INJECTION, action="created", diff_text=INJECTION, modified_content=INJECTION
    )
    issues.fail(hid, INJECTION, result={INJECTION: INJECTION})
    detail = issues.detail(hid)
    assert detail.issue_key == "INJ'--"
    assert detail.issue_summary == INJECTION
    assert detail.error_message == INJECTION
    assert detail.result_data[INJECTION] == INJECTION
    assert detail.llm_calls[0].model == INJECTION
    assert detail.api_calls[0].endpoint == INJECTION
    assert detail.api_calls[0].error_message == INJECTION
    assert detail.files[0].path == INJECTION
    assert issues.file_history(INJECTION)[0].file_path == INJECTION
    assert stored_texts(db, hid)[:3] == [INJECTION] * 3
    assert issues.history(issue_key="INJ'--")[0].id == hid
    assert len(issues.history()) == 1


def test_complete_sets_times_in_sql_and_keeps_branch_and_result(issues, run):
    finished = issues.complete(
        run,
        pr_url="https://bb/pr/9",
        branch_name="feature/PROJ-7",
        result={"modified_files": ["a"]},
        modified_files_count=1,
    )
    assert finished.status == "completed"
    assert finished.processing_duration_seconds >= 0
    detail = issues.detail(run)
    assert detail.completed_at == finished.completed_at
    assert detail.completed_at >= detail.started_at
    assert detail.branch_name == "feature/PROJ-7"
    assert detail.modified_files_count == 1
    assert detail.result_data == {"modified_files": ["a"], "status": "completed"}


def test_complete_no_changes_marks_result_data(issues, run):
    issues.complete_no_changes(run, {"modified_files": []})
    detail = issues.detail(run)
    assert detail.status == "completed"
    assert detail.result_data == {"modified_files": [], "status": "no_changes"}
    assert detail.modified_files_count == 0
    assert issues.stats()["no_changes"] == 1


def test_fail_takes_an_exception(issues, run):
    issues.fail(run, ValueError("bad spec"))
    detail = issues.detail(run)
    assert (detail.status, detail.error_message) == ("failed", "bad spec")
    assert detail.result_data == {"status": "failed"}


def test_result_must_be_a_dict(issues, run):
    with pytest.raises(InvalidValue, match="result must be a dict"):
        issues.complete(run, result=["a"])
    assert issues.detail(run).status == "processing"


def test_non_json_result_is_refused_and_the_run_stays_processing(issues, run):
    with pytest.raises(InvalidValue):
        issues.complete(run, result={"when": object()})
    assert issues.detail(run).status == "processing"


def test_a_too_long_model_is_refused_before_sql_and_the_callers_transaction_goes_on(issues, db):
    with transaction(issues, db) as conn:
        hid = issues.claim({"key": "LONG-1"}, conn=conn).history_id
        with pytest.raises(InvalidValue, match="model is longer than 100 characters"):
            issues.record_llm_call(hid, call_type="other", model="m" * 101, conn=conn)
        # Nothing was sent, so the transaction is not aborted: the next call goes through.
        issues.record_llm_call(hid, call_type="other", model="m" * 100, conn=conn)
    assert [call.model for call in issues.detail(hid).llm_calls] == ["m" * 100]
