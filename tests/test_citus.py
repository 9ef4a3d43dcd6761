"""The package's promises through the coordinator of a real 3-node Citus cluster (a
coordinator and two workers on this machine), after `pfr migrate` and sql/admin/citus.sql:
where each table lives, race-free claims, the repository, the buffered writer's COPY, the
workflow logger, exact views, `pfr stats`, and the maintenance jobs (partitions made on the
coordinator reach the shards, retention, VACUUM, the reaper, columnar old months)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid

import _citus
import psycopg
import pytest
from _pricing import expected_cost

from pydal_free_repo import BufferedWriter, Database, IssueHistory, WorkflowLogger, migrate
from pydal_free_repo.cli import main
from pydal_free_repo.config import JobsConfig, Retention
from pydal_free_repo.errors import InvalidTransition, NotFound
from pydal_free_repo.jobs.runner import run_job

# Ports 56110-56112 unless set: away from the default 56000 and from other suites' servers;
# under pytest-xdist each worker that runs these tests gets its own cluster and ports.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
PORT = int(os.environ.get("PFR_CITUS_TEST_PORT", "56110")) + 3 * _WORKER
pytestmark = pytest.mark.xdist_group("citus")
DIRECTORY = f"/tmp/pfr-citus-{PORT}"

HISTORY_TABLES = {
    "issue_processing_history": ("distributed", "issue_key"),
    "file_modification_history": ("distributed", "issue_key"),
    "llm_call_history": ("distributed", "issue_key"),
    "bitbucket_api_history": ("distributed", "issue_key"),
    "workflows": ("distributed", "id"),
    "nodes": ("distributed", "workflow_id"),
    "generations": ("distributed", "workflow_id"),
    "workflow_traces": ("distributed", "workflow_id"),
    "workflow_spans": ("distributed", "workflow_id"),
    "model_pricing": ("reference", "<none>"),
    "users": ("reference", "<none>"),
}


@pytest.fixture(scope="module")
def citus_dsn():
    existing = os.environ.get("PFR_CITUS_TEST_DSN")
    if existing:  # a cluster you started (cluster.sh start DIR PORT DB): migrated here
        migrate(existing)
        _citus.run_script(existing)
        yield existing
        return
    reason = _citus.unavailable()
    if reason:
        pytest.skip(reason)
    with _citus.cluster(DIRECTORY, PORT) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def cdb(citus_dsn):
    database = Database.connect(citus_dsn, max_size=40)
    yield database
    database.close()


@pytest.fixture
def issues(cdb) -> IssueHistory:
    return IssueHistory(cdb)


def key(prefix: str = "CIT") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def rows(dsn: str, query: str, params=None) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchall()


def placement(dsn: str, table: str, value) -> tuple:
    """The worker that holds the shard of ``table`` for a distribution value."""
    return rows(
        dsn,
        "SELECT nodename, nodeport FROM citus_shards"
        " WHERE shardid = get_shard_id_for_distribution_column(%s, %s::TEXT)",
        (table, value),
    )[0]


def test_citus_sql_places_every_history_table_and_running_it_again_changes_nothing(citus_dsn):
    query = (
        "SELECT table_name::TEXT, citus_table_type, distribution_column, colocation_id"
        " FROM citus_tables ORDER BY 1"
    )
    before = rows(citus_dsn, query)
    placed = {name: (kind, column) for name, kind, column, _ in before}
    assert {name: placed.get(name) for name in HISTORY_TABLES} == HISTORY_TABLES
    colocation = {name: group for name, _, _, group in before}
    issue_family = {colocation[t] for t in list(HISTORY_TABLES)[:4]}
    workflow_family = {
        colocation[t]
        for t in ("workflows", "nodes", "generations", "workflow_traces", "workflow_spans")
    }
    assert len(issue_family) == 1 and len(workflow_family) == 1
    assert issue_family != workflow_family
    assert "job_runs" not in placed  # the scheduler's log stays local to the coordinator

    _citus.run_script(citus_dsn)
    assert rows(citus_dsn, query) == before
    foreign_keys = {
        name
        for (name,) in rows(
            citus_dsn,
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conname LIKE 'fk_%'",
        )
    }
    assert {
        "fk_lch_history_id",
        "fk_fmh_history_id",
        "fk_bah_history_id",
        "fk_workflows_user_id",
        "fk_nodes_workflow_id",
        "fk_nodes_parent_node_id",
        "fk_generations_workflow_id",
        "fk_generations_node_id",
        "fk_workflow_traces_workflow_id",
        "fk_workflow_spans_workflow_id",
        "fk_workflow_spans_node_id",
    } <= foreign_keys


def test_32_threads_claiming_one_key_get_exactly_one_acquired(issues, citus_dsn):
    issue_key = key("RACE")
    barrier = threading.Barrier(32)
    results = []
    lock = threading.Lock()

    def worker():
        barrier.wait()
        claim = issues.claim({"key": issue_key, "fields": {"summary": "race"}})
        with lock:
            results.append(claim)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(claim.acquired for claim in results) == 1
    assert len({claim.history_id for claim in results}) == 1
    active = (
        "SELECT COUNT(*) FROM issue_processing_history WHERE issue_key = %s AND status <> 'failed'"
    )
    assert rows(citus_dsn, active, (issue_key,)) == [(1,)]

    # A failed run frees the key: the retry is a new run, the duplicate still refused.
    issues.fail(results[0].history_id, "boom")
    retry = issues.claim({"key": issue_key})
    assert retry.acquired and retry.history_id != results[0].history_id
    assert not issues.claim({"key": issue_key}).acquired


def test_a_run_lives_on_one_shard_with_its_files_llm_calls_and_api_calls(issues, citus_dsn):
    claim = issues.claim({"key": key("SHARD")})
    issues.record_llm_call(claim.history_id, call_type="code_diff", model="gpt-4o")
    issues.record_api_call(claim.history_id, api_method="GET", endpoint="/repos")
    issues.record_file_modification(claim.history_id, file_path="a.py", action="created")
    stored = {
        table: rows(
            citus_dsn, f"SELECT issue_key FROM {table} WHERE history_id = %s", (claim.history_id,)
        )
        for table in ("llm_call_history", "bitbucket_api_history", "file_modification_history")
    }
    assert all(found == [(claim.issue_key,)] for found in stored.values())
    where = {
        placement(citus_dsn, table, claim.issue_key)
        for table in (
            "issue_processing_history",
            "llm_call_history",
            "bitbucket_api_history",
            "file_modification_history",
        )
    }
    assert len(where) == 1


def test_the_repository_keeps_its_promises_through_the_coordinator(issues, citus_dsn):
    claim = issues.claim({"key": key("REPO"), "fields": {"summary": "Add a field"}})
    recorded = issues.record_llm_call(
        claim.history_id,
        call_type="code_diff",
        model="gpt-4o",
        prompt_tokens=1000,
        cached_input_tokens=200,
        completion_tokens=100,
    )
    # Priced in Python at write time from the catalogue (migration 0021), as on plain PostgreSQL.
    cost = expected_cost(
        "gpt-4o",
        None,
        recorded.created_at,
        input_tokens=1000,
        output_tokens=100,
        cache_read_tokens=200,
    )
    assert recorded.computed_cost == cost
    assert recorded.total_tokens == 1100
    issues.record_api_call(claim.history_id, api_method="POST", endpoint="/pr", status_code=201)
    issues.record_file_modification(
        claim.history_id, file_path="src/x.py", action="modified", diff_count=3
    )
    finished = issues.complete(claim.history_id, pr_url="https://bb/pr/7", modified_files_count=1)
    assert finished.status == "completed"

    detail = issues.detail(claim.history_id)
    assert (detail.status, detail.pr_url) == ("completed", "https://bb/pr/7")
    assert detail.total_llm_cost == cost
    assert [f.path for f in detail.files] == ["src/x.py"]
    assert len(detail.llm_calls) == 1 and len(detail.api_calls) == 1
    assert [h.id for h in issues.history(issue_key=claim.issue_key)] == [claim.history_id]
    assert issues.file_history("src/x.py")[0].action == "modified"

    with pytest.raises(InvalidTransition):
        issues.complete(claim.history_id)
    with pytest.raises(NotFound):
        issues.record_llm_call(987654321, call_type="other", model="gpt-4o")
    with pytest.raises(NotFound):
        issues.complete(987654321)


def test_the_buffered_writer_copies_through_the_coordinator(issues, cdb, citus_dsn):
    claims = [issues.claim({"key": key("COPY")}) for _ in range(5)]
    logger = WorkflowLogger(cdb)
    user = logger.get_or_create_user(key("writer"))
    workflow = logger.start_workflow(user.id, {"user_input": "x", "input_type": "region"})
    with BufferedWriter(cdb, batch_size=500) as writer:
        for i in range(2000):
            claim = claims[i % 5]
            writer.llm_call(
                claim.history_id, "other", "gpt-4o", prompt_tokens=100, completion_tokens=10
            )
            writer.api_call(claim.history_id, "GET", f"/page/{i}", status_code=200)
            writer.generation(workflow.id, "gpt-4o", prompt_tokens=10, completion_tokens=1)
        writer.llm_call(987654321, "other", "gpt-4o")
    report = writer.stats
    assert (report.written, report.rejected, report.unwritten) == (6000, 1, 0)
    assert "fk_lch_history_id" in writer.rejected_rows[0].error
    ids = [c.history_id for c in claims]
    counted = rows(
        citus_dsn,
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE computed_cost = %s),"
        " COUNT(DISTINCT issue_key) FROM llm_call_history WHERE history_id = ANY(%s)",
        (
            expected_cost(
                "gpt-4o", None, dt.datetime.now(dt.UTC), input_tokens=100, output_tokens=10
            ),
            ids,
        ),
    )
    assert counted == [(2000, 2000, 5)]
    assert rows(
        citus_dsn, "SELECT COUNT(*) FROM bitbucket_api_history WHERE history_id = ANY(%s)", (ids,)
    ) == [(2000,)]
    assert rows(
        citus_dsn, "SELECT COUNT(*) FROM generations WHERE workflow_id = %s", (workflow.id,)
    ) == [(2000,)]


def test_the_workflow_logger_works_through_the_coordinator(cdb, citus_dsn):
    logger = WorkflowLogger(cdb)
    user = logger.get_or_create_user(key("user"), email="u@example.com")
    workflow = logger.start_workflow(user.id, {"user_input": "Seongsu", "input_type": "region"})
    with logger.node_context("analyze_user_input", "analysis", {"q": 1}):
        logger.log_generation(
            model_name="gpt-4o", prompt_tokens=1000, completion_tokens=100, output="ok"
        )
    with pytest.raises(RuntimeError), logger.node_context("search_places", "search", {}):
        raise RuntimeError("no results")
    done = logger.complete_workflow({"final_itinerary": [{"place": "cafe"}]})
    assert done.status == "completed"
    details = logger.get_workflow_details(workflow.id)
    assert [n.status for n in details["nodes"]] == ["completed", "failed"]
    generation = details["generations"][0]
    assert generation.computed_cost == expected_cost(
        "gpt-4o", None, generation.created_at, input_tokens=1000, output_tokens=100
    )
    assert logger.get_or_create_user(user.username).id == user.id
    names = {row["node_name"] for row in logger.node_performance()}
    assert {"analyze_user_input", "search_places"} <= names
    placed = {placement(citus_dsn, t, workflow.id) for t in ("workflows", "nodes", "generations")}
    assert len(placed) == 1


RAW_CHECKS = {
    "v_llm_calls_daily": (
        "SELECT day, call_type, model, calls, cost_sum FROM v_llm_calls_daily",
        "SELECT (created_at AT TIME ZONE 'UTC')::DATE, call_type, model, COUNT(*),"
        " COALESCE(SUM(estimated_cost), 0) FROM llm_call_history GROUP BY 1, 2, 3",
    ),
    "v_issues_hourly": (
        "SELECT hour, status, runs, duration_sum FROM v_issues_hourly",
        "SELECT date_trunc('hour', created_at, 'UTC'), status, COUNT(*),"
        " COALESCE(SUM(processing_duration_seconds), 0)"
        " FROM issue_processing_history GROUP BY 1, 2",
    ),
    "v_file_modification_totals": (
        "SELECT file_path, modification_count, unique_issues, last_modified"
        " FROM v_file_modification_totals",
        "SELECT file_path, COUNT(*), COUNT(DISTINCT history_id), MAX(created_at)"
        " FROM file_modification_history GROUP BY 1",
    ),
    "v_node_performance_exact": (
        "SELECT * FROM v_node_performance_exact",
        "SELECT * FROM v_node_performance",
    ),
}


def test_the_dashboard_views_equal_the_raw_aggregates_and_pfr_stats_reads_them(
    issues, cdb, citus_dsn, capsys
):
    for i in range(12):
        claim = issues.claim({"key": key("VIEW")})
        issues.record_llm_call(
            claim.history_id, call_type="spec_conversion", model="gpt-4o", prompt_tokens=10 * i
        )
        issues.record_file_modification(
            claim.history_id, file_path=f"f{i % 3}.py", action="modified"
        )
        if i % 3 == 0:
            issues.fail(claim.history_id, "no")
        else:
            issues.complete(claim.history_id)
    for name, (view, raw) in RAW_CHECKS.items():
        assert sorted(rows(citus_dsn, view), key=repr) == sorted(rows(citus_dsn, raw), key=repr), (
            name
        )

    stats = issues.stats()
    (total,) = rows(citus_dsn, "SELECT COUNT(*) FROM issue_processing_history")[0]
    assert stats["total_issues"] == total
    assert main(["--dsn", citus_dsn, "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_issues"] == total
    for command in (["stats", "daily"], ["stats", "llm-cost"], ["workflow-stats", "nodes"]):
        assert main(["--dsn", citus_dsn, *command, "--json"]) == 0, command
        assert isinstance(json.loads(capsys.readouterr().out), list)


def test_partitions_made_on_the_coordinator_reach_the_shards_and_retention_drops_them(
    issues, cdb, citus_dsn
):
    now = dt.datetime(2031, 6, 15, tzinfo=dt.timezone.utc)
    made = run_job(cdb, "partitions", JobsConfig(), now=now)
    assert made.status == "succeeded", made.error
    assert rows(
        citus_dsn,
        "SELECT citus_table_type, distribution_column FROM citus_tables"
        " WHERE table_name = 'llm_call_history_p203106'::REGCLASS",
    ) == [("distributed", "issue_key")]
    claim = issues.claim({"key": key("OLD")})
    old = dt.datetime(2031, 6, 20, tzinfo=dt.timezone.utc)
    with BufferedWriter(cdb) as writer:
        for _ in range(10):
            writer.llm_call(claim.history_id, "other", "gpt-4o", created_at=old)
    assert rows(citus_dsn, "SELECT COUNT(*) FROM llm_call_history_p203106") == [(10,)]

    later = run_job(
        cdb,
        "retention",
        JobsConfig(retention=Retention(llm_calls_days=30)),
        now=dt.datetime(2031, 9, 1, tzinfo=dt.timezone.utc),
    )
    assert later.status == "succeeded", later.error
    assert "llm_call_history_p203106" in later.details["dropped_partitions"]
    assert rows(citus_dsn, "SELECT to_regclass('llm_call_history_p203106')") == [(None,)]
    assert rows(
        citus_dsn,
        "SELECT COUNT(*) FROM llm_call_history WHERE history_id = %s",
        (claim.history_id,),
    ) == [(0,)]


def test_vacuum_reaper_and_rollups_jobs_succeed_on_the_cluster(cdb, citus_dsn):
    for name in ("vacuum", "reaper", "rollups"):
        result = run_job(cdb, name, JobsConfig())
        assert result.status == "succeeded", (name, result.error)
    vacuumed = {
        entry["table"] for entry in run_job(cdb, "vacuum", JobsConfig()).details["vacuumed"]
    }
    assert "issue_processing_history" in vacuumed
    # VACUUM of a distributed table on the coordinator reaches the shards on the workers.
    (done,) = rows(
        citus_dsn,
        "SELECT bool_and(success AND result::BIGINT > 0) FROM run_command_on_shards("
        "'issue_processing_history', $$SELECT COUNT(*) FROM pg_stat_user_tables"
        " WHERE relid = '%s'::REGCLASS AND last_vacuum IS NOT NULL$$)",
    )[0]
    assert done
