"""POST /api/trace: one training point's backprop, layer by layer (docs/models.md),
computed in the job pool (a CNN's pass over its data is a step's work)."""

from fastapi import APIRouter, Request

from gdviz.jobs import memory
from gdviz.jobs.offload import QUICK
from gdviz.scenarios.trace import TraceRequest

from .json import StrictJSONResponse
from .offloaded import BUSY_RESPONSES, computed_json

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)


@router.post("/trace", summary="One training point's forward and backward pass",
             responses=BUSY_RESPONSES)
async def trace(request: TraceRequest, http: Request) -> dict:
    """For the point `sample` at the weights `params` (default: run `run`'s start):
    `loss`, `logits`, `probs` (null for an MSE head), `target`, and per layer, first to
    last, `z`, `a`, `delta` = ∂loss/∂z, `grad_W`, `grad_b` (null where the layer has no
    such weights) — from the engine's own backprop; `batch` is step `step`'s mini-batch
    and its gradient, the mean of its points' gradients."""
    return await computed_json(http, QUICK, "trace", request, memory.trace(request.scenario))
