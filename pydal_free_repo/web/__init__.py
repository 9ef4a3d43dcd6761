"""``pfr serve``: document 004's JSON endpoints and a server-rendered dashboard.

Starlette (routing, Jinja2 templates, static files) on uvicorn. The layers, one module
each: ``settings`` (bind address, token, timeouts), ``pools`` (read-only pools, one per
time zone), ``params`` (query parameters, 400 on bad ones), ``jsonify`` (JSON values and
the unpriced-cost mapping), ``api`` (the endpoint table, from which routes and
``openapi`` are built), ``pages`` and ``charts`` (HTML and SVG), ``auth`` (the token),
``errors`` (the package's errors as JSON or HTML with a status), ``app`` (assembly) and
``server`` (uvicorn, with or without the maintenance scheduler).
"""

from pydal_free_repo.web.app import create_app
from pydal_free_repo.web.settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]
