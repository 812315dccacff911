"""create_app(): the FastAPI application with its routes, static files and limits."""

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from gdviz import __version__
from gdviz.api import (assets, catalog, errors, export, expr, landscape, landscape_socket, models,
                     pages, presets, qr, run, stability, stream, trace)
from gdviz.api.caching import ConditionalGet
from gdviz.api.limits import BodySizeLimit
from gdviz.settings import get_settings

DESCRIPTION = """Gradient descent, step by step, on 2D loss surfaces.

`POST /api/run` returns whole trajectories; `WS /ws/run` streams them live and takes
control messages (see docs/protocol.md). Non-finite numbers are sent as `null`."""


def create_app() -> FastAPI:
    app = FastAPI(title="gdviz", version=__version__, description=DESCRIPTION)
    errors.install(app)
    for module in (catalog, expr, models, run, landscape, landscape_socket, stability, presets,
                   pages, export, stream, trace, qr, assets):
        app.include_router(module.router)
    app.add_middleware(BodySizeLimit, max_bytes=get_settings().max_body_bytes)
    app.add_middleware(ConditionalGet)  # pages and catalogs: ETag, a 304 on a second visit
    # HTML and JSON (grids, catalogs) compressed when asked; static/ is compressed once
    # and cached by gdviz.api.assets (already encoded: passed through untouched).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    return app
