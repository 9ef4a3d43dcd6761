"""``Server-Timing: app;dur=<ms>`` on every answer: the time from the request's arrival
to the start of the answer, as the server measured it (the browser's devtools show it;
``make bench`` reads it)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTiming:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                header = (b"server-timing", f"app;dur={ms:.2f}".encode())
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, timed)
