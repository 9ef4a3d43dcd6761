"""Every named query under sql/ renders, and the server accepts it against the real schema.

Statements that EXPLAIN can plan are planned with every parameter bound to NULL: that
parses them, resolves every table, column, function and type, and executes nothing.
The rest (COPY, VACUUM, DDL) are checked for rendering only; their own tests run them.
"""

import re

import pytest
from psycopg import sql

from pydal_free_repo import queries

PARAMETER = re.compile(r"%\((\w+)\)s")
PLANNABLE = re.compile(r"^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|VALUES)\b", re.IGNORECASE)
IDENTIFIER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")

# Templates whose structure needs arguments, with one example each.
STRUCTURE: dict[str, dict[str, object]] = {}
# Templates that take identifiers, with a real table each.
IDENTIFIERS: dict[str, dict[str, str]] = {
    "maintenance/retention_delete_default_rows": {
        "schema": "public",
        "table": "llm_call_history_default",
    },
}
# Templates that read an optional extension's view: planned only where it is installed.
EXTENSIONS: dict[str, str] = {"monitoring/slow_queries": "pg_stat_statements"}


def body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def statement_text(name: str) -> str:
    return queries.load(name, **STRUCTURE.get(name, {})).text


def test_there_are_templates():
    assert len(queries.names()) > 10


@pytest.mark.parametrize("name", queries.names())
def test_template_renders_with_a_tag_and_one_statement(name):
    text = statement_text(name)
    assert text.startswith(f"/* {name} */\n")
    code = re.sub(r"'[^']*'", "''", body(text))
    assert ";" not in re.sub(r"\$\$.*?\$\$", "", code, flags=re.S), "one statement per file"
    raw = (queries.sql_root() / f"{name}.sql").read_text()
    assert raw.lstrip().startswith("--"), "a first-line comment says what the query is for"


def test_every_template_is_planned_by_the_server(postgresql):
    failures = []
    for name in queries.names():
        text = statement_text(name)
        if not PLANNABLE.match(body(text.split("\n", 1)[1])):
            continue
        if (
            name in EXTENSIONS
            and not postgresql.execute(
                "SELECT 1 FROM pg_extension WHERE extname = %s", (EXTENSIONS[name],)
            ).fetchone()
        ):
            continue
        if name.startswith("spans/"):
            # The span writer's queries read its session temp table (spans/stage_create).
            postgresql.execute(queries.load("spans/stage_create").composed())
        query = queries.load(name, **STRUCTURE.get(name, {}))
        composed = query.composed(IDENTIFIERS.get(name))
        params = {key: None for key in PARAMETER.findall(text)}
        try:
            with postgresql.cursor() as cur:
                cur.execute(sql.SQL("EXPLAIN ") + composed, params)
        except Exception as exc:  # collect all, report together
            failures.append(f"{name}: {type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            postgresql.rollback()
    assert failures == []
