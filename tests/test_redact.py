"""Passwords never leave the process in a printable string."""

import pytest

from pydal_free_repo.redact import redact_dsn, redact_text


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql://app:s3cr%40t@db:5432/pfr", "postgresql://app:****@db:5432/pfr"),
        ("postgresql://app@db/pfr", "postgresql://app@db/pfr"),
        (
            "postgresql:///pfr?host=/tmp/x&password=hunter2",
            "postgresql:///pfr?host=/tmp/x&password=****",
        ),
        (
            "host=db user=app password=hunter2 dbname=pfr",
            "host=db user=app password=**** dbname=pfr",
        ),
        ("host=db password='with space' dbname=pfr", "host=db password=**** dbname=pfr"),
    ],
)
def test_redact_dsn_masks_the_password(dsn, expected):
    assert redact_dsn(dsn) == expected


def test_redact_text_masks_uris_keywords_and_given_secrets():
    text = "failed on postgresql://u:pw1@h/db and password=pw2; also pw3 appears"
    masked = redact_text(text, ("pw3",))
    assert "pw1" not in masked and "pw2" not in masked and "pw3" not in masked


def test_masking_twice_keeps_the_rest_of_the_message():
    once = f"cannot connect to {redact_dsn('host=h password=pw')}: password auth failed"
    assert redact_text(once) == once
    assert once == "cannot connect to host=h password=****: password auth failed"
