"""All migrations apply, roll back to an empty schema, and apply again."""

import psycopg

from pydal_free_repo import schema as migrations
from pydal_free_repo.cli import main

OUR_OBJECTS = """
    SELECT 'relation ' || c.relname
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND c.relname NOT LIKE '_yoyo%%'
      AND c.relname NOT LIKE 'yoyo%%'
    UNION ALL
    SELECT 'function ' || p.proname
    FROM pg_proc AS p
    JOIN pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
"""


def objects(dsn):
    with psycopg.connect(dsn) as conn:
        return sorted(row[0] for row in conn.execute(OUR_OBJECTS))


def test_apply_rollback_all_and_apply_again(empty_dsn):
    every = [state.id for state in migrations.status(empty_dsn)]
    assert every, "no migrations found"

    assert migrations.migrate(empty_dsn) == every
    built = objects(empty_dsn)
    assert any(name == "relation issue_processing_history" for name in built)

    assert migrations.rollback(empty_dsn, len(every)) == list(reversed(every))
    assert objects(empty_dsn) == []
    assert all(not state.applied for state in migrations.status(empty_dsn))

    assert migrations.migrate(empty_dsn) == every
    assert objects(empty_dsn) == built
    assert migrations.migrate(empty_dsn) == []


def test_cli_migrate_list_and_rollback(empty_dsn, capsys):
    assert main(["--dsn", empty_dsn, "migrate"]) == 0
    assert main(["--dsn", empty_dsn, "migrate", "--list", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"state": "applied"' in out and '"pending"' not in out

    assert main(["--dsn", empty_dsn, "migrate", "--rollback", "1"]) == 0
    assert "rolled back" in capsys.readouterr().out
    assert main(["--dsn", empty_dsn, "migrate", "--list"]) == 0
    assert "pending" in capsys.readouterr().out


def test_cli_reports_unreachable_database_in_one_line_without_password(capsys):
    dsn = "postgresql://app:hunter2@127.0.0.1:1/nowhere?connect_timeout=2"
    assert main(["--dsn", dsn, "migrate"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("pfr: error:") and err.count("\n") == 1
    assert "hunter2" not in err
