"""Private PostgreSQL servers of other major versions, for the tests and benchmarks that
must run there too.

- PostgreSQL 14 (``PFR_PG14_DIR``, default /opt/pfr-pg14; `.ci/setup` installs it): the
  security tests, since 14 still lets PUBLIC create in schema public.
- Debian's PostgreSQL 15 (``PFR_PG15_DIR``, default /usr/lib/postgresql/15/bin; `.ci/setup`
  installs it): the JIT test and the dashboard benchmark with JIT (`make bench`), since the
  embedded 18 is built without LLVM.

`initdb` refuses to run as root, so as root the server runs as the ``postgres`` system user
(``runuser``). Each server lives in its own short directory under /tmp (the Unix socket
path limit), listens only on its socket there, trusts local connections, and is stopped
(``pg_ctl stop -m immediate``) and removed by the caller.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from psycopg.conninfo import make_conninfo

PG14_DIR = Path(os.environ.get("PFR_PG14_DIR", "/opt/pfr-pg14"))
PG15_BIN = Path(os.environ.get("PFR_PG15_DIR", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"


def pg14_bin() -> Path:
    return PG14_DIR / "bin"


def missing_reason(bin_dir: Path) -> str | None:
    """Why a server from bin_dir cannot be started here, or None when it can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (bin_dir / tool).exists():
            return f"{bin_dir / tool} is missing (.ci/setup installs it)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to start the server as postgres"
        try:
            import pwd

            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and no {SERVER_USER!r} system user to run the server"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(argv: list[str], *, as_server_user: bool) -> None:
    if as_server_user:
        argv = ["runuser", "-u", SERVER_USER, "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[-1] if argv else ''}: {done.stdout}{done.stderr}")


@contextmanager
def private_server(bin_dir: Path, prefix: str, **settings: str) -> Iterator[str]:
    """Start a throwaway server from bin_dir with `settings` (-c name=value); yield its DSN."""
    as_root = os.geteuid() == 0
    base = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    data = Path(base) / "d"
    if as_root:
        shutil.chown(base, user=SERVER_USER)
    port = _free_port()
    env_lib = bin_dir.parent / "lib"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    initdb += ["--no-sync", "-E", "UTF8", "--locale=C"]
    options = [f"-p {port}", f"-k {base}", "-c listen_addresses=''", "-c fsync=off"]
    options += [f"-c {name}={value}" for name, value in settings.items()]
    start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l"]
    start += [f"{base}/log", "-o", " ".join(options), "start"]
    stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
    if env_lib.is_dir() and not str(bin_dir).startswith("/usr/lib/postgresql"):
        # The npm build of 14 carries its own libraries beside bin/.
        prefix_env = ["env", f"LD_LIBRARY_PATH={env_lib}"]
        initdb, start, stop = (prefix_env + initdb, prefix_env + start, prefix_env + stop)
    try:
        _run(initdb, as_server_user=as_root)
        _run(start, as_server_user=as_root)
        yield make_conninfo(host=base, port=str(port), user="postgres", dbname="postgres")
    finally:
        with suppress(RuntimeError):
            _run(stop, as_server_user=as_root)
        shutil.rmtree(base, ignore_errors=True)
