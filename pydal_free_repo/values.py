"""Make Python values storable, or refuse them with ``InvalidValue``; nothing in between.

Every text and JSON value a repository writes passes through ``text`` or ``json``: each
NUL is replaced by U+FFFD (the design's rule), and so is each lone surrogate, which
UTF-8 cannot encode. Logging never crashes the agent over such input.

JSON keeps a ``Decimal`` exactly (every digit, as a JSON number) and refuses keys that
are not text (or whole numbers) and keys that would collide once stored. The checks of
single values (amounts, times) are in ``rows/checks.py``.
"""

from __future__ import annotations

import json as _json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
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
    if value.isascii() and "\x00" not in value:
        return value  # the common case: nothing to replace (isascii reads a flag)
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    # A Python str holds astral characters as one code point, so any surrogate is lone.
    return _SURROGATE.sub(REPLACEMENT, value)


def _key(key: Any, path: str) -> str:
    # A JSON object's keys are text. Whole numbers become their digits (as json.dumps
    # does); a tuple, None, a bool or a float key would be stringified into something the
    # caller never wrote, so it is refused.
    if isinstance(key, str):
        return text(key)  # type: ignore[return-value]
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise InvalidValue(f"{path}: JSON object keys must be text, not {type(key).__name__} {key!r}")


def _clean(value: Any, path: str, depth: int = 0) -> Any:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_JSON_DEPTH:
        raise InvalidValue(f"{path[:80]}...: JSON nested too deeply (over {MAX_JSON_DEPTH} levels)")
    if isinstance(value, Mapping):
        cleaned: dict[str, Any] = {}
        for k, v in value.items():
            key = _key(k, path)
            if key in cleaned:
                raise InvalidValue(
                    f"{path}: keys {k!r} and another one are both stored as {key!r}"
                    " (NUL and lone surrogates become U+FFFD, numbers become text)"
                )
            cleaned[key] = _clean(v, f"{path}.{key}", depth + 1)
        return cleaned
    if isinstance(value, (list, tuple)):
        return [_clean(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(f"{path}: JSON cannot hold {value!r}")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidValue(f"{path}: JSON cannot hold {value!r}")
        # Marked for _dumps, which writes its digits as a JSON number. A NUL cannot start
        # a cleaned string (text() replaced them), so the mark is unambiguous.
        return _DECIMAL_MARK + str(value)
    raise InvalidValue(
        f"{path}: {type(value).__name__} is not JSON (use dict, list, str, number, bool, None)"
    )


_DECIMAL_MARK = "\x00"
_MARKED = re.compile(r'"\\u0000([-+.0-9eE]+)"')


def _dumps(value: Any) -> str:
    """JSON text with each marked Decimal written as the number it is (every digit kept)."""
    return _MARKED.sub(r"\1", _json.dumps(value, ensure_ascii=False, allow_nan=False))


def json(value: Any, name: str = "value") -> Jsonb | None:
    """``value`` as a jsonb parameter, NULs replaced; a non-JSON value raises InvalidValue."""
    if value is None:
        return None
    return Jsonb(_clean(value, name), dumps=_dumps)
