"""Least privilege: sql/admin/roles.sql run by a DBA, then the repository and the loggers
run as a member of pfr_writer, the CLI reads as a member of pfr_reader, and the jobs run
as a member of pfr_maintainer. Each works inside its grant and is refused outside it.

Roles are cluster-wide: the group roles and the three test logins are created once per
server and kept (the script is idempotent); grants and ownership live in each test's
own database.
"""

from __future__ import annotations

import json
import secrets
import subprocess

import psycopg
import pytest
from conftest import SERVER, dsn_for
from psycopg import sql

from pydal_free_repo import BufferedWriter, Database, IssueHistory, WorkflowLogger, embedded
from pydal_free_repo.cli import main
from pydal_free_repo.config import Backup, JobsConfig
from pydal_free_repo.errors import PermissionDenied, PfrError
from pydal_free_repo.jobs.runner import run_job
from pydal_free_repo.queries import sql_root

ROLES_SQL = sql_root() / "admin" / "roles.sql"
# Roles are cluster-wide: under pytest-xdist these tests share one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("cluster_roles")

LOGINS = {
    "pfr_t_writer": "pfr_writer",
    "pfr_t_span_writer": "pfr_span_writer",
    "pfr_t_reader": "pfr_reader",
    "pfr_t_maintainer": "pfr_maintainer",
}
PASSWORD = "pw-" + secrets.token_hex(8)
JOBS = ["partitions", "vacuum", "retention", "backup", "reaper", "rollups"]


def run_roles_script(dsn: str) -> None:
    done = subprocess.run(
        [
            str(embedded.bin_dir() / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(ROLES_SQL),
            dsn,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def roles(dsn, postgresql):
    """The script applied (twice: it is idempotent) and one login per group role."""
    with psycopg.connect(dsn) as conn:
        superuser = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]
    if not superuser:
        pytest.skip("sql/admin/roles.sql is run by a superuser; the test server's user is not")
    run_roles_script(dsn)
    run_roles_script(dsn)
    with psycopg.connect(dsn, autocommit=True) as admin:
        for login, group in LOGINS.items():
            exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,))
            if exists.fetchone() is None:
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
            admin.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(login), sql.Literal(PASSWORD)
                )
            )
            admin.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login))
            )
        admin.execute("ALTER ROLE pfr_t_maintainer SET role = 'pfr_maintainer'")
    dbname = postgresql.info.dbname
    return {
        group: dsn_for(dbname, user=login, password=PASSWORD if SERVER["password"] else "")
        for login, group in LOGINS.items()
    }


def test_the_script_makes_three_group_roles_and_the_maintainer_owns_the_schema(roles, dsn):
    with psycopg.connect(dsn) as conn:
        groups = conn.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles"
            " WHERE rolname IN ('pfr_writer', 'pfr_reader', 'pfr_maintainer') ORDER BY 1"
        ).fetchall()
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class AS c"
            " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')"
        ).fetchall()
    assert groups == [
        ("pfr_maintainer", False, False, False, False),
        ("pfr_reader", False, False, False, False),
        ("pfr_writer", False, False, False, False),
    ]
    assert owners == [("pfr_maintainer",)]


def test_the_repository_and_the_loggers_run_as_the_writer(roles):
    with Database.connect(roles["pfr_writer"]) as db:
        repo = IssueHistory(db)
        run = repo.claim({"key": "ROLE-1", "fields": {"summary": "as writer"}}).history_id
        repo.record_llm_call(run, call_type="other", model="gpt-4o", prompt_tokens=10)
        repo.record_api_call(run, api_method="GET", endpoint="/x", status_code=200)
        repo.record_file_modification(run, file_path="a.py", action="modified")
        assert repo.complete(run, pr_url="https://x/pr/1").status == "completed"
        assert repo.detail(run).llm_calls[0].model == "gpt-4o"
        logger = WorkflowLogger(db)
        user = logger.get_or_create_user("writer-role")
        logger.start_workflow(user.id, {"user_input": "hi"})
        with logger.node_context("plan", "analysis"):
            logger.log_generation("gpt-4o", "p", "o", prompt_tokens=5, completion_tokens=1)
        logger.complete_workflow({"final_itinerary": []})
        with BufferedWriter(db, flush_interval=0.01) as writer:
            writer.api_call(run, "POST", "/copy", status_code=201)
            writer.generation(logger.workflow_id, "gpt-4o", prompt_tokens=1)
        assert writer.stats.written == 2 and writer.stats.rejected == 0

        # Outside its grant: no delete, no truncate, no DDL, no job records, no jobs.
        with db.connection() as conn:
            for statement in (
                "DELETE FROM issue_processing_history",
                "TRUNCATE llm_call_history",
                "SELECT count(*) FROM job_runs",
                "CREATE TABLE intruder (id INT)",
                "DROP TABLE generations_default",
                "UPDATE model_pricing SET model = model",
            ):
                with pytest.raises(PermissionDenied), db.translated(), conn.transaction():
                    conn.execute(statement)
        for job in JOBS:
            result = run_job(db, job, JobsConfig())
            assert result.status == "failed" and "permission denied" in result.error, job


def cli_json(capsys, dsn, *args):
    code = main(["--dsn", dsn, *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_the_cli_reads_as_the_reader_and_cannot_write(roles, dsn, capsys):
    with Database.connect(dsn) as db:
        repo = IssueHistory(db)
        run = repo.claim({"key": "ROLE-R"}).history_id
        repo.record_llm_call(run, call_type="other", model="gpt-4o", prompt_tokens=10)
        repo.complete(run)
        logger = WorkflowLogger(db)
        logger.start_workflow(logger.get_or_create_user("r").id, {})
        logger.complete_workflow()
    reader = roles["pfr_reader"]
    assert [r["issue_key"] for r in cli_json(capsys, reader, "history")] == ["ROLE-R"]
    assert cli_json(capsys, reader, "show", str(run))["issue_key"] == "ROLE-R"
    assert cli_json(capsys, reader, "stats")["total_issues"] == 1
    assert isinstance(cli_json(capsys, reader, "analytics", "llm_cost_by_model"), list)
    assert len(cli_json(capsys, reader, "workflows")) == 1
    assert isinstance(cli_json(capsys, reader, "job", "list"), (list, dict))

    # Writing is refused, with a clear one-line error and exit status 1.
    assert main(["--dsn", reader, "demo", "--issues", "1"]) == 1
    assert "permission denied" in capsys.readouterr().err
    with Database.connect(reader) as db:
        with pytest.raises(PermissionDenied):
            IssueHistory(db).claim({"key": "ROLE-R2"})
        with pytest.raises(PermissionDenied):
            WorkflowLogger(db).get_or_create_user("nope")
        for job in JOBS:
            assert run_job(db, job, JobsConfig()).status == "failed", job


def test_the_jobs_run_as_the_maintainer(roles, dsn, tmp_path):
    with Database.connect(dsn) as db:
        repo = IssueHistory(db)
        run = repo.claim({"key": "ROLE-M"}).history_id
        repo.record_api_call(run, api_method="GET", endpoint="/m")
    config = JobsConfig(backup=Backup(dir=str(tmp_path / "backups")))
    with Database.connect(roles["pfr_maintainer"]) as db:
        results = {job: run_job(db, job, config) for job in JOBS}
        assert {job: r.status for job, r in results.items()} == dict.fromkeys(JOBS, "succeeded"), {
            job: r.error for job, r in results.items()
        }
        assert results["vacuum"].details["vacuumed"] and not results["vacuum"].details["skipped"]
        with db.connection() as conn:
            vacuumed = conn.execute(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables"
                " WHERE relname = 'issue_processing_history'"
            ).fetchone()[0]
            created = conn.execute(
                "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class AS c"
                " JOIN pg_inherits AS i ON i.inhrelid = c.oid"
            ).fetchall()
        assert vacuumed
        assert created == [("pfr_maintainer",)]  # new partitions belong to the group

        # Not a superuser: no roles, no server files, no other database.
        with db.connection() as conn:
            for statement in (
                "CREATE ROLE intruder",
                "COPY job_runs TO PROGRAM 'true'",
                "SELECT pg_read_file('postgresql.conf')",
            ):
                with pytest.raises(PfrError) as refused, db.translated(), conn.transaction():
                    conn.execute(statement)
                assert "permission denied" in str(refused.value) or "must be superuser" in str(
                    refused.value
                )
