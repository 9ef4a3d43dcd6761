"""The package's errors as HTTP answers: JSON for the endpoints, a page for the dashboard.

One mapping from error class to status. Messages are the package's own (already
redacted) and pass through ``redact_text`` with the DSN's password once more, so no
answer can carry it.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from pydal_free_repo.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    InvalidValue,
    NotFound,
    PermissionDenied,
    PfrError,
    QueryTimeout,
)
from pydal_free_repo.redact import redact_text
from pydal_free_repo.web import params as P
from pydal_free_repo.web.jsonify import JsonResponse
from pydal_free_repo.web.pools import DEFAULT_ZONE

log = logging.getLogger("pydal_free_repo.web")

STATUS_OF: tuple[tuple[type[PfrError], int], ...] = (
    (InvalidValue, 400),
    (NotFound, 404),
    (PermissionDenied, 403),
    (DatabaseUnavailable, 503),
    (QueryTimeout, 503),
    (ConfigurationError, 500),
    (PfrError, 500),
)


def is_page(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/ui")


def answer(request: Request, status: int, message: str) -> Response:
    message = redact_text(message, request.app.state.secrets)
    if is_page(request):
        try:
            zone, source = P.zone(request.query_params, request.cookies)
        except InvalidValue:
            zone, source = DEFAULT_ZONE, "default"
        context = {
            "status": status,
            "message": message,
            "page": "error",
            "zone": zone,
            "zone_source": source,
            "query": {},
        }
        return request.app.state.templates.TemplateResponse(
            request, "error.html", context, status_code=status
        )
    return JsonResponse({"error": message, "status": status}, status_code=status)


def package_error(request: Request, exc: Exception) -> Response:
    status = next(code for cls, code in STATUS_OF if isinstance(exc, cls))
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, redact_text(str(exc)))
    return answer(request, status, str(exc))


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "no such page or endpoint" if exc.status_code == 404 else str(exc.detail)
    return answer(request, exc.status_code, message)


def unexpected(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JsonResponse({"error": "internal error (see the server log)", "status": 500}, 500)


HANDLERS = {PfrError: package_error, HTTPException: http_error, Exception: unexpected}
