"""The token: when ``PFR_SERVE_TOKEN`` is set, every request must carry it.

Accepted as ``Authorization: Bearer <token>``, an ``X-PFR-Token`` header, the
``pfr_token`` cookie, or a ``token`` query parameter (for opening the dashboard from a
link: the answer then sets the cookie, HttpOnly and SameSite=Strict, so the pages' links
work without it). Compared in constant time. Without a token set (127.0.0.1 only, see
``settings.check``) every request passes.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "pfr_token"


class TokenGate:
    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        query = QueryParams(scope.get("query_string", b""))
        from_query = query.get("token")
        given = _bearer(headers) or headers.get("x-pfr-token") or _cookie(headers) or from_query
        if given is None or not hmac.compare_digest(given.encode(), self.token):
            await _refuse(scope, receive, send, headers)
            return
        if from_query is None or _cookie(headers) == from_query:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={from_query}; Path=/; HttpOnly; SameSite=Strict"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _bearer(headers: Headers) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _cookie(headers: Headers) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


async def _refuse(scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
    message = "this server needs its token (PFR_SERVE_TOKEN): open it with ?token=..."
    response: Response
    if "text/html" in headers.get("accept", ""):
        response = PlainTextResponse(message, status_code=401)
    else:
        response = JSONResponse({"error": message, "status": 401}, status_code=401)
    response.headers["WWW-Authenticate"] = "Bearer"
    await response(scope, receive, send)
