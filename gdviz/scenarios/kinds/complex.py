"""``complex_linreg``: one complex weight w = a + ib fitted to complex data, ŷ = w·x, loss
mean |ŷ − y|². Its loss over (Re w, Im w) is a plane like a surface's — contour, 3D and
paths — and a run may step with torch's gradient (``conjugate``, the default) or with the
hand-derived mistake that drops the conjugate (``rK.grad_rule=no_conjugate``), so a race
shows one walking straight down and the other spiralling (engine/nets/complex_linreg.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gdviz.engine.nets.complex_linreg import RULE_FORMULAS, RULES, make_complex_linreg
from gdviz.engine.surfaces import grid

from ..jsonsafe import grid_json, vec
from .kind import Capabilities, ObjectiveKind, Page, Readout
from .spec import DataSeed, Points, Spec, box, build_cached, fmt3, norms_fields


class ComplexLinregSpec(Spec):
    """One complex weight w: ŷ = w·x, L = mean |ŷ − y|², on complex data x = r·e^(iθ),
    y = (1 + i)·x + noise."""

    kind: Literal["complex_linreg"] = "complex_linreg"
    n: Points = 100
    noise: float = Field(0.1, ge=0, le=10, allow_inf_nan=False,
                         description="E|ε|² = noise²: complex Gaussian noise on the targets")
    phase: float = Field(40.0, ge=-180, le=180, allow_inf_nan=False,
                         description="centre of the inputs' phases θ, degrees")
    spread: float = Field(30.0, ge=0, le=180, allow_inf_nan=False,
                          description="θ ~ U(phase ± spread), degrees (180: any phase)")
    seed: DataSeed = 0


def _make(spec: ComplexLinregSpec):
    return make_complex_linreg(n=spec.n, noise=spec.noise, phase=spec.phase,
                               spread=spec.spread, seed=spec.seed)


def _build(source):
    return build_cached(source.model, _make)


def _describe(source, grid_n: int) -> dict:
    """The loss over (Re w, Im w) described like a surface, the two gradient rules'
    formulas, H = mean |x|², c = mean(x²), where the mistaken rule is 0 (w̃), and the data
    as [Re, Im] pairs."""
    spec, model = source.model, _build(source)
    d = model.data
    wt = model.w_tilde
    return {"kind": spec.kind, "name": model.name, "formula": model.formula, "dim": 2,
            "model_formula": model.model_formula, "grad_formula": model.grad_formula,
            "about": model.data_formula, "rules": RULE_FORMULAS,
            "domain": box(model.domain), "minima": [list(m) for m in model.minima],
            "start": list(model.start), "lr": model.lr, "contour_scale": model.contour_scale,
            "grid": grid_json(*grid(model, grid_n)),
            "h": d.h, "c": [d.c.real, d.c.imag],
            "w_tilde": None if wt is None else [wt.real, wt.imag],
            "summary": f"{spec.n} points, phase {fmt3(spec.phase)}° ± {fmt3(spec.spread)}°",
            "detail": model.data_formula,
            "data": {"x": [[float(v.real), float(v.imag)] for v in d.x],
                     "y": [[float(v.real), float(v.imag)] for v in d.y]}}


def _fields(objective, steps, params, grads, updates) -> list[dict]:
    """``loss_grad`` = ∇L (torch's gradient) and ``grad_norm`` = ‖∇L‖ — for a run on the
    mistaken rule they differ from its ``grad``, the vector its step followed — and
    ``rel_update``."""
    true = objective.loss_gradient(params)
    out = norms_fields(params, true, updates)
    for row, g in zip(out, true):
        row["loss_grad"] = vec(g)
    return out


COMPLEX = ObjectiveKind(
    id="complex_linreg", title="A complex weight (ŷ = w·x)", named_by="model",
    spec=ComplexLinregSpec,
    capabilities=Capabilities(weights="plane", diagnosis=True, task="regression",
                              grad_rules=RULES),
    page=Page(main="contour", tabs=("why", "3d"), curves=("loss", "grad", "lr"),
              axes=("Re w", "Im w", "L"), tag="complex",
              note="Stability and sweeps assume torch's gradient; a run on the mistaken "
                   "rule says what it does in its reason.",
              readouts=(Readout("L", "loss"), Readout("‖∇L‖", "grad_norm",
                                                      title="the norm of torch's gradient ∇L "
                                                            "(a run on the mistaken rule steps "
                                                            "along another vector)"),
                        Readout("Re w", "params.0"), Readout("Im w", "params.1")),
              options=(("phase", "inputs' phase θ°"), ("spread", "phase spread ±°"),
                       ("noise", "noise"), ("n", "points"))),
    build=_build, describe=_describe, frame_fields=_fields)
