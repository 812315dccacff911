"""A frame's ``opt``: the next update written out term by term (docs/protocol.md).

For the page's step arithmetic ("θ − η·g = …", momentum's buffer, Adam's m, v and bias
corrections): the gradient the optimizer sees (``g``: after gradient noise and clipping,
before weight decay) and the optimizer's state before and after the update, under
torch's names — ``step`` (updates taken), ``momentum_buffer`` (+ ``has_buffer``: torch
creates the buffer on the first step with μ ≠ 0), ``sum`` (Adagrad), ``square_avg``
(RMSprop), ``exp_avg``/``exp_avg_sq`` (Adam, AdamW). All from ``Batch.step_terms``: the
very proposal the run commits, so ``params + update`` is the next frame's params.
"""

from __future__ import annotations

from gdviz.engine.runs import StepTerms

from .jsonsafe import vec


def _state_json(state: dict) -> dict:
    return {k: (v if isinstance(v, (bool, int)) else vec(v)
                if isinstance(v, list) or hasattr(v, "shape") else v)
            for k, v in state.items()}


def terms_json(terms: StepTerms) -> dict:
    """``{"g": [...], "before": {...}, "after": {...}}`` (non-finite numbers null): of
    arrays, or of a float run's lists (``Batch.step_terms(floats=True)``), alike."""
    return {"g": vec(terms.g), "before": _state_json(terms.before),
            "after": _state_json(terms.after)}
