"""Make Python values storable: PostgreSQL text and jsonb cannot hold NUL characters.

Every text and JSON value a repository writes passes through ``text`` or ``json``: each
NUL is replaced by U+FFFD (the design's rule), and so is each lone surrogate, which
UTF-8 cannot encode. Logging never crashes the agent over such input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Jsonb

from pydal_free_repo.errors import InvalidValue

REPLACEMENT = "\ufffd"
# Deeper JSON is refused with InvalidValue: scrubbing and encoding it recurse, and past
# Python's recursion limit that would be a RecursionError from inside the driver.
MAX_JSON_DEPTH = 200
_SURROGATE = re.compile("[\ud800-\udfff]")


def text(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    # A Python str holds astral characters as one code point, so any surrogate is lone.
    return _SURROGATE.sub(REPLACEMENT, value)


def _clean(value: Any, path: str, depth: int = 0) -> Any:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_JSON_DEPTH:
        raise InvalidValue(f"{path[:80]}...: JSON nested too deeply (over {MAX_JSON_DEPTH} levels)")
    if isinstance(value, Mapping):
        return {text(str(k)): _clean(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(f"{path}: JSON cannot hold {value!r}")
        return value
    raise InvalidValue(
        f"{path}: {type(value).__name__} is not JSON (use dict, list, str, number, bool, None)"
    )


def json(value: Any, name: str = "value") -> Jsonb | None:
    """``value`` as a jsonb parameter, NULs replaced; a non-JSON value raises InvalidValue."""
    if value is None:
        return None
    return Jsonb(_clean(value, name))
