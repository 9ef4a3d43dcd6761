"""Property tests of every public write of IssueHistory: whatever the agent hands over,
the write either stores exactly what a reader gets back (NUL and lone surrogates become
U+FFFD, numbers are rounded to their column's scale) or raises a typed error from
``pydal_free_repo.errors`` with nothing written. Every stored value is read back with
plain SQL, not through the repository that wrote it.
"""

from __future__ import annotations

import decimal
import itertools
import math
from decimal import Decimal

import psycopg
import pytest
from _hypothesis import (
    INT4_MAX,
    PROFILE,
    NotJson,
    deep,
    expected_json,
    floats,
    integers,
    json_like,
    nonblank_texts,
    row_counts,
    same_json,
    scrub,
    texts,
)
from hypothesis import example, given
from hypothesis import strategies as st

from pydal_free_repo import Database, IssueHistory
from pydal_free_repo.errors import InvalidTransition, InvalidValue, NotFound, PfrError

keys = itertools.count(1)
MB10 = 10 * 1024 * 1024
MICRO = Decimal("0.000001")
MILLI = Decimal("0.001")

optional_ints = st.one_of(st.none(), integers)
optional_amounts = st.one_of(st.none(), floats, integers)


@pytest.fixture
def reader(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def db(dsn):
    """A full pool that never grows during a property: see test_properties_workflows.db."""
    with Database.connect(dsn, min_size=4, max_size=4) as database:
        database.pool.wait()
        yield database


@pytest.fixture
def repo(db):
    return IssueHistory(db)


def fresh_run(repo: IssueHistory) -> int:
    return repo.claim({"key": f"P-{next(keys)}"}).history_id


def rounded(value, step: Decimal) -> Decimal | None:
    """What a NUMERIC(p, s) column keeps of ``value`` (half away from zero)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(step, rounding=decimal.ROUND_HALF_UP)


def bad_amount(value, step: Decimal, limit: Decimal) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return True
    # Compared before rounding too: 1e25 has more digits than the decimal context.
    return value < 0 or Decimal(str(value)) >= limit or rounded(value, step) >= limit


def bad_count(value) -> bool:
    return value is not None and not 0 <= value <= INT4_MAX


def refused_cleanly(reader, before, call) -> PfrError:
    with pytest.raises(PfrError) as raised:
        call()
    assert type(raised.value) in (InvalidValue, NotFound), repr(raised.value)
    assert row_counts(reader) == before, "a refused write left rows behind"
    return raised.value


# -- claim / enqueue ---------------------------------------------------------------------


@PROFILE
@given(key=nonblank_texts, summary=st.one_of(st.none(), texts), extra=json_like)
@example(key="A\x00B", summary="\ud800" * 3, extra={"deep": deep(100)})
@example(key="BIG", summary="s" * MB10, extra={"n": 2**200, "f": 1e308})
@example(key="NAN", summary=None, extra=float("nan"))
def test_claim_stores_the_issue_as_given_or_refuses_it(repo, reader, key, summary, extra):
    issue = {"key": f"{next(keys)}:{key}", "fields": {"summary": summary}, "extra": extra}
    before = row_counts(reader)
    try:
        want = expected_json(issue)
    except (NotJson, RecursionError):
        refused_cleanly(reader, before, lambda: repo.claim(issue))
        return
    if len(want["key"]) > 50:  # issue_key is VARCHAR(50), as in document 004
        refused_cleanly(reader, before, lambda: repo.claim(issue))
        return
    claim = repo.claim(issue)
    assert claim.acquired and claim.status == "processing"
    stored = reader.execute(
        "SELECT issue_key, issue_summary, issue_data, status FROM issue_processing_history"
        " WHERE id = %s",
        (claim.history_id,),
    ).fetchone()
    assert stored[0] == want["key"] == claim.issue_key
    assert stored[1] == (None if summary is None else scrub(summary))
    assert same_json(stored[2], want)
    assert stored[3] == "processing"


@PROFILE
@given(issue=st.one_of(json_like, st.dictionaries(texts, json_like, max_size=3)))
def test_enqueue_refuses_anything_but_an_issue_with_a_key(repo, reader, issue):
    before = row_counts(reader)
    if isinstance(issue, dict) and isinstance(issue.get("key"), str):
        return  # covered by the claim property
    refused_cleanly(reader, before, lambda: repo.enqueue(issue))


@pytest.mark.parametrize("depth", [150, 100_000])
def test_deep_nesting_is_stored_or_refused_as_invalid(repo, reader, depth):
    issue = {"key": f"DEEP-{depth}", "extra": deep(depth)}
    before = row_counts(reader)
    try:
        claim = repo.claim(issue)
    except InvalidValue as exc:
        assert depth > 200 and "deep" in str(exc)
        assert row_counts(reader) == before
        return
    assert depth == 150
    stored = reader.execute(
        "SELECT issue_data #> '{extra}' FROM issue_processing_history WHERE id = %s",
        (claim.history_id,),
    ).fetchone()[0]
    assert stored == deep(150)


# -- recording ---------------------------------------------------------------------------


@PROFILE
@given(
    prompt=optional_ints,
    completion=optional_ints,
    total=optional_ints,
    cached=optional_ints,
    reasoning=optional_ints,
    cost=optional_amounts,
    duration=optional_amounts,
    model=nonblank_texts,
    cache_key=st.one_of(st.none(), texts),
    error=st.one_of(st.none(), texts),
    cache_hit=st.booleans(),
)
@example(
    prompt=10,
    completion=5,
    total=None,
    cached=None,
    reasoning=None,
    cost=None,
    duration=None,
    model="m",
    cache_key=None,
    error="e" * MB10 + "\x00",
    cache_hit=False,
)
@example(
    prompt=None,
    completion=None,
    total=None,
    cached=None,
    reasoning=None,
    cost=None,
    duration=None,
    model="m",
    cache_key=None,
    error=None,
    cache_hit=False,
)
@example(
    prompt=INT4_MAX,
    completion=INT4_MAX,
    total=None,
    cached=None,
    reasoning=None,
    cost=None,
    duration=None,
    model="m",
    cache_key=None,
    error=None,
    cache_hit=False,
)
def test_record_llm_call_round_trips_or_refuses(
    repo,
    reader,
    prompt,
    completion,
    total,
    cached,
    reasoning,
    cost,
    duration,
    model,
    cache_key,
    error,
    cache_hit,
):
    run = fresh_run(repo)
    before = row_counts(reader)
    call = dict(
        call_type="other",
        model=model,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=total,
        cached_input_tokens=cached,
        reasoning_tokens=reasoning,
        provided_cost=cost,
        cache_hit=cache_hit,
        cache_key=cache_key,
        duration_seconds=duration,
        error_message=error,
    )
    # The pricing trigger fills a missing total with prompt + completion, if either is given.
    given = prompt is not None or completion is not None
    summed = (prompt or 0) + (completion or 0) if total is None and given else None
    must_fail = (
        any(bad_count(v) for v in (prompt, completion, total, cached, reasoning))
        or bad_amount(cost, MICRO, Decimal(10**6))
        or bad_amount(duration, MILLI, Decimal(10**7))
        or len(scrub(model)) > 100
        or (cache_key is not None and len(scrub(cache_key)) > 255)
        or (cached is not None and prompt is not None and cached > prompt)
        or (reasoning is not None and completion is not None and reasoning > completion)
        or (summed is not None and summed > INT4_MAX)
    )
    if must_fail:
        refused_cleanly(reader, before, lambda: repo.record_llm_call(run, **call))
        return
    recorded = repo.record_llm_call(run, **call)
    stored = reader.execute(
        "SELECT history_id, call_type, model, prompt_tokens, completion_tokens, total_tokens,"
        " cached_input_tokens, reasoning_tokens, provided_cost, cache_hit, cache_key,"
        " duration_seconds, error_message FROM llm_call_history WHERE id = %s",
        (recorded.id,),
    ).fetchone()
    assert stored == (
        run,
        "other",
        scrub(model),
        prompt,
        completion,
        total if total is not None else summed,
        cached,
        reasoning,
        rounded(cost, MICRO),
        cache_hit,
        scrub(cache_key) if cache_key else None,  # an empty label is no label (rows.checks)
        rounded(duration, MILLI),
        None if error is None else scrub(error),
    )
    assert row_counts(reader)["llm_call_history"] == before["llm_call_history"] + 1


@PROFILE
@given(
    method=st.one_of(st.sampled_from(["get", "POST", "patch", "TRACE", ""]), texts),
    endpoint=texts,
    status=st.one_of(st.none(), integers, st.booleans()),
    duration=optional_amounts,
    error=st.one_of(st.none(), texts),
)
def test_record_api_call_round_trips_or_refuses(
    repo, reader, method, endpoint, status, duration, error
):
    run = fresh_run(repo)
    before = row_counts(reader)
    must_fail = (
        method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
        or not endpoint.strip()
        or len(scrub(endpoint)) > 500
        or (status is not None and (isinstance(status, bool) or not 100 <= status <= 599))
        or bad_amount(duration, MILLI, Decimal(10**7))
    )
    write = lambda: repo.record_api_call(  # noqa: E731
        run,
        api_method=method,
        endpoint=endpoint,
        status_code=status,
        duration_seconds=duration,
        error_message=error,
    )
    if must_fail:
        refused_cleanly(reader, before, write)
        return
    call_id = write()
    stored = reader.execute(
        "SELECT history_id, api_method, endpoint, status_code, duration_seconds, error_message"
        " FROM bitbucket_api_history WHERE id = %s",
        (call_id,),
    ).fetchone()
    assert stored == (
        run,
        method.upper(),
        scrub(endpoint),
        status,
        rounded(duration, MILLI),
        None if error is None else scrub(error),
    )


@PROFILE
@given(
    path=texts,
    action=st.sampled_from(["modified", "created", "deleted", "renamed"]),
    diff_count=integers,
    diff_text=st.one_of(st.none(), texts),
    encodings=st.tuples(st.one_of(st.none(), texts), st.one_of(st.none(), texts)),
    contents=st.tuples(st.one_of(st.none(), texts), st.one_of(st.none(), texts)),
)
@example(
    path="big.bin",
    action="modified",
    diff_count=1,
    diff_text=None,
    encodings=("utf-8", "latin-1"),
    contents=("\x00" * MB10, "é" * MB10),
)
def test_record_file_modification_round_trips_or_refuses(
    repo, reader, path, action, diff_count, diff_text, encodings, contents
):
    run = fresh_run(repo)
    before = row_counts(reader)
    must_fail = (
        not path.strip()
        or len(scrub(path)) > 500
        or action == "renamed"
        or bad_count(diff_count)
        or any(e is not None and len(scrub(e)) > 50 for e in encodings)
    )
    write = lambda: repo.record_file_modification(  # noqa: E731
        run,
        file_path=path,
        action=action,
        diff_count=diff_count,
        diff_text=diff_text,
        original_encoding=encodings[0],
        modified_encoding=encodings[1],
        original_content=contents[0],
        modified_content=contents[1],
    )
    if must_fail:
        refused_cleanly(reader, before, write)
        return
    file_id = write()
    stored = reader.execute(
        "SELECT history_id, file_path, action, diff_count, diff_text, original_encoding,"
        " modified_encoding, original_content, modified_content"
        " FROM file_modification_history WHERE id = %s",
        (file_id,),
    ).fetchone()

    def s(v):
        return None if v is None else scrub(v)

    assert stored == (
        run,
        scrub(path),
        action,
        diff_count,
        s(diff_text),
        scrub(encodings[0]) if encodings[0] else None,  # empty labels are stored as NULL
        scrub(encodings[1]) if encodings[1] else None,
        s(contents[0]),
        s(contents[1]),
    )


@PROFILE
@given(history_id=st.one_of(integers, st.booleans(), texts, st.none(), floats))
def test_an_unknown_or_malformed_history_id_writes_nothing(repo, reader, history_id):
    before = row_counts(reader)
    refused_cleanly(
        reader,
        before,
        lambda: repo.record_api_call(
            history_id + 10**6 if type(history_id) is int and history_id > 0 else history_id,
            api_method="GET",
            endpoint="/x",
        ),
    )


# -- finishing ---------------------------------------------------------------------------


@PROFILE
@given(
    result=st.one_of(st.none(), json_like, st.dictionaries(texts, json_like, max_size=4)),
    pr_url=st.one_of(st.none(), texts),
    branch=st.one_of(st.none(), texts),
    files=st.one_of(st.none(), integers),
    outcome=st.sampled_from(["complete", "no_changes", "fail"]),
    error=nonblank_texts,
)
@example(
    result={"log": "x" * MB10}, pr_url=None, branch=None, files=0, outcome="complete", error="e"
)
def test_finishing_stores_the_result_or_leaves_the_run_processing(
    repo, reader, result, pr_url, branch, files, outcome, error
):
    run = fresh_run(repo)
    before = reader.execute(
        "SELECT status, result_data, completed_at FROM issue_processing_history WHERE id = %s",
        (run,),
    ).fetchone()
    try:
        want = expected_json(result)
        bad = result is not None and not isinstance(result, dict)
    except NotJson:
        bad = True
    if outcome == "complete":
        bad = bad or bad_count(files) or (branch is not None and len(scrub(branch)) > 255)
        write = lambda: repo.complete(  # noqa: E731
            run, pr_url=pr_url, branch_name=branch, result=result, modified_files_count=files
        )
    elif outcome == "no_changes":
        write = lambda: repo.complete_no_changes(run, result)  # noqa: E731
    else:
        write = lambda: repo.fail(run, error, result)  # noqa: E731
    if bad:
        with pytest.raises(InvalidValue):
            write()
        after = reader.execute(
            "SELECT status, result_data, completed_at FROM issue_processing_history WHERE id = %s",
            (run,),
        ).fetchone()
        assert after == before
        return
    finished = write()
    stored = reader.execute(
        "SELECT status, result_data, pr_url, branch_name, modified_files_count, error_message"
        " FROM issue_processing_history WHERE id = %s",
        (run,),
    ).fetchone()
    assert stored[0] == finished.status
    if outcome == "complete":
        assert (stored[2], stored[3], stored[4]) == (
            None if pr_url is None else scrub(pr_url),
            scrub(branch) if branch else None,
            0 if files is None else files,  # None keeps the column's value (default 0)
        )
    if outcome == "fail":
        assert stored[5] == scrub(error)
    if result is not None:
        assert isinstance(stored[1], dict)
        for k, v in want.items():
            assert same_json(stored[1][k], v)
    # A finished run cannot be finished twice: the second write is refused, typed.
    with pytest.raises(InvalidTransition):
        repo.fail(run, "again")
