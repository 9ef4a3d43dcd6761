"""`pfr doctor`: every section present, and the problems it exists to show are shown."""

import datetime as dt
import json

import psycopg

from pydal_free_repo.cli import main
from pydal_free_repo.jobs import doctor


def test_doctor_reports_every_section_and_finds_the_problems(db, dsn):
    with psycopg.connect(dsn) as conn:
        history_id = conn.execute(
            "INSERT INTO issue_processing_history (issue_key, status, started_at)"
            " VALUES ('DOC-1', 'processing', %s) RETURNING id",
            (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=5),),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO llm_call_history (history_id, call_type, model, prompt_tokens,"
            " created_at) VALUES (%s, 'other', 'mystery-model', 10, '2001-01-01+00')",
            (history_id,),
        )

    report = doctor.report(db)

    assert list(report) == list(doctor.SECTIONS)
    assert any(row["table_name"] == "llm_call_history_default" for row in report["table_sizes"])
    assert report["default_partition_rows"] == [
        {
            "table_name": "llm_call_history",
            "default_partition": "llm_call_history_default",
            "month": dt.date(2001, 1, 1),
            "row_count": 1,
        }
    ]
    assert [(r["model"], r["calls"]) for r in report["unpriced_llm_calls"]] == [
        ("mystery-model", 1)
    ]
    assert [(r["kind"], r["name"]) for r in report["stale_claims"]] == [("issue", "DOC-1")]
    assert all(r["unused"] for r in report["unused_indexes"])
    assert {"dead_tuples", "last_autovacuum"} <= set(report["dead_tuples"][0])
    assert isinstance(report["slow_queries"], (list, dict))
    assert report["waiting_locks"] == []


def test_cli_doctor_json_and_text(dsn, capsys):
    assert main(["--dsn", dsn, "doctor", "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert set(parsed) == set(doctor.SECTIONS)
    assert main(["--dsn", dsn, "doctor"]) == 0
    out = capsys.readouterr().out
    assert "== default partition rows ==" in out and "== stale claims ==" in out
