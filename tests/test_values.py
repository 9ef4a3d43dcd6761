"""Text and JSON are made storable: NUL and lone surrogates become U+FFFD."""

import math

import pytest

from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.values import json, text


def test_text_replaces_nul_and_lone_surrogates_only():
    assert text("a\x00b\ud800c😀") == "a\ufffdb\ufffdc😀"
    assert text(None) is None


def test_json_cleans_keys_and_nested_strings():
    assert json({"k\x00": ["v\x00", {"n": 1}]}).obj == {"k\ufffd": ["v\ufffd", {"n": 1}]}


@pytest.mark.parametrize("bad", [math.nan, math.inf, object(), {1, 2}])
def test_json_refuses_values_json_cannot_hold(bad):
    with pytest.raises(InvalidValue):
        json({"x": bad})
