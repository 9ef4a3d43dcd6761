"""The archive command alone (no server): it never overwrites a segment, succeeds again
on an identical one, and on a full disk fails leaving nothing half-written behind."""

from __future__ import annotations

import os
import subprocess

import pytest

from pydal_free_repo import pitr, wal_archive
from pydal_free_repo.errors import InvalidValue

SEGMENT = "000000010000000000000007"


def archive(segment_path, directory) -> int:
    command = wal_archive.archive_command(directory).replace("%f", SEGMENT)
    command = command.replace("%p", str(segment_path))
    return subprocess.run(["/bin/sh", "-c", command]).returncode


def test_a_segment_is_archived_once_and_never_replaced(tmp_path):
    directory = tmp_path / "arch ive"  # a space: the paths are quoted
    directory.mkdir()
    segment = tmp_path / SEGMENT
    segment.write_bytes(os.urandom(64 * 1024))
    assert archive(segment, directory) == 0
    assert (directory / SEGMENT).read_bytes() == segment.read_bytes()
    assert archive(segment, directory) == 0  # the server retrying after a crash
    different = tmp_path / "other"
    different.write_bytes(os.urandom(64 * 1024))
    assert archive(different, directory) != 0
    assert (directory / SEGMENT).read_bytes() == segment.read_bytes()
    assert sorted(os.listdir(directory)) == [SEGMENT]


@pytest.fixture
def full_disk(tmp_path):
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_archive_disk_fails_the_command_and_leaves_no_partial_segment(tmp_path, full_disk):
    segment = tmp_path / SEGMENT
    segment.write_bytes(os.urandom(1024 * 1024))
    assert archive(segment, full_disk) != 0
    assert os.listdir(full_disk) == []


def test_recovery_times_are_parsed_with_a_zone_or_as_utc():
    assert pitr.parse_time("2026-12-01 10:15:00+00").isoformat() == "2026-12-01T10:15:00+00:00"
    assert pitr.parse_time("2026-12-01 12:15:00+02").isoformat() == "2026-12-01T10:15:00+00:00"
    assert pitr.parse_time("2026-12-01T10:15:00").isoformat() == "2026-12-01T10:15:00+00:00"
    with pytest.raises(InvalidValue, match="must look like"):
        pitr.parse_time("yesterday")
