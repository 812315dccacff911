"""create_app(): the FastAPI application with its routes, static files and limits."""

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from gdviz import __version__
from gdviz.api import (assets, catalog, docs, errors, export, expr, landscape, landscape_socket,
                       models, pages, presets, qr, run, schema, stability, stream, trace)
from gdviz.api.caching import ConditionalGet
from gdviz.api.headers import SecurityHeaders
from gdviz.api.hosts import AllowedHosts, HostCheck
from gdviz.api.limits import BodySizeLimit
from gdviz.settings import get_settings

DESCRIPTION = """Gradient descent, step by step, on 2D loss surfaces.

`POST /api/run` returns whole trajectories; `WS /ws/run` streams them live and takes
control messages (see docs/protocol.md). Non-finite numbers are sent as `null`."""


def create_app() -> FastAPI:
    # /docs and /redoc come from gdviz/api/docs.py (offline, under a CSP), not FastAPI's
    app = FastAPI(title="gdviz", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None)
    errors.install(app)
    for module in (catalog, expr, models, schema, run, landscape, landscape_socket, stability,
                   presets, pages, export, stream, trace, docs, qr, assets):
        app.include_router(module.router)
    settings = get_settings()
    # the last added runs first: GZip outermost (HTML and JSON compressed when asked;
    # static/ is compressed once and cached by gdviz.api.assets, passed through untouched),
    # then headers on every answer, then the Host, then ETags, then the body's size
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConditionalGet)  # pages and catalogs: ETag, a 304 on a second visit
    app.add_middleware(HostCheck, allowed=AllowedHosts.from_setting(settings.allowed_hosts))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    return app
