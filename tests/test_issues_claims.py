"""Claims: race-free, one active row per issue key, queued rows taken over, retry after failure."""

from __future__ import annotations

import threading

import pytest
from _issue_fixtures import issues  # noqa: F401 (sync and async, see the module)

from pydal_free_repo.errors import InvalidTransition, InvalidValue, NotFound


def issue(key: str = "PROJ-1", summary: str = "Add a field") -> dict:
    return {"key": key, "fields": {"summary": summary, "priority": {"name": "High"}}}


def test_claim_acquires_and_stores_the_issue(issues, db):
    claim = issues.claim(issue())
    assert claim.acquired
    assert claim.status == "processing"
    assert claim.issue_key == "PROJ-1"
    assert claim.started_at is not None
    row = db.fetch_one("issues/run_get", {"history_id": claim.history_id})
    assert row["issue_summary"] == "Add a field"
    assert row["status"] == "processing"


def test_second_claim_is_already_processing_with_the_first_rows_id(issues):
    first = issues.claim(issue())
    second = issues.claim(issue())
    assert not second.acquired
    assert second.status == "already_processing"
    assert second.history_id == first.history_id
    assert second.started_at == first.started_at


def test_claim_after_completion_is_already_completed_with_pr_url(issues):
    first = issues.claim(issue())
    issues.complete(first.history_id, pr_url="https://bb/pr/1")
    again = issues.claim(issue())
    assert (again.acquired, again.status) == (False, "already_completed")
    assert again.history_id == first.history_id
    assert again.pr_url == "https://bb/pr/1"
    assert again.completed_at is not None


def test_no_changes_completion_also_blocks_the_key(issues):
    first = issues.claim(issue())
    issues.complete_no_changes(first.history_id)
    assert issues.claim(issue()).status == "already_completed"


def test_failed_run_frees_the_key_for_a_retry(issues):
    first = issues.claim(issue())
    issues.fail(first.history_id, "boom")
    retry = issues.claim(issue())
    assert retry.acquired
    assert retry.history_id != first.history_id


def test_enqueue_then_claim_takes_the_queued_row_over(issues, db):
    queued = issues.enqueue(issue())
    assert (queued.acquired, queued.status) == (True, "queued")
    assert queued.started_at is None
    claim = issues.claim(issue(summary="updated summary"))
    assert claim.acquired
    assert claim.history_id == queued.history_id
    assert claim.status == "processing"
    assert claim.started_at is not None
    rows = db.fetch_all("issues/run_list", {"limit": 10, "status": None, "issue_key": "PROJ-1"})
    assert len(rows) == 1
    assert rows[0]["issue_summary"] == "updated summary"


def test_enqueue_is_refused_while_an_active_row_exists(issues):
    queued = issues.enqueue(issue())
    again = issues.enqueue(issue())
    assert (again.acquired, again.status, again.history_id) == (
        False,
        "already_queued",
        queued.history_id,
    )
    issues.claim(issue())
    assert issues.enqueue(issue()).status == "already_processing"


def test_sixteen_threads_claiming_one_key_get_exactly_one_acquired(issues):
    barrier = threading.Barrier(16)
    results = []
    errors = []

    def worker():
        try:
            barrier.wait()
            results.append(issues.claim(issue("RACE-1")))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 16
    acquired = [r for r in results if r.acquired]
    assert len(acquired) == 1
    assert {r.history_id for r in results} == {acquired[0].history_id}
    assert {r.status for r in results if not r.acquired} == {"already_processing"}


def test_sixteen_threads_claiming_one_queued_key_get_exactly_one_acquired(issues):
    queued = issues.enqueue(issue("RACE-2"))
    barrier = threading.Barrier(16)
    results = []

    def worker():
        barrier.wait()
        results.append(issues.claim(issue("RACE-2")))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 16
    assert sum(r.acquired for r in results) == 1
    assert {r.history_id for r in results} == {queued.history_id}


@pytest.mark.parametrize(
    "bad",
    [{}, {"key": ""}, {"key": "   "}, {"key": None}, {"key": 12}, "PROJ-1", None],
)
def test_claim_refuses_an_issue_without_a_key(issues, bad):
    with pytest.raises(InvalidValue):
        issues.claim(bad)
    assert issues.history() == []


def test_too_long_key_is_refused_and_nothing_written(issues):
    with pytest.raises(InvalidValue, match="50"):
        issues.claim(issue("K" * 51))
    assert issues.history() == []


def test_completing_twice_raises_invalid_transition(issues):
    claim = issues.claim(issue())
    issues.complete(claim.history_id, pr_url="u")
    with pytest.raises(InvalidTransition, match="completed, not processing"):
        issues.complete(claim.history_id)
    with pytest.raises(InvalidTransition):
        issues.fail(claim.history_id, "late")


def test_queued_row_cannot_be_completed(issues):
    queued = issues.enqueue(issue())
    with pytest.raises(InvalidTransition, match="queued"):
        issues.complete(queued.history_id)


def test_finishing_an_unknown_id_is_not_found(issues):
    with pytest.raises(NotFound, match="999"):
        issues.complete(999)
    with pytest.raises(NotFound):
        issues.fail(999, "x")


def test_sixteen_threads_enqueueing_one_key_get_exactly_one_queued_row(issues):
    barrier = threading.Barrier(16)
    results = []

    def worker():
        barrier.wait()
        results.append(issues.enqueue(issue("RACE-3")))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.acquired for r in results) == 1
    assert {r.status for r in results if not r.acquired} == {"already_queued"}
    assert len(issues.history(issue_key="RACE-3")) == 1
