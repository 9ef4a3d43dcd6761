"""The ASGI application: routes, templates, static files, the token gate, error handlers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from importlib.resources import files
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pydal_free_repo.dsn import secrets_of
from pydal_free_repo.web import api, pages
from pydal_free_repo.web.auth import TokenGate
from pydal_free_repo.web.errors import HANDLERS
from pydal_free_repo.web.openapi import openapi
from pydal_free_repo.web.pools import ZonePools
from pydal_free_repo.web.settings import ServeSettings
from pydal_free_repo.web.timing import ServerTiming


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pydal_free_repo.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def create_app(
    settings: ServeSettings,
    *,
    on_startup: Callable[[], Any] | None = None,
    on_shutdown: Callable[[], Any] | None = None,
) -> Starlette:
    """The dashboard and JSON endpoints on ``settings.dsn`` (read-only sessions).

    ``on_startup``/``on_shutdown`` run in the lifespan (``pfr run`` starts and stops the
    maintenance scheduler there)."""
    settings.check()
    pools = ZonePools(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if on_startup is not None:
            on_startup()
        try:
            yield
        finally:
            if on_shutdown is not None:
                on_shutdown()
            pools.close()

    static = str(files("pydal_free_repo.web") / "static")
    app = Starlette(
        routes=[
            *pages.routes(),
            *api.routes(),
            Route("/openapi.json", openapi, methods=["GET"], name="openapi"),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ],
        middleware=[Middleware(ServerTiming), Middleware(TokenGate, token=settings.token)],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pools = pools
    app.state.templates = _templates()
    app.state.secrets = secrets_of(settings.dsn)
    return app
