"""Backup files and their ``.sha256`` files: write durably, read back, check.

A checksum file holds ``<sha256 hex>  <file name>``; one that is missing, empty or not
of that form reads as None, so a caller can say which of these it was.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksum(checksum: Path, digest: str, name: str) -> None:
    """Write ``<digest>  <name>`` durably; a failed write leaves no checksum file."""
    try:
        fd = os.open(checksum, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{digest}  {name}\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        checksum.unlink(missing_ok=True)
        raise


def read_checksum(path: Path) -> str | None:
    """The digest recorded beside a dump, or None when the file is missing, empty or bad."""
    checksum = checksum_path(path)
    try:
        fields = checksum.read_text().split()
    except (OSError, UnicodeDecodeError):
        return None
    if not fields or not re.fullmatch(r"[0-9a-f]{64}", fields[0]):
        return None
    return fields[0]


def intact(path: Path) -> bool:
    """True when the dump matches the checksum written beside it when it was made."""
    expected = read_checksum(path)
    try:
        return expected is not None and sha256_of(path) == expected
    except OSError:
        return False


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
