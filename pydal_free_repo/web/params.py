"""Query parameters of the endpoints and pages: parsed once, a bad one is a 400.

A parameter is declared once (``Param``) and serves three purposes: parsing the request,
the OpenAPI description and the page forms' choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.issues.records import STATUSES
from pydal_free_repo.web.pools import DEFAULT_ZONE, check_zone
from pydal_free_repo.workflows.records import FINAL_STATUSES

ZONE_COOKIE = "pfr_tz"


@dataclass(frozen=True)
class Param:
    name: str
    kind: type  # int or str
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None

    def parse(self, raw: str | None) -> Any:
        if raw is None or raw == "":
            return self.default
        if self.kind is int:
            try:
                value = int(raw, 10)
            except ValueError:
                raise InvalidValue(f"{self.name} must be a whole number, got {raw!r}") from None
            low = self.minimum if self.minimum is not None else value
            high = self.maximum if self.maximum is not None else value
            if not low <= value <= high:
                raise InvalidValue(f"{self.name} must be from {low} to {high}, got {value}")
            return value
        if self.choices is not None and raw not in self.choices:
            raise InvalidValue(f"{self.name} must be one of {', '.join(self.choices)}; got {raw!r}")
        return raw

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self.kind is int else "string"}
        if self.default is not None:
            schema["default"] = self.default
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.choices is not None:
            schema["enum"] = list(self.choices)
        return schema


def limit(default: int) -> Param:
    return Param("limit", int, default, "at most this many rows", minimum=1, maximum=1000)


def days(default: int, minimum: int = 0) -> Param:
    return Param(
        "days",
        int,
        default,
        "window in days (CURRENT_DATE - days in the time zone, as document 004)",
        minimum=minimum,
        maximum=36600,
    )


RUN_STATUS = Param("status", str, None, "only runs of this status", choices=STATUSES)
ISSUE_KEY = Param("issue_key", str, None, "only runs of this issue key")
WORKFLOW_STATUS = Param(
    "status", str, None, "only workflows of this status", choices=("running", *FINAL_STATUSES)
)
WORKFLOW_USER = Param("user", str, None, "only this user's workflows")
TZ = Param(
    "tz",
    str,
    DEFAULT_ZONE,
    "IANA time zone for days and times (default: the pfr_tz cookie, else UTC)",
)


def parse(params: tuple[Param, ...], query: Mapping[str, str]) -> dict[str, Any]:
    unknown = sorted(set(query) - {p.name for p in params} - {"tz", "token"})
    if unknown:
        allowed = ", ".join(p.name for p in params) or "none"
        raise InvalidValue(f"unknown parameter {', '.join(unknown)} (this path takes: {allowed})")
    return {p.name: p.parse(query.get(p.name)) for p in params}


def zone(query: Mapping[str, str], cookies: Mapping[str, str]) -> tuple[str, str]:
    """The zone to use and where it came from (``query``, ``browser`` or ``default``).

    A bad ``tz`` parameter is a 400; a bad cookie (a zone the browser knows and the
    server does not) falls back to UTC, which the page says."""
    if query.get("tz"):
        return check_zone(query["tz"]), "query"
    cookie = unquote(cookies.get(ZONE_COOKIE) or "")  # the script URI-encodes the "/"
    if cookie:
        try:
            return check_zone(cookie), "browser"
        except InvalidValue:
            return DEFAULT_ZONE, "unknown"
    return DEFAULT_ZONE, "default"
