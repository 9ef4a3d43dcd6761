"""`pfr run` (what `make run` starts): migrations, the maintenance scheduler and the
dashboard in one process that prints its URL and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
from _web import free_port, get, scratch_database


def test_pfr_run_serves_the_dashboard_runs_the_jobs_and_stops_on_sigterm(postgresql_proc):
    with scratch_database("pfr_i14_web_run", demo=False) as dsn:
        port = free_port()
        env = {**os.environ, "PFR_SCHEDULES_ROLLUPS": "*/1 * * * * *"}
        process = subprocess.Popen(
            [sys.executable, "-m", "pydal_free_repo.cli", "--dsn", dsn, "run", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            lines = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                lines.append(line)
                if "pfr dashboard:" in line:
                    break
            assert f"http://127.0.0.1:{port}/" in lines[-1], lines
            assert any("jobs scheduled" in line for line in lines), lines
            status, page, _ = get(f"http://127.0.0.1:{port}/")
            assert status == 200 and "pfr demo" in page  # empty database: the command shown
            # The scheduler runs in the same process: the rollups job (every second here)
            # records its runs in job_runs.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with psycopg.connect(dsn) as conn:
                    runs = conn.execute(
                        "SELECT count(*) FROM job_runs WHERE job_name = 'rollups'"
                    ).fetchone()[0]
                if runs:
                    break
                time.sleep(0.5)
            assert runs >= 1
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
