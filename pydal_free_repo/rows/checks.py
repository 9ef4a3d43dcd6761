"""Column checks shared by the row builders: each mirrors a table's type or CHECK rule.

A checked value is one the server will take, so bad input fails with ``InvalidValue``
before any I/O (a caller's transaction is never aborted by a value the package could
have refused, and a row the buffered writer accepted is a row COPY will take).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json as _json_module
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from psycopg.types.json import Jsonb

from pydal_free_repo import values
from pydal_free_repo.errors import InvalidValue

# The token-count columns of both LLM-call tables (llm_call_history, generations).
TOKEN_COUNTS = (
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "reasoning_tokens",
)

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1

Choice = TypeVar("Choice", bound=str)


def plain(value: Any) -> Any:
    """State objects as JSON data: dataclasses and pydantic models become dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value  # a Decimal stays exact: values.json writes every digit


def jsonb(value: Any, name: str) -> Jsonb | None:
    return values.json(plain(value), name)


def field(state: Any, key: str) -> Any:
    """``state[key]`` of a dict-like state (the document's TypedDict), else its attribute."""
    if state is None:
        return None
    if isinstance(state, Mapping):
        return state.get(key)
    return getattr(state, key, None)


def label(value: Any, name: str, *, max_length: int | None = None) -> str | None:
    """An optional text column (VARCHAR(max_length), or TEXT without one); "" is stored as NULL."""
    if value is None or value == "":
        return None
    cleaned = values.text(value)
    assert cleaned is not None
    if max_length is not None and len(cleaned) > max_length:
        raise InvalidValue(f"{name} is longer than {max_length} characters: {cleaned[:40]!r}...")
    return cleaned


def required(value: Any, name: str, *, max_length: int | None = None) -> str:
    """A NOT NULL text column that must say something (not empty, not only spaces)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{name} must be a non-empty string, got {value!r}")
    cleaned = label(value, name, max_length=max_length)
    assert cleaned is not None
    return cleaned


def choice(value: Any, name: str, allowed: tuple[Choice, ...]) -> Choice | None:
    """One of a CHECK constraint's values, or None."""
    if value is None:
        return None
    if value not in allowed:
        raise InvalidValue(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def required_choice(value: Any, name: str, allowed: tuple[Choice, ...]) -> Choice:
    chosen = choice(value, name, allowed)
    if chosen is None:
        raise InvalidValue(f"{name} must be one of {', '.join(allowed)}; got None")
    return chosen


# The format CHECKs of migration 0030 (node_type VARCHAR(20), call_type VARCHAR(50)).
WORD = re.compile(r"[a-z][a-z0-9_.-]*")


def word(value: Any, name: str, *, max_length: int) -> str | None:
    """An open-vocabulary label (node_type, call_type): a lowercase word of letters, digits,
    '_', '.' or '-' starting with a letter, e.g. tool, llm, agent, execute_tool."""
    if value is None:
        return None
    if not isinstance(value, str) or not WORD.fullmatch(value) or len(value) > max_length:
        raise InvalidValue(
            f"{name} must be a lowercase word (a-z first, then a-z 0-9 _ . -) of at most "
            f"{max_length} characters, e.g. tool, llm, agent; not {value!r}"
        )
    return value


def whole_state(state: Any) -> Any:
    """The whole state as jsonb, for ``workflows.state``. Never refuses a state: what is
    not JSON (a client object, a set) is stored as its text, so a state that only ever had
    to fill the travel-planner columns still starts its run."""
    if state is None:
        return None
    try:
        return jsonb(state, "state")
    except InvalidValue:
        pass
    try:
        text = _json_module.dumps(plain(state), default=str, allow_nan=False)
        return jsonb(_json_module.loads(text), "state")
    except (InvalidValue, ValueError, TypeError, RecursionError):
        return None  # the travel-planner columns were checked; the copy is optional


def count(value: Any, name: str) -> int | None:
    """An INTEGER column holding a count: a whole number, 0 or more."""
    if value is None:
        return None
    if type(value) is int and 0 <= value <= INT4_MAX:
        return value  # the common case, checked once
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise InvalidValue(f"{name} must be 0 or more, got {value}")
    if value > INT4_MAX:
        raise InvalidValue(f"{name} is too large for an INTEGER column: {value}")
    return value


def positive(value: Any, name: str) -> int:
    """A query parameter of 1 or more (a limit)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(f"{name} must be a whole number of 1 or more, got {value!r}")
    return value


def window(value: Any, name: str) -> int:
    """A window length of 0 or more (days, hours)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"{name} must be a whole number of 0 or more, got {value!r}")
    return value


def amount(value: Any, name: str) -> Decimal | None:
    """A non-negative finite number, as an exact Decimal."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidValue(f"{name} must be a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(f"{name} must be a finite number, got {value!r}")
        # Sent as float8, a NUMERIC column keeps only 15 significant digits (0.1 + 0.2
        # would read back as 0.3); the float's shortest exact text keeps every digit.
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise InvalidValue(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise InvalidValue(f"{name} must be 0 or more, got {value}")
    return value


def bounded(value: Any, name: str, precision: int, scale: int) -> Decimal | None:
    """An amount for a NUMERIC(precision, scale) column, refused here if the server would
    refuse it after rounding."""
    if value is None:
        return None
    if type(value) is float and 0.0 <= value < _safe_float_limit(precision, scale):
        return Decimal(repr(value))  # the common case: finite, and below the limit however rounded
    checked = amount(value, name)
    if checked is None:
        return None
    limit = Decimal(10) ** (precision - scale)
    # Compared before rounding too: quantizing 1e22 to 6 places needs more digits than
    # the decimal context has (InvalidOperation).
    if checked >= limit or (
        checked.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP) >= limit
    ):
        raise InvalidValue(f"{name} must be less than {limit}, got {value}")
    return checked


@functools.cache
def _safe_float_limit(precision: int, scale: int) -> float:
    """A float below this (10**(precision-scale) less one unit of the scale) stays below the
    column's limit after rounding to ``scale`` places; NaN and infinities compare False."""
    return float(10 ** (precision - scale) - Decimal(1).scaleb(-scale))


def http_status(value: Any, name: str = "status_code") -> int | None:
    """An HTTP status code (check_bah_status_code), or None for no response."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise InvalidValue(f"{name} must be an HTTP status 100-599, got {value!r}")
    return value


def total_fits(row: dict[str, Any]) -> None:
    """A missing total_tokens is filled by the pricing trigger with prompt + completion."""
    if row["total_tokens"] is None:
        total = (row["prompt_tokens"] or 0) + (row["completion_tokens"] or 0)
        if total > INT4_MAX:
            raise InvalidValue(
                f"prompt_tokens + completion_tokens ({total}) is too large for total_tokens"
            )


def within(part: int | None, whole: int | None, part_name: str, whole_name: str) -> None:
    if part is not None and whole is not None and part > whole:
        raise InvalidValue(f"{part_name} ({part}) cannot exceed {whole_name} ({whole})")


def tokens(row: dict[str, Any]) -> None:
    """The token rules of both LLM-call tables (check_*_within_* and the total): cache
    reads and writes within the input, reasoning within the output; a missing total is
    filled with input + output when either is known (the package prices rows itself)."""
    if (
        row["total_tokens"] is not None
        and row["cached_input_tokens"] is None
        and row.get("cache_write_input_tokens") is None
        and row["reasoning_tokens"] is None
    ):
        return  # the common case: no part to fit within a whole, and the total given
    total_fits(row)
    if row["total_tokens"] is None and (
        row["prompt_tokens"] is not None or row["completion_tokens"] is not None
    ):
        row["total_tokens"] = (row["prompt_tokens"] or 0) + (row["completion_tokens"] or 0)
    within(row["cached_input_tokens"], row["prompt_tokens"], "cached_input_tokens", "prompt_tokens")
    if row.get("cache_write_input_tokens") is not None:
        within(
            (row["cached_input_tokens"] or 0) + row["cache_write_input_tokens"],
            row["prompt_tokens"],
            "cached_input_tokens + cache_write_input_tokens",
            "prompt_tokens",
        )
    within(
        row["reasoning_tokens"], row["completion_tokens"], "reasoning_tokens", "completion_tokens"
    )


def row_id(value: Any, name: str) -> int:
    """A row id: a positive whole number. A float or a numeric string would be rounded or
    cast by the server (1.5 becomes 2) and could attach the row to another user or run."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT8_MAX:
        raise InvalidValue(f"{name} must be a row id (a positive whole number), got {value!r}")
    return value


def timestamp(value: Any, name: str) -> dt.datetime | None:
    """A timezone-aware datetime, returned in UTC. One that leaves Python's range in UTC
    (9999-12-31 23:00 at UTC-14 is year 10000) is refused: the server would store it, and
    every later read of it would fail."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(f"{name} must be a timezone-aware datetime, got {value!r}")
    try:
        return value.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        raise InvalidValue(
            f"{name} {value.isoformat()} is outside the years 1-9999 once in UTC"
        ) from None
