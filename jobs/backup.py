"""backup: ``pg_dump -Fc`` into the backup directory, verified, checksummed, rotated.

The dump is written to a hidden ``.partial`` file created with mode 0600, checked with
``pg_restore --list`` and read in full by ``pg_restore`` (so a truncated or corrupted
archive fails), given a ``.sha256`` file beside it and only then renamed to
``pfr-<database>-<UTC time>.dump``; nothing is pruned until the new dump is verified.
Rotation keeps the ``keep_count`` newest intact dumps (matching their ``.sha256``) and,
of those, removes any older than ``keep_days`` days; the dump just made is never
removed, and neither is a dump that no longer matches its checksum (reported as suspect).

The pg_dump used is the configured one (``[backup] pg_dump``), else the embedded wheel's,
else the first on PATH, and its major version must be at least the server's. The
password goes to pg_dump through ``PGPASSWORD``, never on its command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.dsn import conninfo_params
from pydal_free_repo.errors import ConfigurationError, PfrError
from pydal_free_repo.jobs.runner import JobContext
from pydal_free_repo.redact import redact_text

SUFFIX = ".dump"


@dataclass(frozen=True)
class Tool:
    path: str
    major: int


def run(ctx: JobContext) -> dict[str, Any]:
    return make_backup(ctx.db, ctx.config, conn=ctx.conn, now=ctx.now)


def make_backup(
    db: Database, config: JobsConfig, *, conn=None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Dump, verify, checksum, rename, rotate; return the file and what rotation removed."""
    server = db.fetch_one("jobs/server_version", conn=conn)
    server_major = server["server_version_num"] // 10000
    pg_dump = choose_tool("pg_dump", server_major, config.backup.pg_dump)
    pg_restore = choose_tool(
        "pg_restore", server_major, config.backup.pg_restore, beside=pg_dump.path
    )
    directory = Path(config.backup.dir).expanduser()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = directory / f"pfr-{_safe(server['database_name'])}-{stamp}{SUFFIX}"
    partial = directory / f".{final.name}.partial"

    conninfo, env = client_connection(db.dsn)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        _run(
            [
                pg_dump.path,
                "--format=custom",
                "--no-password",
                # Fail rather than queue behind a long ACCESS EXCLUSIVE lock (and block others).
                f"--lock-wait-timeout={config.timeouts.lock_timeout}",
                f"--file={partial}",
                f"--dbname={conninfo}",
            ],
            env,
            config.backup.timeout_seconds,
            db.dsn,
            "pg_dump",
        )
        listing = _run(
            [pg_restore.path, "--list", str(partial)],
            env,
            config.backup.timeout_seconds,
            db.dsn,
            "pg_restore --list",
        )
        if not any(line and not line.startswith(";") for line in listing.splitlines()):
            raise PfrError(f"backup {final.name} failed verification: its archive is empty")
        # --list reads only the table of contents, which a custom archive writes first: a
        # truncated or corrupted dump still lists. Reading every entry to /dev/null
        # decompresses all the data and fails on either.
        _run(
            [pg_restore.path, f"--file={os.devnull}", str(partial)],
            env,
            config.backup.timeout_seconds,
            db.dsn,
            "pg_restore (verification)",
        )
        digest = sha256_of(partial)
        os.chmod(partial, 0o600)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    checksum = final.with_name(final.name + ".sha256")
    fd = os.open(checksum, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{digest}  {final.name}\n")
    suspects: list[Path] = []
    removed = rotate(
        directory,
        f"pfr-{_safe(server['database_name'])}-",
        keep_count=config.backup.keep_count,
        keep_days=config.backup.keep_days,
        now=now,
        keep=final,
        suspects=suspects,
    )
    # The job's lock means no other backup of this database is being written: any other
    # .partial file of it is what a killed run left behind.
    leftovers = sorted(directory.glob(f".pfr-{_safe(server['database_name'])}-*{SUFFIX}.partial"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return {
        "file": str(final),
        "bytes": final.stat().st_size,
        "sha256": digest,
        "pg_dump": pg_dump.path,
        "pg_dump_major": pg_dump.major,
        "server_major": server_major,
        "removed": [str(p) for p in removed],
        "suspect": [str(p) for p in suspects],
        "removed_partial": [str(p) for p in leftovers],
    }


def rotate(
    directory: Path,
    prefix: str,
    *,
    keep_count: int,
    keep_days: int,
    now: dt.datetime | None = None,
    keep: Path | None = None,
    suspects: list[Path] | None = None,
) -> list[Path]:
    """Remove dumps beyond the ``keep_count`` newest or older than ``keep_days`` days.

    Only intact dumps (matching their ``.sha256``) count towards ``keep_count``: a dump
    truncated or corrupted on disk must not push a good one out. Such a dump is never
    removed here either (someone should look at it); it is appended to ``suspects``.
    Checking reads every kept dump once per run."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found = sorted(directory.glob(f"{prefix}*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    dumps = []
    for path in found:
        if path == keep or intact(path):
            dumps.append(path)
        elif suspects is not None:
            suspects.append(path)
    removed = []
    for index, path in enumerate(dumps):
        if keep is not None and path == keep:
            continue
        age = now - dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        if index >= keep_count or (keep_days > 0 and age > dt.timedelta(days=keep_days)):
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".sha256").unlink(missing_ok=True)
            removed.append(path)
    return removed


def intact(path: Path) -> bool:
    """True when the dump matches the checksum written beside it when it was made."""
    checksum = path.with_name(path.name + ".sha256")
    try:
        expected = checksum.read_text().split()[0]
        return sha256_of(path) == expected
    except (OSError, IndexError):
        return False


def choose_tool(program: str, server_major: int, configured: str = "", beside: str = "") -> Tool:
    """The configured program, else the one beside ``beside``, the wheel's, or PATH's; the
    first whose major version is at least ``server_major``."""
    if configured:
        candidates = [configured]
    else:
        candidates = []
        if beside:
            candidates.append(str(Path(beside).with_name(program)))
        candidates.append(str(_wheel_bin() / program))
        found = shutil.which(program)
        if found:
            candidates.append(found)
    tried = []
    for candidate in dict.fromkeys(candidates):
        major = tool_major(candidate)
        if major is None:
            tried.append(f"{candidate} (not runnable)")
            continue
        if major >= server_major:
            return Tool(candidate, major)
        tried.append(f"{candidate} (version {major})")
    setting = f"PFR_BACKUP_{program.upper()}"
    raise ConfigurationError(
        f"no {program} of major version {server_major} or later (the server's); tried: "
        f"{', '.join(tried) or 'none found'}. Install PostgreSQL {server_major} client tools "
        f"or set {setting} to one."
    )


def tool_major(path: str) -> int | None:
    """Major version of a PostgreSQL client program (``pg_dump --version``), or None."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)(?:\.(\d+))?", out)
    if not match:
        return None
    major = int(match.group(1))
    # Before 10, the major version was two numbers (9.6).
    return major if major >= 10 else major * 100 + int(match.group(2) or 0)


def client_connection(dsn: str) -> tuple[str, dict[str, str]]:
    """A conninfo without the password, and an environment carrying it as PGPASSWORD."""
    from psycopg.conninfo import make_conninfo

    params = conninfo_params(dsn)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command: list[str], env: dict[str, str], timeout: int, dsn: str, what: str) -> str:
    secrets = tuple(v for v in [conninfo_params(dsn).get("password")] if v)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PfrError(f"{what} did not finish within {timeout}s") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot run {what}: {exc}") from None
    if done.returncode != 0:
        message = " ".join(done.stderr.split()) or f"exit status {done.returncode}"
        raise PfrError(redact_text(f"{what} failed: {message}", secrets))
    return done.stdout


def _wheel_bin() -> Path:
    from pydal_free_repo import embedded

    try:
        return embedded.bin_dir()
    except Exception:  # the wheel is a dependency, but a broken install should not stop PATH
        return Path("/nonexistent")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)
