"""Where tests that stop or reconfigure a server run their own embedded server.

Each engineer (and CI) runs the suite with its own ``PFR_TEST_DATA_DIR``; a test's own
server lives beside it (``<that>-<name>``), so two suites running at once on one machine
never stop each other's servers. ``PFR_<NAME>_DIR`` overrides one of them.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def own_server_dir(name: str) -> str:
    override = os.environ.get(f"PFR_{name.upper()}_DIR")
    if override:
        return override
    base = os.environ.get("PFR_TEST_DATA_DIR") or str(ROOT / ".pfr" / "test-pgdata")
    return f"{base.rstrip('/')}-{name}"
