"""Helpers of the dashboard tests: a migrated database with demo data (one per module),
and the real app served by uvicorn on 127.0.0.1 in a thread, on a free port."""

from __future__ import annotations

import contextlib
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
from _servers import worker_suffix
from conftest import dsn_for
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pydal_free_repo import Database
from pydal_free_repo.issues.demo import write_demo_data
from pydal_free_repo.schema import migrate
from pydal_free_repo.web import ServeSettings
from pydal_free_repo.web.server import in_thread
from pydal_free_repo.workflows.demo import write_demo_workflows


@contextlib.contextmanager
def scratch_database(name: str, *, demo: bool = True) -> Iterator[str]:
    """A new database ``name``, migrated (and with demo data), dropped afterwards (one per
    xdist worker: a module's tests may run on several workers at once)."""
    name += worker_suffix().replace("-", "_")
    admin_dsn = dsn_for("postgres")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = dsn_for(name)
    try:
        migrate(dsn)
        if demo:
            with Database.connect(dsn) as db:
                write_demo_data(db, issues=40, days=14, seed=7)
                write_demo_workflows(db, 20, days=14, seed=7)
        yield dsn
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def in_zone(dsn: str, zone: str = "UTC") -> str:
    """``dsn`` whose sessions use ``zone``, as the server's pool for that zone does."""
    return make_conninfo(dsn, options=f"-c TimeZone={zone}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(dsn: str, **overrides: Any) -> contextlib.AbstractContextManager[str]:
    """The real app on uvicorn on 127.0.0.1, a free port, in a thread; yields its URL."""
    return in_thread(ServeSettings(dsn=dsn, port=0, **overrides))


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    """(status, decoded JSON or text, headers) of a GET, 4xx/5xx included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body, head = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, body, head = exc.code, exc.read(), dict(exc.headers)
    text = body.decode()
    if head.get("content-type", "").startswith("application/json"):
        return status, json.loads(text), head
    return status, text, head
