"""Every named query under sql/ renders, and the server accepts it against the real schema.

Statements that EXPLAIN can plan are planned with every parameter bound to NULL: that
parses them, resolves every table, column, function and type, and executes nothing.
The rest (COPY, VACUUM, DDL) are checked for rendering only; their own tests run them.
"""

import re

import pytest
from psycopg import sql

from pydal_free_repo import queries
from pydal_free_repo.errors import ConfigurationError

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
    raw = queries.path(name).read_text()
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


# One naming scheme: entity first, then the action or aspect (`run_claim`, `node_create`).
ENTITIES = {
    "issues": ("run_", "llm_call_", "api_call_", "file_", "stats_", "demo_", "session_"),
    "workflows": ("workflow_", "node_", "generation_", "user_", "stats_", "demo_"),
}


@pytest.mark.parametrize("folder", sorted(ENTITIES))
def test_query_names_are_entity_first(folder):
    names = [n.split("/", 1)[1] for n in queries.names() if n.startswith(f"{folder}/")]
    assert names
    assert [n for n in names if not n.startswith(ENTITIES[folder])] == []


def test_a_plain_file_is_sent_verbatim_even_with_jinja_delimiters(tmp_path):
    text = (
        "-- {# not a Jinja comment #} and {{ not an expression }}\n"
        "SELECT '{#', '{%', 'x}}' AS braces, %(value)s::jsonb #> '{a,b}' AS path\n"
    )
    (tmp_path / "area").mkdir()
    (tmp_path / "area" / "plain.sql").write_text(text)
    folder = queries.QueryFolder(tmp_path)
    assert folder.names() == ["area/plain"]
    assert folder.render("area/plain", ()).text == "/* area/plain */\n" + text.strip()


def test_a_plain_file_refuses_structure_arguments(tmp_path):
    (tmp_path / "plain.sql").write_text("-- q\nSELECT 1")
    with pytest.raises(ConfigurationError, match="plain SQL and takes no structure"):
        queries.QueryFolder(tmp_path).render("plain", (("limit", True),))


def test_only_a_declared_template_is_rendered(tmp_path):
    (tmp_path / "listing.sql.j2").write_text(
        "-- q\nSELECT id FROM t\n{% if by_status %}WHERE status = %(status)s\n{% endif %}"
    )
    folder = queries.QueryFolder(tmp_path)
    assert folder.names() == ["listing"]
    assert "WHERE status" in folder.render("listing", (("by_status", True),)).text
    assert "WHERE" not in folder.render("listing", (("by_status", False),)).text
    with pytest.raises(ConfigurationError, match="by_status"):
        folder.render("listing", ())


def test_an_unknown_query_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="no SQL file named"):
        queries.load("issues/no_such_query")
