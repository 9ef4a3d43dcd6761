"""A test's own embedded server with WAL archiving on, fresh for the module that uses it.

Physical backups and point-in-time recovery need a server whose archive and backups the
test owns (the suite's shared server runs without archiving)."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from _servers import own_server_dir

from pydal_free_repo import embedded


def wipe(data: Path) -> None:
    if (data / "postmaster.pid").exists():
        with contextlib.suppress(Exception):
            embedded.stop(data)
    for path in (data, embedded.archive_dir(data), embedded.base_backup_dir(data)):
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def archiving_server(name: str) -> Iterator[embedded.EmbeddedServer]:
    data = Path(own_server_dir(name))
    wipe(data)
    server = embedded.start(data, archive=True)
    try:
        yield server
    finally:
        wipe(data)


@contextlib.contextmanager
def new_data_dir(prefix: str) -> Iterator[Path]:
    """A short path for a server started by the code under test; stopped and removed after."""
    path = Path(f"/tmp/{prefix}-{uuid.uuid4().hex[:6]}")
    try:
        yield path
    finally:
        wipe(path)
