"""Helpers of the dashboard tests: a migrated database with demo data (one per module),
and the real app served by uvicorn on 127.0.0.1 in a thread, on a free port."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import uvicorn
from conftest import dsn_for
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pydal_free_repo import Database
from pydal_free_repo.issues.demo import write_demo_data
from pydal_free_repo.schema import migrate
from pydal_free_repo.web import ServeSettings, create_app
from pydal_free_repo.workflows.demo import write_demo_workflows


@contextlib.contextmanager
def scratch_database(name: str, *, demo: bool = True) -> Iterator[str]:
    """A new database ``name``, migrated (and with demo data), dropped afterwards."""
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


@contextlib.contextmanager
def running_server(settings: ServeSettings) -> Iterator[str]:
    """The app on uvicorn in a thread; yields its base URL (no trailing slash)."""
    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="pfr-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def serve(dsn: str, **overrides: Any) -> contextlib.AbstractContextManager[str]:
    return running_server(ServeSettings(dsn=dsn, port=free_port(), **overrides))


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
