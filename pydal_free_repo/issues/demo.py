"""Realistic sample data for the issue history (``pfr demo``), written through IssueHistory.

Each sample issue goes the way document 004's agent would take it: claim, spec
conversion, branch, file reads, diffs, commit, pull request, then completed, completed
without changes, or failed (an LLM timeout, a rate limit, a server error, an encoding
error). Some LLM answers come from the application cache, one model has no price, a few
issues stay queued or in progress, some files are touched by several issues, and a few
duplicate claims are refused. Each issue is one transaction; afterwards its rows are
moved back in time (``issues/demo_backdate``) so the daily, weekly and hourly views have
something to show. Demo-only SQL; the repository itself always uses the server clock.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from pydal_free_repo.database import Database
from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.issues.repository import IssueHistory

# (model, weight); "in-house-coder" is a model nobody prices, on purpose (its calls are
# unpriced: NULL cost, never 0).
MODELS = [
    ("gpt-4o", 55),
    ("gpt-4-turbo-preview", 15),
    ("gpt-3.5-turbo", 15),
    ("in-house-coder", 15),
]
FILES = [
    "src/material/MaterialDB.cpp",
    "src/material/MaterialDB.h",
    "src/material/SteelGrade.cpp",
    "src/material/ConcreteGrade.cpp",
    "src/ui/MaterialDialog.cpp",
    "src/ui/MaterialDialog.h",
    "src/io/SpecReader.cpp",
    "src/io/SpecWriter.cpp",
    "res/strings_ko.rc",
    "res/strings_en.rc",
    "docs/material_spec.md",
    "tests/test_material_db.cpp",
]
ENCODINGS = ["utf-8", "utf-8", "euc-kr", "cp949"]
SUMMARIES = [
    "Add {grade} steel grade to the material DB",
    "Support {grade} concrete in the material dialog",
    "Fix rounding of {grade} yield strength",
    "Translate {grade} material names",
    "Import {grade} spec from the KS standard",
]
GRADES = ["SS275", "SM355", "SHN400", "C30", "C35", "SD400", "SD500", "HSB600"]


class DemoFailure(Exception):
    """A failure the sample agent meets; carries a status code like an HTTP client's error."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


# One monthly partition per table per month of data: ten years is 120 of them.
MAX_DAYS = 3650


def write_demo_data(
    db: Database,
    *,
    issues: int = 40,
    days: int = 14,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write ``issues`` sample issues spread over the last ``days`` days; return counts."""
    if issues < 0 or not 0 <= days <= MAX_DAYS:
        raise InvalidValue(
            f"issues must be 0 or more and days from 0 to {MAX_DAYS}, got {issues} and {days}"
        )
    rng = random.Random(seed)
    history = IssueHistory(db)
    _ensure_partitions(db, days)
    counts: Counter[str] = Counter()
    base = rng.randrange(1000, 90000, 1000)
    # One issue in six falls in the last day, so the hourly views show something too.
    recent = -(-issues // 6)
    ages = sorted(
        [rng.uniform(0, min(days, 1) * 86400) for _ in range(recent)]
        + [rng.uniform(0, days * 86400) for _ in range(issues - recent)],
        reverse=True,
    )
    completed_keys: list[str] = []
    for number, age in enumerate(ages, start=1):
        key = f"DEMO-{base + number}"
        # The newest issue waits in the queue and the one before it is being processed;
        # the others end completed, without changes, or failed.
        fate = {issues: "queued", issues - 1: "processing"}.get(number, "finished")
        with db.transaction() as conn:
            outcome = _one_issue(history, conn, rng, key, age, fate, counts)
        counts[outcome] += 1
        if outcome == "completed":
            completed_keys.append(key)
        if progress is not None:
            progress(number)
    for key in rng.sample(completed_keys, min(2, len(completed_keys))):
        refused = history.claim({"key": key, "fields": {"summary": "duplicate webhook"}})
        counts["refused_duplicates"] += not refused.acquired
    return {
        "issues": issues,
        "days": days,
        "completed": counts["completed"],
        "no_changes": counts["no_changes"],
        "failed": counts["failed"],
        "processing": counts["processing"],
        "queued": counts["queued"],
        "refused_duplicates": counts["refused_duplicates"],
        "llm_calls": counts["llm_calls"],
        "api_calls": counts["api_calls"],
        "files": counts["files"],
    }


def _ensure_partitions(db: Database, days: int) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    since = now - dt.timedelta(days=days + 1)
    months_back = (now.year - since.year) * 12 + now.month - since.month
    db.fetch_one("issues/demo_partitions", {"since": since, "months_ahead": months_back + 3})


def _one_issue(
    history, conn, rng: random.Random, key: str, age: float, fate: str, counts: Counter
) -> str:
    summary = rng.choice(SUMMARIES).format(grade=rng.choice(GRADES))
    issue = {
        "key": key,
        "fields": {
            "summary": summary,
            "issuetype": {"name": rng.choice(["Story", "Bug", "Task"])},
            "priority": {"name": rng.choice(["High", "Medium", "Low"])},
            "labels": ["material-db", "demo"],
        },
    }
    roll = rng.random()
    if fate == "queued":
        queued = history.enqueue(issue, conn=conn)
        if not queued.acquired:
            return "refused_duplicates"  # the same seed run twice: the key is taken
        _backdate(history, conn, queued.history_id, age, 0)
        return "queued"
    claim = history.claim(issue, conn=conn)
    if not claim.acquired:
        return "refused_duplicates"
    hid = claim.history_id
    duration = rng.randint(25, 420)
    branch = f"feature/{key}"
    model = rng.choices([m for m, _ in MODELS], [w for _, w in MODELS])[0]

    _llm(history, conn, rng, hid, "spec_conversion", model, counts)
    _api(history, conn, rng, hid, "POST", "/refs/branches", 201, counts)

    if fate == "processing":
        outcome = "processing"  # still running: nothing more recorded yet
    elif roll < 0.18:
        outcome = "failed"
        error = _failure(history, conn, rng, hid, branch, model, counts)
        history.fail(hid, error, {"errors": [str(error)]}, conn=conn)
    else:
        # Below 0.30 the model finds nothing to change in any file it reads.
        changed = _modify_files(
            history, conn, rng, hid, branch, model, counts, propose=roll >= 0.30
        )
        if not changed:
            outcome = "no_changes"
            history.complete_no_changes(hid, {"modified_files": []}, conn=conn)
        else:
            outcome = "completed"
            _api(history, conn, rng, hid, "POST", "/src", 201, counts)
            _api(history, conn, rng, hid, "POST", "/pullrequests", 201, counts)
            history.complete(
                hid,
                pr_url=f"https://bitbucket.org/acme/sdb/pull-requests/{rng.randint(100, 9999)}",
                branch_name=branch,
                result={"modified_files": changed},
                modified_files_count=len(changed),
                conn=conn,
            )
    if outcome == "processing":
        # In progress: started within the last quarter hour, whatever its place in the list.
        age = rng.uniform(60, 900)
    _backdate(history, conn, hid, age, duration)
    return outcome


def _llm(history, conn, rng, hid, call_type, model, counts, *, cached: bool | None = None) -> None:
    cache_hit = rng.random() < 0.25 if cached is None else cached
    prompt = 0 if cache_hit else rng.randint(800, 12000)
    completion = 0 if cache_hit else rng.randint(150, 3000)
    history.record_llm_call(
        hid,
        call_type=call_type,
        model=model,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cached_input_tokens=0 if cache_hit else rng.choice([0, 0, prompt // 2]),
        cache_hit=cache_hit,
        cache_key=f"{call_type}:{rng.getrandbits(48):012x}",
        duration_seconds=round(rng.uniform(0.01, 0.05) if cache_hit else rng.uniform(1.5, 40), 3),
        conn=conn,
    )
    counts["llm_calls"] += 1


def _api(history, conn, rng, hid, method, endpoint, status, counts) -> None:
    history.record_api_call(
        hid,
        api_method=method,
        endpoint=endpoint,
        status_code=status,
        duration_seconds=round(rng.uniform(0.08, 2.5), 3),
        conn=conn,
    )
    counts["api_calls"] += 1


def _modify_files(
    history, conn, rng, hid, branch, model, counts, *, propose: bool = True
) -> list[dict[str, Any]]:
    changed = []
    for path in rng.sample(FILES, rng.randint(1, 4)):
        found = rng.random() > 0.05
        _api(history, conn, rng, hid, "GET", f"/src/{branch}/{path}", 200 if found else 404, counts)
        if not found:
            continue
        action = rng.choices(["modified", "created", "deleted"], [80, 15, 5])[0]
        _llm(
            history,
            conn,
            rng,
            hid,
            "new_file" if action == "created" else "code_diff",
            model,
            counts,
        )
        if not propose or rng.random() < 0.1:
            continue  # the model proposed no change for this file
        encoding = rng.choice(ENCODINGS)
        diffs = rng.randint(1, 12)
        history.record_file_modification(
            hid,
            file_path=path,
            action=action,
            diff_count=diffs,
            diff_text=f"--- a/{path}\n+++ b/{path}\n@@ -1,{diffs} +1,{diffs} @@\n",
            original_encoding=encoding,
            modified_encoding=encoding,
            conn=conn,
        )
        counts["files"] += 1
        changed.append({"path": path, "action": action, "diff_count": diffs, "encoding": encoding})
    return changed


def _failure(history, conn, rng, hid, branch, model, counts) -> Exception:
    """Run into one of the agent's usual failures, recorded by the tracking blocks."""
    kind = rng.choice(["llm_timeout", "rate_limit", "server_error", "encoding"])
    try:
        if kind == "llm_timeout":
            with history.llm_call(hid, "code_diff", model, conn=conn):
                counts["llm_calls"] += 1
                raise DemoFailure("LLM request timed out after 120 s")
        if kind == "rate_limit":
            with history.api_call(hid, "GET", f"/src/{branch}/{FILES[0]}", conn=conn):
                counts["api_calls"] += 1
                raise DemoFailure("Bitbucket API rate limit exceeded", status_code=429)
        if kind == "server_error":
            _modify_files(history, conn, rng, hid, branch, model, counts)
            with history.api_call(hid, "POST", "/src", conn=conn):
                counts["api_calls"] += 1
                raise DemoFailure("Bitbucket commit failed: 500 Internal Server Error", 500)
        _api(history, conn, rng, hid, "GET", f"/src/{branch}/{FILES[8]}", 200, counts)
        raise DemoFailure("'utf-8' codec can't decode byte 0xb0 in position 12: invalid start byte")
    except DemoFailure as exc:
        return exc


def _backdate(history, conn, hid, age: float, duration: int) -> None:
    history.db.fetch_one(
        "issues/demo_backdate",
        {
            "history_id": hid,
            "shift_seconds": round(age + duration, 3),
            "duration_seconds": duration,
        },
        conn=conn,
    )
