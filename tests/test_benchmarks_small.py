"""Every benchmark at its small size, for correctness only (never speed): rows counted,
fast dashboards identical to the raw ones, retention leaving nothing behind, claims with
no duplicate. The benchmark databases are dropped afterwards."""

from __future__ import annotations

import pytest
from conftest import dsn_for

from benchmarks import __main__ as bench
from benchmarks import claims, generate, ingest, retention, spans
from benchmarks.common import Server

pytest.importorskip("sqlalchemy", reason="the ORM baseline needs the bench extra")


@pytest.fixture
def server(postgresql_proc):
    server = Server(dsn_for(postgresql_proc.maintenance_dbname))
    names = [
        generate.database_name(bench.SMALL_SCALE),
        ingest.DBNAME,
        retention.DBNAME,
        claims.DBNAME,
        spans.DBNAME,
    ]
    yield server
    for name in names:
        server.drop(name)


def test_every_benchmark_runs_and_is_correct_at_small_size(server):
    # The recovery benchmark starts its own archiving server: tests/test_benchmarks_recovery.py.
    others = [name for name in bench.BENCHMARKS if name != "recovery"]
    results = bench.run(
        ["--small", "--no-write", "--quiet", "--dsn", server.uri, "--regenerate", "--only", *others]
    )

    rows = results.ingest.rows
    # ORM, pooled and held once; raw COPY and the writer (two connections, then one) once
    # per round.
    assert results.ingest.counted == results.ingest.expected == (3 + 3 * ingest.ROUNDS) * rows

    sizes = results.dataset.sizes
    assert results.dashboard.mismatches == []
    assert len(results.dashboard.results) == 18
    assert all(read.ours.seconds for read in results.dashboard.results)
    assert sizes.llm_calls == 10 * sizes.issues

    kept = results.retention
    assert kept.deleted == kept.rows_per_month
    assert kept.remaining_rows == 0
    assert kept.mismatches == []
    assert kept.size_after_drop < kept.size_after_vacuum

    claimed = results.claims
    assert claimed.ours_exact
    assert claimed.ours.duplicated_keys == 0
    assert sum(claimed.ours.acquired.values()) == claimed.distinct + claimed.colliding

    sp = results.spans
    assert sp.stored == sp.expected
    assert sp.exporter.per_second > 0 and sp.copy.per_second > 0
    assert results.web.status == 200 and len(results.web.overview.seconds) == 5

    text = bench.report.markdown(results)
    assert "## 4. Claims under contention" in text
    (ours,) = results.maintenance.sides
    assert ours.in_their_month == ours.stranded and ours.lost == 0 and ours.left_in_default == 0
    assert [p.status for p in ours.phases] == ["succeeded", "warning"]  # the idle transaction
    assert results.migrations.applied > 0
    assert results.jit.skipped or len(results.jit.reads) == 6
