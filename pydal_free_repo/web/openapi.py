"""``/openapi.json``: OpenAPI 3.1 built from the endpoint table (``api.ENDPOINTS``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pydal_free_repo import __version__
from pydal_free_repo.web import params as P
from pydal_free_repo.web.api import ENDPOINTS
from pydal_free_repo.web.jsonify import JsonResponse

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    "required": ["error", "status"],
}


def _parameter(param: P.Param, where: str) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": where,
        "required": where == "path",
        "description": param.description,
        "schema": param.schema(),
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        responses = {
            "200": {"description": "OK", "content": {"application/json": {}}},
            "400": _error("a bad parameter"),
            "503": _error("the database is unreachable or the query timed out"),
        }
        if endpoint.path_params:
            responses["404"] = _error("no such row")
        paths[endpoint.path.replace(":path}", "}")] = {
            "get": {
                "tags": [endpoint.tag],
                "summary": endpoint.summary,
                "operationId": endpoint.path.strip("/").replace("/", "_").replace(":path", ""),
                "parameters": [
                    *(_parameter(p, "path") for p in endpoint.path_params),
                    *(_parameter(p, "query") for p in endpoint.params),
                    _parameter(P.TZ, "query"),
                ],
                "responses": responses,
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pydal_free_repo history",
            "version": __version__,
            "description": (
                "Read-only history of LLM agents (document 004's endpoints, its analytics, "
                "the workflow logger's reads). A cost is null, never 0, for a call that is "
                "unpriced (no price for its model) or of unknown usage (no token count). "
                "Beyond 127.0.0.1, every request carries the token (Authorization: Bearer)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }


def openapi(request: Request) -> JsonResponse:
    return JsonResponse(document())
