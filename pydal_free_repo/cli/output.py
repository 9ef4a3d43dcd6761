"""Printing results: aligned tables for people, ``--json`` for programs."""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for what the repositories return (dataclasses are converted first)."""
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        value = asdict(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def print_json(value: Any) -> None:
    json.dump(to_jsonable(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _cell(value: Any) -> str:
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).replace("\n", " ")


def print_table(rows: Sequence[Mapping[str, Any]], columns: Iterable[str] | None = None) -> None:
    rows = [to_jsonable(r) for r in rows]
    if not rows:
        print("(no rows)")
        return
    cols = list(columns) if columns is not None else list(rows[0].keys())
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def emit(args: argparse.Namespace, value: Any, columns: Iterable[str] | None = None) -> None:
    """Print ``value`` as JSON when ``--json`` was given, else as a table or key/value list."""
    if getattr(args, "json", False):
        print_json(value)
    elif isinstance(value, Mapping):
        print_table([{"field": k, "value": v} for k, v in to_jsonable(value).items()])
    else:
        print_table(list(value), columns)
