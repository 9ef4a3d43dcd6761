"""A real 3-node Citus cluster for the tests (and the scaling benchmark): a coordinator and
two workers started by ``../shared/citus/cluster.sh``, the package migrated on the
coordinator and distributed by ``sql/admin/citus.sql``.

Skips, saying why, only where the cluster cannot be had: no ``../shared/citus`` next to the
repository, not root (cluster.sh runs the servers as the ``postgres`` user through ``su``),
or no apt-get to install Debian's postgresql-15 that Citus is built for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydal_free_repo import migrate

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_SH = ROOT.parent / "shared" / "citus" / "cluster.sh"
CITUS_SQL = ROOT / "sql" / "admin" / "citus.sql"
PSQL = Path("/usr/lib/postgresql/15/bin/psql")


def unavailable() -> str | None:
    """Why there can be no cluster here, or None."""
    if not CLUSTER_SH.exists():
        return f"{CLUSTER_SH} not found: Citus is carried in ../shared/citus beside the repository"
    if os.geteuid() != 0:
        return "cluster.sh starts the Citus servers as the postgres user through su: needs root"
    if not Path("/usr/lib/postgresql/15/bin/postgres").exists() and shutil.which("apt-get") is None:
        return "no postgresql-15 and no apt-get to install it (Citus 13.2 is built for it)"
    return None


def run_script(dsn: str, path: Path = CITUS_SQL) -> str:
    """Run a psql script with ON_ERROR_STOP; returns its output, raises with it on failure."""
    psql = str(PSQL) if PSQL.exists() else "psql"
    done = subprocess.run(
        [psql, dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def cluster(directory: str, port: int, database: str = "pfr") -> Iterator[str]:
    """A fresh cluster in ``directory`` on ports port..port+2, migrated and distributed;
    yields the coordinator's DSN and stops (and removes) the cluster afterwards."""
    subprocess.run(["bash", str(CLUSTER_SH), "stop", directory], capture_output=True, timeout=120)
    shutil.rmtree(directory, ignore_errors=True)
    started = subprocess.run(
        ["bash", str(CLUSTER_SH), "start", directory, str(port), database],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if started.returncode != 0:
        raise RuntimeError(f"cluster.sh start failed:\n{started.stdout}\n{started.stderr}")
    dsn = started.stdout.strip().splitlines()[-1]
    try:
        migrate(dsn)
        run_script(dsn)
        yield dsn
    finally:
        subprocess.run(
            ["bash", str(CLUSTER_SH), "stop", directory], capture_output=True, timeout=120
        )
        shutil.rmtree(directory, ignore_errors=True)
