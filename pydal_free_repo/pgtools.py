"""PostgreSQL's client programs (pg_dump, pg_restore, pg_basebackup, ...): find one, run it.

Shared by the backup jobs and by restore, which both sit above this module. A program is
the configured one, else the one beside an already chosen program, else the embedded
wheel's, else the first on ``PATH``; its major version must be at least the server's.
A failing program becomes one ``PfrError`` line with any password masked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydal_free_repo.dsn import secrets_of
from pydal_free_repo.errors import ConfigurationError, PfrError
from pydal_free_repo.redact import redact_text


@dataclass(frozen=True)
class Tool:
    path: str
    major: int

    def sibling(self, program: str) -> str:
        """Another program of the same installation (psql beside pg_restore)."""
        return str(Path(self.path).with_name(program))


def choose_tool(program: str, server_major: int, configured: str = "", beside: str = "") -> Tool:
    """The configured program, else the one beside ``beside``, the wheel's, or PATH's; the
    first whose major version is at least ``server_major``."""
    if configured:
        candidates = [configured]
    else:
        candidates = []
        if beside:
            candidates.append(str(Path(beside).with_name(program)))
        candidates.append(str(wheel_bin() / program))
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


def run_tool(
    command: list[str], env: dict[str, str] | None, timeout: float, dsn: str, what: str
) -> str:
    """Run one client program; its stdout, or one ``PfrError`` line naming ``what``."""
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PfrError(f"{what} did not finish within {timeout:g}s") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot run {what}: {exc}") from None
    if done.returncode != 0:
        message = " ".join(done.stderr.split()) or f"exit status {done.returncode}"
        raise PfrError(redact_text(f"{what} failed: {message}", secrets_of(dsn)))
    return done.stdout


def wheel_bin() -> Path:
    from pydal_free_repo import embedded

    try:
        return embedded.bin_dir()
    except Exception:  # the wheel is a dependency, but a broken install should not stop PATH
        return Path("/nonexistent")
