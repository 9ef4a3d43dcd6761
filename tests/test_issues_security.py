"""A connection string's password never appears in an error or a log line."""

from __future__ import annotations

import logging

import pytest

from pydal_free_repo import Database, IssueHistory
from pydal_free_repo.errors import DatabaseUnavailable

PASSWORD = "Sup3r-Secret-pw"


@pytest.mark.parametrize(
    "dsn",
    [
        f"postgresql://agent:{PASSWORD}@127.0.0.1:1/agentdb?connect_timeout=1",
        f"host=127.0.0.1 port=1 user=agent password={PASSWORD} dbname=agentdb connect_timeout=1",
    ],
)
def test_password_is_in_no_error_and_no_log_line(dsn, caplog):
    caplog.set_level(logging.DEBUG)
    with Database.connect(dsn, timeout=1) as db, pytest.raises(DatabaseUnavailable) as raised:
        IssueHistory(db).claim({"key": "SEC-1"})
    assert PASSWORD not in str(raised.value)
    assert PASSWORD not in caplog.text
    assert "****" in str(raised.value)
