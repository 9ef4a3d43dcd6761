"""Where tests that stop or reconfigure a server run their own embedded server.

Each engineer (and CI) runs the suite with its own ``PFR_TEST_DATA_DIR``; a test's own
server lives beside it (``<that>-<name>``), so two suites running at once on one machine
never stop each other's servers. ``PFR_<NAME>_DIR`` overrides one of them. Under
pytest-xdist each worker gets its own (``<that>-<name>-gw0``): a test on one worker may
stop its server while a test of the same module runs on another.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_suffix() -> str:
    """``-gw0``, ``-gw1``... under pytest-xdist (each worker its own servers and
    databases), empty in a plain run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"-{worker}" if worker else ""


def own_server_dir(name: str) -> str:
    override = os.environ.get(f"PFR_{name.upper()}_DIR")
    if override:
        return override + worker_suffix()
    base = os.environ.get("PFR_TEST_DATA_DIR") or str(ROOT / ".pfr" / "test-pgdata")
    return f"{base.rstrip('/')}-{name}{worker_suffix()}"
