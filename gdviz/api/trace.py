"""POST /api/trace: one training point's backprop, layer by layer (docs/models.md)."""

from fastapi import APIRouter

from gdviz.scenarios.trace import TraceRequest, trace_json

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)


@router.post("/trace", summary="One training point's forward and backward pass")
def trace(request: TraceRequest) -> dict:
    """For the point `sample` at the weights `params` (default: run `run`'s start):
    `loss`, `logits`, `probs` (null for an MSE head), `target`, and per layer, first to
    last, `z`, `a`, `delta` = ∂loss/∂z, `grad_W`, `grad_b` (null where the layer has no
    such weights) — from the engine's own backprop; `batch` is step `step`'s mini-batch
    and its gradient, the mean of its points' gradients."""
    return trace_json(request)
