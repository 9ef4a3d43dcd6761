"""The attacks of issue 13, each tried on the embedded PostgreSQL 18 and on PostgreSQL 14.

On 14, PUBLIC may still create in schema public and every role may create TEMP tables by
default, which is where most of these attacks worked. Each test runs the attack through
the role that would mount it and checks both that it is refused and that the figures a
user relies on (stored cost, llm_cost(), roles) stay right.

PostgreSQL 14 comes from ``PFR_PG14_DIR`` (default /opt/pfr-pg14, installed by
`.ci/setup`); without it the 14 variants skip, saying so.
"""

from __future__ import annotations

import itertools
import subprocess
from dataclasses import dataclass
from decimal import Decimal

import psycopg
import pytest
from _clusters import missing_reason, pg14_bin, private_server
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pydal_free_repo import Database, IssueHistory, embedded
from pydal_free_repo.queries import sql_root
from pydal_free_repo.schema import migrate

ROLES_SQL = sql_root() / "admin" / "roles.sql"
PASSWORD = "pw-attacks-13"
LOGINS = {
    "pfr_a_writer": "pfr_writer",
    "pfr_a_reader": "pfr_reader",
    "pfr_a_full": "pfr_reader_full",
    "pfr_a_maint": "pfr_maintainer",
    "pfr_a_plain": None,
}
_database_names = itertools.count(1)


@dataclass(frozen=True)
class Target:
    version: int
    dsn: str

    def login(self, name: str) -> str:
        params = conninfo_to_dict(self.dsn)
        params.update(user=name, password=PASSWORD)
        return make_conninfo(**params)


def with_dbname(dsn: str, dbname: str) -> str:
    params = conninfo_to_dict(dsn)
    params["dbname"] = dbname
    return make_conninfo(**params)


def run_roles_script(dsn: str) -> None:
    done = subprocess.run(
        [str(embedded.bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        + ["-f", str(ROLES_SQL), dsn],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def pg14():
    reason = missing_reason(pg14_bin())
    if reason:
        pytest.skip(f"PostgreSQL 14 not available: {reason}")
    with private_server(pg14_bin(), "i13-14-") as admin:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE pfr_tpl")
        migrate(with_dbname(admin, "pfr_tpl"))
        yield admin


@pytest.fixture(params=[18, 14], ids=["pg18", "pg14"])
def target(request):
    """A fresh migrated database, roles.sql applied, one login per group role."""
    if request.param == 18:
        dsn = request.getfixturevalue("dsn")
        name = None
    else:
        admin = request.getfixturevalue("pg14")
        name = f"pfr_attack_{next(_database_names)}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE pfr_tpl").format(sql.Identifier(name))
            )
        dsn = with_dbname(admin, name)
    with psycopg.connect(dsn) as conn:
        if not conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]:
            pytest.skip("sql/admin/roles.sql is run by a superuser; the test server's user is not")
    run_roles_script(dsn)
    with psycopg.connect(dsn, autocommit=True) as admin_conn:
        for login, group in LOGINS.items():
            exists = admin_conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,))
            if exists.fetchone() is None:
                admin_conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
            admin_conn.execute(
                sql.SQL("ALTER ROLE {} NOSUPERUSER PASSWORD {}").format(
                    sql.Identifier(login), sql.Literal(PASSWORD)
                )
            )
            if group:
                admin_conn.execute(
                    sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login))
                )
        admin_conn.execute("ALTER ROLE pfr_a_maint SET role = 'pfr_maintainer'")
    yield Target(request.param, dsn)
    if name is not None:
        with psycopg.connect(request.getfixturevalue("pg14"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def refused(dsn: str, statement: str) -> None:
    with psycopg.connect(dsn) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


def llm_cost_total(dsn: str) -> Decimal:
    with Database.connect(dsn, min_size=1, max_size=1) as db:
        rows = IssueHistory(db).llm_cost(7)
        return sum((row["total_cost"] or Decimal(0) for row in rows), Decimal(0))


def test_a_plain_login_cannot_plant_a_closer_pricing_function(target):
    """14: `public.pfr_llm_cost(model_pricing, int, int, int)` outranked ours (bigint) for
    every superuser's insert and stored $0.000001 instead of $20."""
    refused(
        target.login("pfr_a_plain"),
        "CREATE FUNCTION public.pfr_llm_cost(p public.model_pricing, a INTEGER, b INTEGER,"
        " c INTEGER) RETURNS NUMERIC LANGUAGE sql AS 'SELECT 0.000001'",
    )
    with Database.connect(target.dsn, min_size=1, max_size=1) as db:
        repo = IssueHistory(db)
        run = repo.claim({"key": "ATK-1"}).history_id
        repo.record_llm_call(
            run,
            call_type="other",
            model="gpt-4o",
            prompt_tokens=1_000_000,
            completion_tokens=1_000_000,
        )
        assert repo.detail(run).total_llm_cost == Decimal("20")


def test_a_planted_format_does_not_make_the_maintainer_a_superuser(target):
    """The maintainer may create in public; roles.sql, re-run by a superuser as the README
    says, once called its `format(text, text)` instead of the built-in."""
    with psycopg.connect(target.login("pfr_a_maint"), autocommit=True) as conn:
        conn.execute(
            """
            CREATE FUNCTION public.format(f TEXT, a TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
                    EXECUTE 'ALTER ROLE pfr_a_maint SUPERUSER';
                END IF;
                RETURN pg_catalog.format(f, a);
            END;
            $$
            """
        )
        conn.execute(
            "CREATE FUNCTION public.quote_ident(t TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$"
            " BEGIN EXECUTE 'ALTER ROLE pfr_a_maint SUPERUSER'; RETURN pg_catalog.quote_ident(t);"
            " END; $$"
        )
    try:
        run_roles_script(target.dsn)
        with psycopg.connect(target.dsn) as conn:
            superuser = conn.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = 'pfr_a_maint'"
            ).fetchone()[0]
        assert superuser is False
    finally:
        with psycopg.connect(target.dsn, autocommit=True) as conn:
            conn.execute("ALTER ROLE pfr_a_maint NOSUPERUSER")


def test_a_temp_table_cannot_swallow_rollup_markers(target):
    """A TEMP table named like a marker table took the markers of the session's calls, so
    llm_cost(7) hid them for good. App roles have no TEMP; and where a session can create
    one (a superuser), the pinned search_path still writes the real marker table."""
    refused(
        target.login("pfr_a_writer"),
        "CREATE TEMP TABLE rollup_dirty_llm_call_hours (hour TIMESTAMPTZ)",
    )
    with Database.connect(target.dsn, min_size=1, max_size=1) as db, db.connection() as conn:
        conn.execute("SELECT pfr_rollup_refresh()")
        conn.commit()
        conn.execute("CREATE TEMP TABLE rollup_dirty_llm_call_hours (hour TIMESTAMPTZ)")
        repo = IssueHistory(db)
        run = repo.claim({"key": "ATK-2"}, conn=conn).history_id
        for _ in range(50):
            repo.record_llm_call(
                run,
                call_type="other",
                model="gpt-4o",
                prompt_tokens=1_000_000,
                completion_tokens=1_000_000,
                conn=conn,
            )
        conn.commit()
        swallowed = conn.execute("SELECT count(*) FROM pg_temp.rollup_dirty_llm_call_hours")
        assert swallowed.fetchone()[0] == 0
    assert llm_cost_total(target.dsn) == Decimal("1000")


def test_the_writer_cannot_rewrite_move_or_mark(target):
    """The writer rewrote provided_cost, moved rows to the default partition by changing
    created_at (where retention deleted them), and inserted 350k markers that slowed stats()."""
    writer = target.login("pfr_a_writer")
    with Database.connect(writer, min_size=1, max_size=1) as db:
        repo = IssueHistory(db)
        run = repo.claim({"key": "ATK-3"}).history_id
        repo.record_llm_call(run, call_type="other", model="gpt-4o", prompt_tokens=1_000_000)
        repo.complete(run, pr_url="https://x/pr/3")  # the lifecycle columns stay writable
    for statement in (
        "UPDATE llm_call_history SET provided_cost = 0",
        "UPDATE llm_call_history SET created_at = '2001-01-01'",
        "UPDATE issue_processing_history SET created_at = '2001-01-01'",
        "UPDATE bitbucket_api_history SET status_code = 200",
        "UPDATE generations SET provided_cost = 0",
        "UPDATE file_modification_history SET file_path = 'x'",
        "UPDATE nodes SET created_at = '2001-01-01'",
        "UPDATE workflows SET user_id = 1",
        "INSERT INTO rollup_dirty_llm_call_hours SELECT generate_series(1, 350000) * INTERVAL '0'"
        " + now()",
        "INSERT INTO rollup_dirty_issue_hours VALUES (now())",
        "INSERT INTO rollup_dirty_files VALUES ('x')",
        "INSERT INTO rollup_dirty_node_durations VALUES ('n', 'completed', 1, 1000000)",
        "SELECT pfr_rollup_refresh()",
    ):
        refused(writer, statement)
    # Its own writes are still marked (the triggers write the markers as their owner).
    assert llm_cost_total(target.dsn) == Decimal("5")


def test_the_reader_sees_no_contents_and_the_full_reader_does(target):
    with Database.connect(target.dsn, min_size=1, max_size=1) as db:
        repo = IssueHistory(db)
        run = repo.claim({"key": "ATK-4", "fields": {"summary": "secret issue"}}).history_id
        repo.record_file_modification(
            run, file_path="a.py", action="modified", original_content="old", modified_content="new"
        )
        repo.complete(run)
    reader, full = target.login("pfr_a_reader"), target.login("pfr_a_full")
    contents = (
        "SELECT email FROM users",
        "SELECT issue_data FROM issue_processing_history",
        "SELECT original_content, modified_content, diff_text FROM file_modification_history",
        "SELECT state_data, input_data, output_data, error_traceback FROM nodes",
        "SELECT system_prompt, user_prompt, output FROM generations",
        "SELECT * FROM generations",
    )
    for statement in contents:
        refused(reader, statement)
    with psycopg.connect(full) as conn:
        for statement in contents:
            conn.execute(statement).fetchall()
        assert conn.execute(
            "SELECT modified_content FROM file_modification_history"
        ).fetchone() == ("new",)
    with Database.connect(reader, min_size=1, max_size=1) as db:
        repo = IssueHistory(db)
        assert repo.detail(run).files[0].path == "a.py"
        assert repo.history()[0].issue_key == "ATK-4"
        assert repo.stats()["total_issues"] == 1
    refused(reader, "INSERT INTO issue_processing_history (issue_key) VALUES ('x')")


def test_every_function_of_the_schema_pins_its_search_path(target):
    with psycopg.connect(target.dsn) as conn:
        unpinned = conn.execute(
            """
            SELECT p.oid::regprocedure::TEXT
            FROM pg_proc AS p
            JOIN pg_namespace AS n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public'
              AND NOT EXISTS (
                  SELECT 1
                  FROM unnest(p.proconfig) AS setting
                  WHERE setting LIKE 'search\\_path=%' AND setting LIKE '%pg\\_temp'
              )
            """
        ).fetchall()
    assert unpinned == []
