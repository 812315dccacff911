"""create_app(): the FastAPI application with its routes, static files and limits."""

import contextlib
import gc

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from threadpoolctl import threadpool_limits

from gdviz import __version__
from gdviz.api import (assets, catalog, course, docs, errors, export, expr, landscape,
                       landscape_socket, models, pages, presets, qr, run, schema, stability,
                       stream, trace)
from gdviz.api.caching import ConditionalGet
from gdviz.api.gate import RequestGate
from gdviz.api.headers import SecurityHeaders
from gdviz.api.hosts import AllowedHosts, HostCheck
from gdviz.api.sockets import TransportHandle
from gdviz.jobs.offload import close_pool
from gdviz.jobs.worker import GZIP_LEVEL
from gdviz.settings import get_settings

DESCRIPTION = """Gradient descent, step by step, on 2D loss surfaces.

`POST /api/run` returns whole trajectories; `WS /ws/run` streams them live and takes
control messages (see docs/protocol.md). Non-finite numbers are sent as `null`."""


_frozen = False


def freeze_startup_objects() -> None:
    """Move everything alive once a worker has started (its modules, routes, models:
    ~74,000 objects) out of the cyclic collector's reach, once per process (gc.freeze).

    A full collection scans every tracked object, on the event loop every stream shares.
    In a worker streaming to 150 students (30 s, 12 full collections) they took 1.1–1.8 s
    in all, 89–149 ms each on average; with the startup objects frozen 0.3–0.7 s, 25–57
    ms (bench/README.md). The collection before the freeze frees startup's own garbage;
    what is frozen is only what stays for the worker's life anyway. Once per process: a
    test process starts many apps, and freezing each one would keep every earlier app's
    cycles forever."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    freeze_startup_objects()
    yield
    await close_pool(app)  # stop the job pool's worker processes


def create_app() -> FastAPI:
    # One BLAS thread: the server's processes share the cores, and OpenBLAS's own threads
    # spinning against them made a network's step up to 18× slower on a loaded machine.
    threadpool_limits(1)
    # /docs and /redoc come from gdviz/api/docs.py (offline, under a CSP), not FastAPI's
    app = FastAPI(title="gdviz", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    errors.install(app)
    for module in (catalog, expr, models, schema, run, landscape, landscape_socket, stability,
                   presets, pages, course, export, stream, trace, docs, qr, assets):
        app.include_router(module.router)
    settings = get_settings()
    # the last added runs first: the transport's handle outermost (it must see uvicorn's
    # own send), then GZip (HTML and JSON compressed when asked; static/ is compressed
    # once and cached by gdviz.api.assets, passed through untouched), then headers on
    # every answer, then the Host, then ETags, then the request gate (the body's size and
    # nesting, expressions built in a worker) right before the routes
    app.add_middleware(RequestGate, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConditionalGet)  # pages and catalogs: ETag, a 304 on a second visit
    app.add_middleware(HostCheck, allowed=AllowedHosts.from_setting(settings.allowed_hosts))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=GZIP_LEVEL)
    app.add_middleware(TransportHandle)
    return app
