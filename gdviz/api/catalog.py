"""GET /api/surfaces, /api/surfaces/{id}/grid and /api/optimizers."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.surfaces import SURFACES
from gdviz.jobs import memory
from gdviz.jobs.offload import QUICK
from gdviz.scenarios.kinds import surface_info
from gdviz.scenarios.models import unknown_surface
from gdviz.settings import get_settings

from .json import StrictJSONResponse
from .offloaded import BUSY_RESPONSES, cached_json

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)


@router.get("/surfaces", summary="The named 2D loss surfaces")
def list_surfaces() -> list[dict]:
    """Each surface's id, name, formula, default domain, known minima (global first),
    a good start point and plain-GD learning rate, and whether contours read better on
    a log scale."""
    return [surface_info(s) for s in SURFACES.values()]


@router.get("/surfaces/{surface_id}/grid", summary="f(x, y) on an n×n grid, for contours",
            responses=BUSY_RESPONSES)
async def surface_grid(surface_id: str, request: Request,
                       n: Annotated[int, Query(ge=2, description="points per axis")] = 120,
                       digits: Annotated[int | None, Query(
                           ge=4, le=17, description="round each number to this many "
                           "significant digits (a smaller reply); leave out for exact "
                           "values")] = None) -> dict:
    """`z[i][j]` is f(x[j], y[i]); non-finite values are null (drawn as gaps). The page
    asks for `digits=9`: an error below 10⁻⁸ of each value, far finer than a contour or
    its 3-digit hover shows, in a reply 40 % smaller. Each grid is computed once and then
    answered from memory (a class opening one link asks for one computation)."""
    limit = get_settings().max_grid
    if n > limit:
        raise HTTPException(422, f"n: must be at most {limit} points per axis (got {n})")
    if surface_id not in SURFACES:
        raise HTTPException(404, f"surface: {unknown_surface(surface_id)}")
    return await cached_json(request, QUICK, "surface_grid", (surface_id, n, digits),
                             memory.grid(n))


@router.get("/optimizers", summary="The optimizers and their hyperparameters")
def list_optimizers() -> list[dict]:
    """torch.optim's names and defaults; `min`/`max` are the accepted range; `short` is
    the name in a run's label."""
    return [{"id": o.id, "name": o.name, "short": o.short, "rule": o.rule,
             "params": {k: {"default": list(p.default) if isinstance(p.default, tuple)
                            else p.default, "min": p.min, "max": p.max, "doc": p.doc}
                        for k, p in o.params.items()}}
            for o in OPTIMIZERS.values()]
