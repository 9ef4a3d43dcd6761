"""Sample workflow runs for ``pfr demo``: trip-planning runs as document 000 describes,
written through ``WorkflowLogger`` and then moved back in time so the views have days.

Most runs complete; some fail in a node (with its traceback) and a few are cancelled.
Models: gpt-4o and gpt-3.5-turbo (priced) and llama3.2 on ollama (unpriced, to show
unpriced calls in the usage view).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from pydal_free_repo.database import Database
from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.workflows.logger import WorkflowLogger

USERS = ["minji", "junho", "sora", "anonymous"]
PLACES = ["Seongsu", "Bukchon", "Haeundae", "Jeju Aewol", "Jeonju Hanok Village", "Gangneung"]
THEMES = ["cafe", "nature", "history", "food", "night view"]
# node name, node type, typical milliseconds
NODES = [
    ("analyze_user_input", "analysis", 900),
    ("search_places", "search", 1600),
    ("generate_itinerary", "generation", 4200),
    ("optimize_route", "routing", 350),
]
MODELS = [("gpt-4o", "openai"), ("gpt-3.5-turbo", "openai"), ("llama3.2", "ollama")]


MAX_DAYS = 3650  # as pydal_free_repo.issues.demo.MAX_DAYS


class _DemoFailure(RuntimeError):
    pass


SYSTEM_PROMPTS = (
    "You are a travel planner. Answer in JSON.",
    "You plan one relaxed day out. Reply with a JSON itinerary only.",
)


def write_demo_workflows(
    db: Database, count: int = 10, days: int = 14, seed: int | None = None
) -> int:
    """Write ``count`` sample runs spread over the last ``days`` days; return how many."""
    if count < 0 or not 0 <= days <= MAX_DAYS:
        raise InvalidValue(
            f"count must be 0 or more and days from 0 to {MAX_DAYS}, got {count} and {days}"
        )
    rng = random.Random(seed)
    _ensure_partitions(db, days)
    logger = WorkflowLogger(db)
    for number in range(count):
        age_seconds = rng.uniform(0, max(days, 0) * 86_400)
        _one_run(db, logger, rng, number, age_seconds)
    return count


def _ensure_partitions(db: Database, days: int) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    since = now - dt.timedelta(days=days + 1)
    months_back = (now.year - since.year) * 12 + now.month - since.month
    db.fetch_one("issues/demo_partitions", {"since": since, "months_ahead": months_back + 3})


def _one_run(
    db: Database, logger: WorkflowLogger, rng: random.Random, number: int, age: float
) -> None:
    user = logger.get_or_create_user(rng.choice(USERS))
    place = rng.choice(PLACES)
    theme = rng.choice(THEMES)
    state: dict[str, Any] = {
        "user_input": f"A {theme} day in {place}",
        "input_type": rng.choice(["region", "specific_place"]),
        "time_settings": {"start": "10:00", "end": rng.choice(["17:00", "20:00", "22:00"])},
        "date_theme": {"theme": theme},
        "user_intent": None,
        "search_radius": rng.choice([0.5, 1, 2, 5]),
    }
    workflow = logger.start_workflow(user.id, state)
    fate = rng.choices(["completed", "failed", "cancelled"], weights=[80, 15, 5])[0]
    failing_node = rng.randrange(len(NODES)) if fate == "failed" else None
    stop_after = rng.randrange(1, len(NODES)) if fate == "cancelled" else len(NODES)
    durations = []
    try:
        for index, (name, node_type, typical) in enumerate(NODES[:stop_after]):
            durations.append(max(1, int(rng.gauss(typical, typical / 4))))
            with logger.node_context(name, node_type, input_data={"place": place}) as node:
                if node_type in ("analysis", "generation"):
                    _generation(logger, rng, place, theme)
                if index == failing_node:
                    raise _DemoFailure(f"{name}: upstream places API returned 503")
                state = _advance(state, name, place, theme)
                logger.log_node_complete(node.id, state, output_data={"step": name})
    except _DemoFailure as exc:
        logger.fail_workflow(exc)
    else:
        if fate == "cancelled":
            logger.cancel_workflow("user closed the planner")
        else:
            logger.complete_workflow(state)
    offsets = list(itertools.accumulate([0, *durations[:-1]]))
    db.fetch_one(
        "workflows/demo_backdate",
        {
            "workflow_id": workflow.id,
            "shift_seconds": age,
            "offsets_ms": offsets,
            "durations_ms": durations,
            "total_ms": sum(durations),
        },
    )


def _generation(logger: WorkflowLogger, rng: random.Random, place: str, theme: str) -> None:
    model, provider = rng.choice(MODELS)
    prompt_tokens = rng.randint(300, 3000)
    completion_tokens = rng.randint(100, 1200)
    logger.log_generation(
        model,
        f"Plan a {theme} day in {place}.",
        f"10:00 start in {place} ...",
        model_provider=provider,
        # Two system prompts, as in an A/B test (the dashboard's prompt comparison).
        system_prompt=rng.choice(SYSTEM_PROMPTS),
        parsed_output={"place": place, "theme": theme},
        temperature=0.7,
        max_tokens=2000,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cached_input_tokens=rng.choice([0, 0, prompt_tokens // 2])
        if provider == "openai"
        else None,
        latency_ms=rng.randint(400, 6000),
    )


def _advance(state: dict[str, Any], node: str, place: str, theme: str) -> dict[str, Any]:
    if node == "analyze_user_input":
        return {**state, "user_intent": {"theme": theme, "pace": "relaxed"}}
    if node == "generate_itinerary":
        itinerary = [
            {"time": "10:00", "place": f"{place} {theme} spot"},
            {"time": "12:30", "place": f"{place} lunch"},
            {"time": "15:00", "place": f"{place} walk"},
        ]
        return {**state, "final_itinerary": itinerary}
    return state
