"""The recovery benchmark at its small size, for correctness only (never speed): every
figure measured, the point-in-time recovery exact, and the report section written."""

from __future__ import annotations

import pytest
from _servers import own_server_dir
from conftest import dsn_for

from benchmarks import __main__ as bench

pytest.importorskip("sqlalchemy", reason="the benchmarks package needs the bench extra")
pytestmark = pytest.mark.slow


def test_the_recovery_benchmark_runs_and_recovers_exactly(monkeypatch, postgresql_proc):
    monkeypatch.setenv("PFR_BENCH_RECOVERY_DIR", own_server_dir("bench-recovery"))
    # --dsn only names the server the report's version comes from; the data lives on the
    # benchmark's own archiving server.
    shared = dsn_for(postgresql_proc.maintenance_dbname)
    results = bench.run(["--small", "--no-write", "--quiet", "--only", "recovery", "--dsn", shared])

    r = results.recovery
    assert r.recovered_exact
    assert r.llm_calls > 0 and r.lag_samples > 0
    assert min(r.dump_fc_seconds, r.dump_fd_j2_seconds, r.full_backup_seconds) > 0
    assert r.incremental_bytes < r.full_backup_bytes
    assert "## 6. Backups, point-in-time recovery and replica lag" in bench.report.markdown(results)
