"""Property tests of every public write of the workflow logger and the buffered writer.

Each write either stores exactly what a reader gets back with plain SQL (NUL and lone
surrogates become U+FFFD; datetimes and Decimals in a state become ISO strings and
numbers, as documented) or raises a typed error from ``pydal_free_repo.errors`` with
nothing written. The only public writes that take a datetime are the buffered writer's
``created_at``: a naive datetime is refused with InvalidValue (never guessed as UTC),
an aware one is stored as the same instant.
"""

from __future__ import annotations

import datetime as dt
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

from pydal_free_repo import BufferedWriter, Database, WorkflowLogger
from pydal_free_repo.errors import InvalidValue, NotFound, PfrError

names = itertools.count(1)
MB10 = 10 * 1024 * 1024
MICRO = Decimal("0.000001")


@pytest.fixture
def reader(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def db(dsn):
    """A full pool that never grows during a property (this module's own ``db``): a
    pool's worker threads use the ``random`` module (jitter) when they open a
    connection, and Hypothesis reads a change of the global random state while it
    draws an example as randomness in a strategy (HypothesisDeprecationWarning)."""
    with Database.connect(dsn, min_size=4, max_size=4) as database:
        database.pool.wait()
        yield database


@pytest.fixture
def logger(db):
    with WorkflowLogger(db) as logger:
        yield logger


def plain_model(value):
    """The documented state conversion: datetimes to ISO text, Decimals to numbers."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain_model(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_model(v) for v in value]
    return value


def expected_state(value):
    return expected_json(plain_model(value))


def refused(reader, call, *types):
    before = row_counts(reader)
    with pytest.raises(PfrError) as raised:
        call()
    assert type(raised.value) in (types or (InvalidValue, NotFound)), repr(raised.value)
    assert row_counts(reader) == before, "a refused write left rows behind"


def exact(value):
    """A number as the NUMERIC column must hold it: the float's shortest decimal form."""
    return None if value is None else Decimal(repr(value) if isinstance(value, float) else value)


def bad_number(value):
    return value is not None and (
        (isinstance(value, float) and not math.isfinite(value)) or value < 0
    )


def bad_count(value):
    return value is not None and not 0 <= value <= INT4_MAX


@PROFILE
@given(username=texts, email=st.one_of(st.none(), texts))
def test_get_or_create_user_round_trips_or_refuses(logger, reader, username, email):
    name = f"{next(names)}{username}" if username else username
    if not name or len(scrub(name)) > 100 or (email and len(scrub(email)) > 255):
        refused(reader, lambda: logger.get_or_create_user(name, email))
        return
    user = logger.get_or_create_user(name, email)
    stored = reader.execute(
        "SELECT username, email FROM users WHERE id = %s", (user.id,)
    ).fetchone()
    assert stored == (scrub(name), scrub(email) if email else None)
    assert logger.get_or_create_user(name, email).id == user.id


@PROFILE
@given(
    user_input=st.one_of(st.none(), texts),
    input_type=st.sampled_from([None, "region", "specific_place", "planet"]),
    settings=json_like,
    theme=st.one_of(json_like, st.just(dt.datetime(2026, 5, 1, 9, 30))),
    intent=st.one_of(json_like, st.just({"budget": Decimal("12.50")})),
    radius=st.one_of(st.none(), floats, integers),
    user_id=st.one_of(st.none(), integers, st.just(1.0), st.just("1")),
)
@example(
    user_input="x\x00",
    input_type="region",
    settings={"a": 1},
    theme=None,
    intent=None,
    radius=0.30000000000000004,
    user_id=None,
)
def test_start_workflow_round_trips_or_refuses(
    logger, reader, user_input, input_type, settings, theme, intent, radius, user_id
):
    owner = logger.get_or_create_user(f"owner-{next(names)}").id
    chosen = owner if user_id is None else user_id
    state = {
        "user_input": user_input,
        "input_type": input_type,
        "time_settings": settings,
        "date_theme": theme,
        "user_intent": intent,
        "search_radius": radius,
    }
    try:
        want = {k: expected_state(state[k]) for k in ("time_settings", "date_theme", "user_intent")}
        bad = input_type == "planet" or bad_number(radius)
    except NotJson:
        bad = True
    exists = (
        type(chosen) is int
        and abs(chosen) < 2**63
        and reader.execute("SELECT 1 FROM users WHERE id = %s", (chosen,)).fetchone()
    )
    bad = bad or not exists
    if bad:
        refused(reader, lambda: logger.start_workflow(chosen, state))
        return
    workflow = logger.start_workflow(chosen, state)
    stored = reader.execute(
        "SELECT user_id, status, user_input, input_type, time_settings, date_theme,"
        " user_intent, search_radius FROM workflows WHERE id = %s",
        (workflow.id,),
    ).fetchone()
    assert stored[:4] == (
        chosen,
        "running",
        None if user_input is None else scrub(user_input),
        input_type,
    )
    for got, key in zip(stored[4:7], ("time_settings", "date_theme", "user_intent"), strict=True):
        assert same_json(got, want[key]), key
    assert stored[7] == exact(radius)


@PROFILE
@given(
    node_name=texts,
    node_type=st.sampled_from(
        [None, "analysis", "search", "generation", "routing", "tool", "llm", "X", "a" * 21]
    ),
    input_data=json_like,
    state=json_like,
    output=json_like,
    error=st.one_of(st.none(), texts),
)
def test_nodes_round_trip_or_are_refused(
    logger, reader, node_name, node_type, input_data, state, output, error
):
    owner = logger.get_or_create_user(f"n-{next(names)}").id
    run = logger.start_workflow(owner, {}).id
    try:
        want_input = expected_state(input_data)
        bad = node_type in ("X", "a" * 21) or not node_name.strip() or len(scrub(node_name)) > 100
    except NotJson:
        bad = True
    if bad:
        refused(reader, lambda: logger.start_node(node_name, node_type, input_data))
        return
    node = logger.start_node(node_name, node_type, input_data)
    stored = reader.execute(
        "SELECT workflow_id, node_name, node_type, input_data, status FROM nodes WHERE id = %s",
        (node.id,),
    ).fetchone()
    assert stored[:3] == (run, scrub(node_name), node_type)
    assert same_json(stored[3], want_input)
    assert stored[4] == "running"
    try:
        want_state, want_output = expected_state(state), expected_state(output)
    except NotJson:
        refused(reader, lambda: logger.log_node_complete(node.id, state, output))
        assert (
            reader.execute("SELECT status FROM nodes WHERE id = %s", (node.id,)).fetchone()[0]
            == "running"
        )
        return
    logger.log_node_complete(node.id, state, output)
    stored = reader.execute(
        "SELECT status, state_data, output_data FROM nodes WHERE id = %s", (node.id,)
    ).fetchone()
    assert stored[0] == "completed"
    assert same_json(stored[1], want_state) and same_json(stored[2], want_output)
    finished = logger.fail_workflow(error) if error is not None else logger.complete_workflow()
    row = reader.execute(
        "SELECT status, error_message FROM workflows WHERE id = %s", (run,)
    ).fetchone()
    assert row == (finished.status, None if error is None else scrub(error))


generation_fields = dict(
    model_name=nonblank_texts,
    user_prompt=st.one_of(st.none(), texts),
    output=st.one_of(st.none(), texts),
    parsed_output=json_like,
    temperature=st.one_of(st.none(), floats),
    max_tokens=st.one_of(st.none(), integers),
    prompt_tokens=st.one_of(st.none(), integers),
    completion_tokens=st.one_of(st.none(), integers),
    latency_ms=st.one_of(st.none(), integers),
    provided_cost=st.one_of(st.none(), floats),
)


def generation_verdict(f) -> tuple[bool, object]:
    """(must be refused, expected parsed_output)."""
    try:
        parsed = expected_state(f["parsed_output"])
    except NotJson:
        return True, None
    p, c = f["prompt_tokens"], f["completion_tokens"]
    total = None if p is None and c is None else (p or 0) + (c or 0)
    bad = (
        len(scrub(f["model_name"])) > 100
        or any(
            bad_count(f[k])
            for k in ("max_tokens", "prompt_tokens", "completion_tokens", "latency_ms")
        )
        or bad_number(f["temperature"])
        or bad_number(f["provided_cost"])
        or (
            f["provided_cost"] is not None
            and (
                exact(f["provided_cost"]) >= 10**6
                or exact(f["provided_cost"]).quantize(MICRO, decimal.ROUND_HALF_UP) >= 10**6
            )
        )
        or (total is not None and total > INT4_MAX)
    )
    return bad, parsed


def check_generation(reader, generation_id, f, parsed):
    stored = reader.execute(
        "SELECT model_name, user_prompt, output, parsed_output, temperature, max_tokens,"
        " prompt_tokens, completion_tokens, latency_ms, provided_cost"
        " FROM generations WHERE id = %s",
        (generation_id,),
    ).fetchone()

    def s(v):
        return None if v is None else scrub(v)

    assert stored[:3] == (scrub(f["model_name"]), s(f["user_prompt"]), s(f["output"]))
    assert same_json(stored[3], parsed)
    assert stored[4] == exact(f["temperature"])
    assert stored[5:9] == (
        f["max_tokens"],
        f["prompt_tokens"],
        f["completion_tokens"],
        f["latency_ms"],
    )
    cost = f["provided_cost"]
    assert stored[9] == (
        None if cost is None else exact(cost).quantize(MICRO, decimal.ROUND_HALF_UP)
    )


@PROFILE
@given(**generation_fields)
@example(
    model_name="m",
    user_prompt="p\x00" * 5,
    output="\udcff" * 5,
    parsed_output=None,
    temperature=0.7,
    max_tokens=None,
    prompt_tokens=None,
    completion_tokens=None,
    latency_ms=None,
    provided_cost=None,
)
def test_log_generation_round_trips_or_refuses(logger, reader, **f):
    owner = logger.get_or_create_user(f"g-{next(names)}").id
    logger.start_workflow(owner, {})
    bad, parsed = generation_verdict(f)
    if bad:
        refused(reader, lambda: logger.log_generation(**f))
        return
    generation = logger.log_generation(**f)
    check_generation(reader, generation.id, f, parsed)


def test_ten_megabyte_texts_and_state_round_trip(logger, reader):
    owner = logger.get_or_create_user(f"big-{next(names)}").id
    big = "p\x00\ud800" * (MB10 // 3)
    run = logger.start_workflow(owner, {"user_input": big, "user_intent": {"notes": big}})
    generation = logger.log_generation("m", user_prompt=big, output=big, parsed_output=[big])
    want = scrub(big)
    stored = reader.execute(
        "SELECT w.user_input = %(w)s, w.user_intent ->> 'notes' = %(w)s,"
        " g.user_prompt = %(w)s, g.output = %(w)s, g.parsed_output ->> 0 = %(w)s"
        " FROM workflows AS w JOIN generations AS g ON g.workflow_id = w.id"
        " WHERE g.id = %(g)s",
        {"w": want, "g": generation.id},
    ).fetchone()
    assert run.user_input == want
    assert stored == (True, True, True, True, True)


aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [
            dt.timezone.utc,
            dt.timezone(dt.timedelta(hours=14)),
            dt.timezone(-dt.timedelta(hours=9, minutes=30)),
        ]
    ),
)


@PROFILE
@given(
    created_at=st.one_of(aware, st.datetimes(), st.just("2026-01-01"), st.none()),
    **generation_fields,
)
def test_buffered_writer_writes_each_accepted_row_and_refuses_at_the_call(
    db, reader, created_at, **f
):
    with WorkflowLogger(db) as logger:
        owner = logger.get_or_create_user(f"w-{next(names)}").id
        run = logger.start_workflow(owner, {}).id
    bad, parsed = generation_verdict(f)
    bad = bad or not (
        created_at is None or isinstance(created_at, dt.datetime) and created_at.tzinfo is not None
    )
    with BufferedWriter(db, batch_size=10, flush_interval=0.01) as writer:
        before = reader.execute("SELECT count(*) FROM generations").fetchone()[0]
        if bad:
            with pytest.raises(InvalidValue):
                writer.generation(run, created_at=created_at, **f)
            assert writer.stats.accepted == 0
            return
        writer.generation(run, created_at=created_at, **f)
        report = writer.flush(timeout=30)
    assert (report.accepted, report.written, report.rejected) == (1, 1, 0), writer.rejected_rows
    assert reader.execute("SELECT count(*) FROM generations").fetchone()[0] == before + 1
    generation_id, stored_at = reader.execute(
        "SELECT id, created_at FROM generations WHERE workflow_id = %s", (run,)
    ).fetchone()
    check_generation(reader, generation_id, f, parsed)
    if created_at is not None:
        assert stored_at == created_at  # the same instant, whatever its offset


@PROFILE
@given(
    history_id=st.one_of(integers, st.none(), st.booleans()),
    method=st.sampled_from(["GET", "post", "BREW"]),
    endpoint=texts,
    status=st.one_of(st.none(), integers),
    duration=st.one_of(st.none(), floats),
)
def test_buffered_writer_api_calls_fail_at_the_call_not_in_the_background(
    db, reader, history_id, method, endpoint, status, duration
):
    run = reader.execute(
        "INSERT INTO issue_processing_history (issue_key, status) VALUES (%s, 'processing')"
        " RETURNING id",
        (f"W-{next(names)}",),
    ).fetchone()[0]
    target = run if history_id is None else history_id
    with BufferedWriter(db, batch_size=10, flush_interval=0.01) as writer:
        try:
            writer.api_call(target, method, endpoint, status_code=status, duration_seconds=duration)
        except InvalidValue:
            assert writer.stats.accepted == 0
            return
        report = writer.flush(timeout=30)
    # A row the writer accepted is a row the database takes, or one it refuses for a
    # reason only the database can know (an unknown run), which is counted and kept.
    if report.rejected:
        assert target != run and len(writer.rejected_rows) == 1
        return
    assert report.written == 1
    stored = reader.execute(
        "SELECT api_method, endpoint, status_code, duration_seconds FROM bitbucket_api_history"
        " WHERE history_id = %s ORDER BY id DESC LIMIT 1",
        (target,),  # an existing run of an earlier example is a valid target too
    ).fetchone()
    assert stored == (
        method.upper(),
        scrub(endpoint),
        status,
        None
        if duration is None
        else exact(duration).quantize(Decimal("0.001"), decimal.ROUND_HALF_UP),
    )


# -- the async twin: the same checks, through the same parameter module ---------------------

HOSTILE = {
    "nan search radius": ({"search_radius": math.nan}, None),
    "set in state": ({"user_intent": {"tags": {1, 2}}}, None),
    "too deep": ({"user_intent": deep(300)}, None),
    "nul and surrogate": ({"user_input": "a\x00b\ud800c"}, "a\ufffdb\ufffdc"),
    "exact float": ({"search_radius": 0.30000000000000004}, Decimal("0.30000000000000004")),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_the_async_logger_applies_the_same_rules(dsn, case):
    from pydal_free_repo import AsyncWorkflowLogger

    state, want = HOSTILE[case]
    async with await AsyncWorkflowLogger.connect(dsn) as logger:
        user = await logger.get_or_create_user("async-owner")
        with psycopg.connect(dsn, autocommit=True) as reader:
            before = row_counts(reader)
            if want is None:
                with pytest.raises(InvalidValue):
                    await logger.start_workflow(user.id, state)
                assert row_counts(reader) == before
                with pytest.raises(InvalidValue):
                    await logger.start_workflow(1.0, {})
                return
            workflow = await logger.start_workflow(user.id, state)
            stored = reader.execute(
                "SELECT user_input, search_radius FROM workflows WHERE id = %s", (workflow.id,)
            ).fetchone()
    assert want in stored


@PROFILE
@given(
    prompt=st.one_of(st.none(), integers),
    completion=st.one_of(st.none(), integers),
    cost=st.one_of(st.none(), floats),
    duration=st.one_of(st.none(), floats),
    model=texts,
    cache_key=st.one_of(st.none(), texts),
    error=st.one_of(st.none(), texts),
    created_at=st.one_of(aware, st.datetimes(), st.none()),
)
def test_buffered_writer_llm_calls_round_trip_or_fail_at_the_call(
    db, reader, prompt, completion, cost, duration, model, cache_key, error, created_at
):
    run = reader.execute(
        "INSERT INTO issue_processing_history (issue_key, status) VALUES (%s, 'processing')"
        " RETURNING id",
        (f"L-{next(names)}",),
    ).fetchone()[0]
    total = None if prompt is None and completion is None else (prompt or 0) + (completion or 0)

    def over(value, places, limit):
        return value is not None and (
            bad_number(value)
            or exact(value) >= limit
            or exact(value).quantize(Decimal(1).scaleb(-places), decimal.ROUND_HALF_UP) >= limit
        )

    must_fail = (
        bad_count(prompt)
        or bad_count(completion)
        or (total is not None and total > INT4_MAX)
        or over(cost, 6, 10**6)
        or over(duration, 3, 10**7)
        or not model.strip()
        or len(scrub(model)) > 100
        or (cache_key is not None and cache_key != "" and len(scrub(cache_key)) > 255)
        or (created_at is not None and created_at.tzinfo is None)
    )
    fields = dict(
        prompt_tokens=prompt,
        completion_tokens=completion,
        provided_cost=cost,
        duration_seconds=duration,
        cache_key=cache_key,
        error_message=error,
        created_at=created_at,
    )
    with BufferedWriter(db, batch_size=10, flush_interval=0.01) as writer:
        if must_fail:
            with pytest.raises(InvalidValue):
                writer.llm_call(run, "other", model, **fields)
            assert writer.stats.accepted == 0
            return
        writer.llm_call(run, "other", model, **fields)
        report = writer.flush(timeout=30)
    assert (report.written, report.rejected) == (1, 0), writer.rejected_rows
    stored = reader.execute(
        "SELECT model, prompt_tokens, completion_tokens, total_tokens, provided_cost,"
        " duration_seconds, cache_key, error_message FROM llm_call_history"
        " WHERE history_id = %s",
        (run,),
    ).fetchone()
    assert stored == (
        scrub(model),
        prompt,
        completion,
        total,
        None if cost is None else exact(cost).quantize(MICRO, decimal.ROUND_HALF_UP),
        None
        if duration is None
        else exact(duration).quantize(Decimal("0.001"), decimal.ROUND_HALF_UP),
        scrub(cache_key) if cache_key else None,
        None if error is None else scrub(error),
    )
