"""Hypothesis settings and strategies shared by the property tests (no conftest needed).

``PFR_HYPOTHESIS_EXAMPLES`` sets the examples per property (default 40, kept small so the
suite stays within its budget); no example database is written into the working tree.
The strategies produce what an agent may hand the library: any Unicode (NUL, lone
surrogates, astral characters), JSON-like values with NaN, infinities, huge integers
and objects JSON cannot hold, and integers far outside the columns' ranges.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("PFR_HYPOTHESIS_EXAMPLES", "40"))

settings.register_profile(
    "pfr",
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    # Each property runs against the test's own database (a function-scoped fixture); the
    # examples share it on purpose, and counting rows before and after each keeps them apart.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
PROFILE = settings.get_profile("pfr")

REPLACEMENT = "\ufffd"
INT4_MAX = 2**31 - 1

# Characters that need care on their way into PostgreSQL, mixed into every generated text.
NASTY = ["\x00", "\ud800", "\udfff", "\U0001f600", "\u202e", "'", '"', "\\", "%s", "%(x)s", "$$"]

characters = st.one_of(
    st.characters(),  # any code point except surrogates
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
)
texts = st.lists(st.one_of(characters, st.sampled_from(NASTY)), max_size=60).map("".join)
nonblank_texts = texts.filter(lambda s: s.strip() != "")

# Integers across every boundary the columns have: int4, int8 and beyond.
integers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, INT4_MAX, INT4_MAX + 1, 2**63 - 1, 2**63, 2**64, 10**40]),
)
small_counts = st.integers(min_value=0, max_value=2**20)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e308, 0.1, 1e-7]),
)


class Opaque:
    """An object JSON cannot hold."""

    def __repr__(self) -> str:
        return "Opaque()"


# A finite Decimal is JSON: values.json writes it as the number it is, every digit kept.
json_leaves = st.one_of(
    st.none(), st.booleans(), integers, floats, texts, st.just(decimal.Decimal("1.5"))
)
not_json = st.one_of(
    st.builds(Opaque),
    st.binary(max_size=8),
    st.sets(st.integers(), max_size=2),
    st.just(decimal.Decimal("NaN")),
    st.just(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)),
    st.just(1 + 2j),
)
json_like = st.recursive(
    st.one_of(json_leaves, not_json) | json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(texts, children, max_size=4),
    ),
    max_leaves=12,
)
# Values that are valid JSON once scrubbed (no NaN, infinity or foreign object).
json_clean = st.recursive(
    st.one_of(
        st.none(), st.booleans(), integers, st.floats(allow_nan=False, allow_infinity=False), texts
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)
    ),
    max_leaves=12,
)


class NotJson(Exception):
    """The model's verdict: this value must be refused."""


def scrub(value: str) -> str:
    """The documented rule: each NUL and each lone surrogate becomes U+FFFD."""
    return "".join(
        REPLACEMENT if ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value
    )


def expected_json(value: Any) -> Any:
    """What a reader must get back for ``value`` written as JSON, or NotJson."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            out[scrub(str(key))] = expected_json(item)
        return out
    if isinstance(value, (list, tuple)):
        return [expected_json(item) for item in value]
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJson(value)
        return value
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return float(value)  # read back through json.loads; the leaf above is exact in a float
    raise NotJson(value)


def same_json(got: Any, want: Any) -> bool:
    """Equal as JSON values: jsonb keeps numbers as decimals, so 1e16 reads back as an int."""
    if isinstance(want, float):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and float(got) == want
    if isinstance(want, bool) or want is None:
        return got is want
    if isinstance(want, int):
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    if isinstance(want, str):
        return got == want
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(same_json(g, w) for g, w in zip(got, want, strict=True))
        )
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(same_json(got[k], want[k]) for k in want)
        )
    raise AssertionError(f"unexpected model value {want!r}")


def deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


# The tables every public write touches; a refused write must leave all their counts alone.
TABLES = (
    "issue_processing_history",
    "llm_call_history",
    "bitbucket_api_history",
    "file_modification_history",
    "users",
    "workflows",
    "nodes",
    "generations",
)


def row_counts(conn) -> dict[str, int]:
    from psycopg import sql

    out = {}
    for table in TABLES:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        out[table] = conn.execute(query).fetchone()[0]
    return out
