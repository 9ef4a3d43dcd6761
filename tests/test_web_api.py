"""`pfr serve`'s JSON endpoints against a real uvicorn on 127.0.0.1 and a real PostgreSQL:
every endpoint answers what its repository read returns on the same data (document
004's paths and field names), bad parameters are 400, unknown ids 404, an unreachable
database 503 without its password, and the token is checked on every request."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest
from _web import free_port, get, in_zone, scratch_database, serve
from psycopg import sql

from pydal_free_repo import Database, IssueHistory, WorkflowLogger
from pydal_free_repo.cli.output import to_jsonable
from pydal_free_repo.errors import ConfigurationError
from pydal_free_repo.issues.analytics import ANALYTICS
from pydal_free_repo.reports import Reports, generation_totals
from pydal_free_repo.web import ServeSettings
from pydal_free_repo.web.api import ENDPOINTS

TOKEN = "t0ken-" + "x" * 20


@pytest.fixture(scope="module")
def demo_dsn(postgresql_proc):
    with scratch_database("pfr_i14_web_api") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def server(demo_dsn):
    with serve(demo_dsn) as url:
        yield url


@pytest.fixture(scope="module")
def repo(demo_dsn):
    with Database.connect(in_zone(demo_dsn)) as db:
        yield IssueHistory(db), WorkflowLogger(db), Reports(db)


def same(value):
    return to_jsonable(value)


def test_every_endpoint_answers_what_its_repository_read_returns(server, repo):
    history, workflows, reports = repo
    run = history.history(1, "failed")[0]
    path = history.top_modified_files(1)[0]["file_path"]
    workflow_id = workflows.list_workflows(limit=1)[0]["id"]
    expected = {
        "/history": history.history(),
        "/history?limit=5&status=failed": history.history(5, "failed"),
        f"/history?issue_key={run.issue_key}": history.history(issue_key=run.issue_key),
        f"/history/{run.id}": history.detail(run.id),
        "/stats": history.stats(),
        "/stats/daily": history.daily_stats(7),
        "/stats/daily?days=14": history.daily_stats(14),
        "/stats/llm-cost?days=14": history.llm_cost(14),
        "/stats/llm-cost/models?days=14": reports.llm_cost_daily_by_model(14),
        "/stats/tokens?days=14": reports.llm_tokens_daily(14),
        f"/files/{path}/history": history.file_history(path),
        f"/files/{path}/history?limit=2": history.file_history(path, 2),
        "/compare/models?days=30": reports.model_comparison(30),
        "/compare/prompts?days=30": reports.prompt_comparison(30),
        "/workflows": workflows.list_workflows(),
        "/workflows?status=completed&limit=3": workflows.list_workflows(
            status="completed", limit=3
        ),
        "/workflows/stats/nodes": workflows.node_performance(),
        "/workflows/stats/usage?days=30": workflows.generation_usage(30),
        "/workflows/stats/daily?days=30": workflows.workflows_daily(30),
        "/analytics/failure_reasons?days=30&limit=3": history.failure_reasons(30, 3),
        "/analytics/top_modified_files?limit=3&days=14": history.top_modified_files(3, 14),
    }
    for name in ANALYTICS:
        expected[f"/analytics/{name}"] = history.analytics(name)
    details = workflows.get_workflow_details(workflow_id)
    expected[f"/workflows/{workflow_id}"] = {
        **details,
        "totals": generation_totals(details["generations"]),
    }
    for url, value in expected.items():
        status, body, headers = get(server + url)
        assert status == 200, (url, body)
        assert body == same(value), url
        assert headers["x-pfr-time-zone"] == "UTC"
        assert value, f"{url}: the demo data should fill it"
    # Every endpoint of the table was exercised above.
    tried = {url.split("?")[0] for url in expected}
    for endpoint in ENDPOINTS:
        prefix = endpoint.path.split("{")[0]
        assert (
            any(
                t == endpoint.path or (prefix != endpoint.path and t.startswith(prefix))
                for t in tried
            )
            or endpoint.path == "/analytics"
        ), endpoint.path


def test_document_004_field_names(server):
    _, rows, _ = get(server + "/history?limit=1")
    assert set(rows[0]) >= {
        "id",
        "issue_key",
        "issue_summary",
        "status",
        "branch_name",
        "pr_url",
        "created_at",
        "started_at",
        "completed_at",
        "duration",
        "modified_files_count",
        "error_message",
    }
    _, detail, _ = get(server + f"/history/{rows[0]['id']}")
    assert set(detail) >= {"files", "llm_calls", "total_llm_cost", "duration"}
    assert set(detail["llm_calls"][0]) >= {
        "call_type",
        "model",
        "total_tokens",
        "cost",
        "cache_hit",
        "duration",
    }
    _, stats, _ = get(server + "/stats")
    assert set(stats) >= {
        "total_issues",
        "completed",
        "failed",
        "processing",
        "success_rate",
        "avg_duration_seconds",
        "total_llm_cost_usd",
        "total_llm_calls",
        "cache_hit_rate",
    }


def test_an_unpriced_call_is_null_never_zero(server, repo):
    history, _, _ = repo
    _, rows, _ = get(server + "/compare/models?days=30")
    unpriced = {row["model"]: row for row in rows}["in-house-coder"]
    assert unpriced["total_cost"] is None and unpriced["unpriced_calls"] == unpriced["calls"]
    _, days, _ = get(server + "/stats/llm-cost/models?days=14")
    assert all(d["total_cost"] is None for d in days if d["model"] == "in-house-coder")


def test_openapi_describes_every_endpoint(server):
    status, doc, _ = get(server + "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    for endpoint in ENDPOINTS:
        operation = doc["paths"][endpoint.path.replace(":path}", "}")]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {p.name for p in endpoint.params} | {p.name for p in endpoint.path_params} <= names
    assert doc["paths"]["/history"]["get"]["parameters"][0]["schema"]["default"] == 20


@pytest.mark.parametrize(
    "url",
    [
        "/history?limit=x",
        "/history?limit=0",
        "/history?limit=1001",
        "/history?status=bogus",
        "/history?colour=red",
        "/history/abc",
        "/history/0",
        "/stats/daily?days=-1",
        "/stats/daily?days=1.5",
        "/compare/models?days=0",
        "/analytics/failure_reasons?limit=0",
        "/analytics/weekly_success_trend?days=3",
        "/workflows?status=exploded",
        "/workflows/stats",
        "/stats?tz=Mars/Olympus_Mons",
    ],
)
def test_a_bad_parameter_is_400_with_a_json_error(server, url):
    status, body, _ = get(server + url)
    assert status == 400, body
    assert body["status"] == 400 and body["error"]


@pytest.mark.parametrize(
    "url", ["/history/987654321", "/workflows/987654321", "/analytics/nope", "/no/such/path"]
)
def test_an_unknown_id_or_path_is_404_with_a_json_error(server, url):
    status, body, _ = get(server + url)
    assert status == 404 and body["status"] == 404


def test_days_follow_the_time_zone_asked_for(server, demo_dsn):
    with Database.connect(in_zone(demo_dsn, "Asia/Seoul")) as db:
        expected = IssueHistory(db).daily_stats(14)
    status, body, headers = get(server + "/stats/daily?days=14&tz=Asia/Seoul")
    assert status == 200 and headers["x-pfr-time-zone"] == "Asia/Seoul"
    assert body == same(expected)
    _, run, _ = get(server + "/history?limit=1&tz=Asia/Seoul")
    assert run[0]["created_at"].endswith("+09:00")


def test_health(server):
    status, body, _ = get(server + "/healthz")
    assert status == 200 and body["status"] == "ok"


def test_an_unreachable_database_is_503_and_the_password_never_shows():
    secret = "s3cret-Pa55word"
    dsn = f"postgresql://pfr:{secret}@127.0.0.1:{free_port()}/nowhere?connect_timeout=1"
    with serve(dsn, connect_timeout=1.0) as url:
        for path in ("/stats", "/history/1", "/ui/", "/healthz"):
            started = time.monotonic()
            status, body, _ = get(url + path)
            assert status == 503, (path, body)
            assert time.monotonic() - started < 10
            assert secret not in str(body)


def test_the_token_is_checked_on_every_request(demo_dsn):
    with serve(demo_dsn, token=TOKEN) as url:
        for path in ("/stats", "/ui/", "/openapi.json", "/static/style.css", "/nope"):
            status, _, _ = get(url + path)
            assert status == 401, path
        assert get(url + "/stats", {"Authorization": "Bearer wrong-" + TOKEN})[0] == 401
        assert get(url + "/stats", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
        assert get(url + "/stats", {"X-PFR-Token": TOKEN})[0] == 200
        status, _, headers = get(url + f"/ui/runs?token={TOKEN}")
        assert status == 200
        cookie = headers["set-cookie"]
        assert cookie.startswith(f"pfr_token={TOKEN}") and "HttpOnly" in cookie
        assert get(url + "/ui/files", {"Cookie": f"pfr_token={TOKEN}"})[0] == 200


def test_binding_beyond_loopback_needs_a_token(demo_dsn):
    with pytest.raises(ConfigurationError, match="PFR_SERVE_TOKEN"):
        ServeSettings(dsn=demo_dsn, host="0.0.0.0").check()
    ServeSettings(dsn=demo_dsn, host="0.0.0.0", token=TOKEN).check()
    ServeSettings(dsn=demo_dsn, host="::1").check()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pydal_free_repo.cli",
            "--dsn",
            demo_dsn,
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "PFR_SERVE_TOKEN" in done.stderr


def test_the_empty_database_page_shows_the_demo_command(postgresql_proc):
    with scratch_database("pfr_i14_web_empty", demo=False) as dsn, serve(dsn) as url:
        status, page, _ = get(url + "/ui/")
        assert status == 200
        assert "pfr demo" in page
        assert get(url + "/stats")[1]["total_issues"] == 0


# Pages that show contents (prompts, node inputs, outputs and tracebacks): pfr_reader may
# not read those columns (sql/admin/roles.sql, issue 13); pfr_reader_full may.
CONTENT_PATHS = {"/compare/prompts", "/workflows/{workflow_id}"}
CONTENT_PAGES = {"/ui/workflows/{workflow_id}", "/ui/compare"}


@pytest.mark.parametrize("group", ["pfr_reader", "pfr_reader_full"])
def test_the_dashboard_reads_work_under_the_read_only_roles(demo_dsn, server, group):
    from test_security_roles import run_roles_script

    with psycopg.connect(demo_dsn) as conn:
        if not conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]:
            pytest.skip("sql/admin/roles.sql is run by a superuser; the test server's user is not")
    run_roles_script(demo_dsn)
    # One login role per case: role membership is cluster-wide, and under pytest-xdist the
    # pfr_reader_full case on another worker made a shared login role a full reader while
    # the pfr_reader case ran (so /compare/prompts answered 200 to it).
    login = f"pfr_t_web_{group.removeprefix('pfr_')}"
    with psycopg.connect(demo_dsn, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone() is None:
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
        admin.execute(
            sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login))
        )
        dbname = admin.info.dbname
    from conftest import dsn_for

    full = group == "pfr_reader_full"
    reader = dsn_for(dbname, user=login)
    try:
        with serve(reader) as url:
            _, openapi, _ = get(url + "/openapi.json")
            workflow_id = get(url + "/workflows?limit=1")[1][0]["id"]
            run_id = get(url + "/history?limit=1")[1][0]["id"]
            for path in openapi["paths"]:
                concrete = (
                    path.replace("{history_id}", str(run_id))
                    .replace("{workflow_id}", str(workflow_id))
                    .replace("{path}", "src/app/main.py")
                )
                status, body, _ = get(url + concrete)
                if path in CONTENT_PATHS and not full:
                    assert status == 403 and "permission denied" in body["error"], concrete
                    continue
                assert status == 200, (concrete, body)
                assert body == get(server + concrete)[1], concrete
            for page in (
                "/ui/",
                "/ui/runs",
                f"/ui/runs/{run_id}",
                "/ui/files",
                "/ui/workflows",
                "/ui/workflows/{workflow_id}",
                "/ui/compare",
            ):
                expected = 403 if page in CONTENT_PAGES and not full else 200
                concrete = page.replace("{workflow_id}", str(workflow_id))
                assert get(url + concrete)[0] == expected, page
    finally:
        with psycopg.connect(demo_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), sql.Identifier(login))
            )


def test_a_slow_query_is_a_503_not_a_hung_page(demo_dsn):
    # 1 ms cannot plan /stats's rollup views, let alone run them.
    with serve(demo_dsn, statement_timeout="1ms") as url:
        status, body, _ = get(url + "/stats")
        assert status == 503 and "timed out" in body["error"]
        status, page, _ = get(url + "/ui/")
        assert status == 503 and "timed out" in page
