"""No value ever reaches the SQL text: values travel as bound parameters only.

Three checks. Every named template is static text whose only value positions are
``%(name)s`` placeholders (no Jinja ``{{ }}`` output, no other ``%``). No Python source
builds SQL with f-strings, ``%`` or ``str.format``. And, on a dedicated server that logs
every statement (``log_statement = 'all'``), every public write is called with a
sentinel (and an injection attempt) in each text and JSON value: the server's log shows
the sentinel in the bound parameters and never in a statement's text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import psycopg
import pytest
from _servers import own_server_dir, worker_suffix
from psycopg import sql

from pydal_free_repo import (
    BufferedWriter,
    Database,
    IssueHistory,
    WorkflowLogger,
    embedded,
    migrate,
    queries,
)

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = own_server_dir("sqllog")
TOKEN = "Zx7Qsentinel"
SENTINEL = TOKEN + "'); DROP TABLE users; -- $$ %s %(x)s {x}"

PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


@pytest.mark.parametrize("name", queries.names())
def test_every_value_position_of_a_template_is_a_bound_parameter(name):
    raw = (queries.sql_root() / f"{name}.sql").read_text()
    assert "{{" not in raw, "Jinja may choose clauses ({% if %}), never print a value"
    stray = [m for m in re.findall(r"%.{0,12}", PLACEHOLDER.sub("", raw)) if m]
    assert stray == [], f"a % that is not a %(name)s parameter: {stray}"


SQL_CALLS = {"execute", "executemany", "fetch_one", "fetch_all", "copy", "SQL", "Composed"}


def _builds_text(node: ast.AST) -> bool:
    """An f-string, ``"..." % x``, ``"...".format(...)`` or a concatenation with one."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.JoinedStr):
            return True
        if (
            isinstance(sub, ast.BinOp)
            and isinstance(sub.op, ast.Mod)
            and isinstance(sub.left, ast.Constant)
            and isinstance(sub.left.value, str)
        ):
            return True
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "format"
            and isinstance(sub.func.value, ast.Constant)
            and isinstance(sub.func.value.value, str)
        ):
            return True
    return False


def test_no_python_source_builds_sql_text_from_values():
    offenders = []
    for folder in ("pydal_free_repo", "jobs", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in SQL_CALLS and _builds_text(node.args[0]):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# -- what the server actually receives ---------------------------------------------------


@pytest.fixture
def logged_database():
    """A database on a dedicated server that logs every statement and its parameters."""
    name = "pfr_sqllog" + worker_suffix().replace("-", "_")
    admin = embedded.start(LOG_DIR, database="postgres").uri
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    uri = embedded.start(LOG_DIR, database=name).uri
    migrate(uri)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET log_statement = 'all'").format(sql.Identifier(name))
        )
    log = Path(LOG_DIR) / "log"
    try:
        yield uri, log, log.stat().st_size
    finally:
        embedded.stop(LOG_DIR)


ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] ", re.M)


def log_entries(log: Path, offset: int) -> list[str]:
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        text = handle.read()
    starts = [m.start() for m in ENTRY.finditer(text)] + [len(text)]
    return [text[a:b] for a, b in zip(starts, starts[1:], strict=False)]


def test_sentinels_reach_the_server_only_as_bound_parameters(logged_database):
    uri, log, offset = logged_database
    s = SENTINEL
    with Database.connect(uri) as db:
        repo = IssueHistory(db)
        issue = {"key": "INJ-1", "fields": {"summary": s}, s: [s, {"k": s}]}
        run = repo.claim(issue).history_id
        repo.enqueue({"key": "INJ-2", "fields": {"summary": s}})
        repo.record_llm_call(run, call_type="other", model=s[:90], cache_key=s, error_message=s)
        repo.record_api_call(run, api_method="GET", endpoint=s, error_message=s)
        repo.record_file_modification(
            run,
            file_path=s,
            action="modified",
            diff_text=s,
            original_encoding="utf-8",
            original_content=s,
            modified_content=s,
        )
        with repo.llm_call(run, "other", "m") as call:
            call.usage(prompt_tokens=1)
        repo.history(issue_key=s)
        repo.file_history(s)
        repo.complete(run, pr_url=s, branch_name=s[:200], result={s: s})
        other = repo.claim({"key": "INJ-3"}).history_id
        repo.fail(other, s, {"why": s})

        logger = WorkflowLogger(db)
        user = logger.get_or_create_user(s[:90], s[:200])
        logger.start_workflow(user.id, {"user_input": s, "user_intent": {s: s}})
        node = logger.start_node(s[:90], "analysis", {"q": s})
        logger.log_generation(
            s[:90], s, s, model_provider=s[:40], system_prompt=s, parsed_output=[s]
        )
        logger.log_node_complete(node.id, {"state": s}, {"out": s})
        with pytest.raises(ValueError), logger.node_context("boom"):
            raise ValueError(s)
        logger.fail_workflow(s)
        with BufferedWriter(db, flush_interval=0.01) as writer:
            writer.api_call(run, "GET", s, error_message=s)
            writer.llm_call(run, "other", "m", cache_key=s[:200], error_message=s)
            writer.generation(logger.workflow_id, "m", user_prompt=s, parsed_output={s: s})

        with db.connection() as conn:
            assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
            stored = conn.execute(
                "SELECT count(*) FROM bitbucket_api_history WHERE endpoint = %s", (s,)
            ).fetchone()[0]
            assert stored == 2

    entries = log_entries(log, offset)
    statements = [e for e in entries if re.search(r"LOG:  (statement|execute [^:]*):", e)]
    parameters = [e for e in entries if "DETAIL:  Parameters:" in e]
    assert len(statements) > 40, "the server should have logged every statement"
    assert [e for e in statements if TOKEN in e] == []
    assert len([e for e in parameters if TOKEN in e]) >= 15
