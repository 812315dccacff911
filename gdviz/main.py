"""create_app(): the FastAPI application with its routes, static files and limits."""

import contextlib

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from threadpoolctl import threadpool_limits

from gdviz import __version__
from gdviz.api import (catalog, errors, export, expr, landscape, landscape_socket, models, pages,
                     presets, run, stability, stream, trace)
from gdviz.api.gate import RequestGate
from gdviz.api.sockets import TransportHandle
from gdviz.jobs.offload import close_pool
from gdviz.paths import STATIC_DIR
from gdviz.settings import get_settings

DESCRIPTION = """Gradient descent, step by step, on 2D loss surfaces.

`POST /api/run` returns whole trajectories; `WS /ws/run` streams them live and takes
control messages (see docs/protocol.md). Non-finite numbers are sent as `null`."""


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    await close_pool(app)  # stop the job pool's worker processes


def create_app() -> FastAPI:
    # One BLAS thread: the server's processes share the cores, and OpenBLAS's own threads
    # spinning against them made a network's step up to 18× slower on a loaded machine.
    threadpool_limits(1)
    app = FastAPI(title="gdviz", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    errors.install(app)
    for module in (catalog, expr, models, run, landscape, landscape_socket, stability, presets,
                   pages, export, stream, trace):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(RequestGate, max_bytes=get_settings().max_body_bytes)
    app.add_middleware(TransportHandle)  # the last added runs first: it sees uvicorn's send
    return app
