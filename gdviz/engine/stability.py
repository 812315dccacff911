"""Learning-rate stability bounds from the Hessian's curvature.

Near a minimum the loss is a quadratic with Hessian H; along H's stiffest
direction (eigenvalue λ_max, plus any weight decay wd which adds wd·I)
each optimizer is a linear recurrence that is stable only for small enough η:

* plain GD:  θ ← (1 − ηλ)θ is stable iff  η < 2/λ_max
* heavy-ball momentum (torch SGD, momentum μ, dampening τ):
  stable iff  η < 2(1 + μ) / ((1 − τ) λ_max)
* Nesterov (torch's form θ ← θ − η(g + μb)):
  stable iff  η < 2(1 + μ) / ((1 + 2μ) λ_max)

Adaptive optimizers rescale every coordinate by their own running statistics,
so no such fixed bound applies to them (``bound`` returns None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Curvature:
    lam_max: float
    lam_min: float

    @property
    def condition(self) -> float:
        if self.lam_min <= 0:
            return float("inf")
        return self.lam_max / self.lam_min


def curvature(hessian: np.ndarray) -> Curvature:
    """Largest and smallest eigenvalue of a symmetric matrix (inf if not finite)."""
    if not np.isfinite(hessian).all():
        return Curvature(float("inf"), float("inf"))
    eig = np.linalg.eigvalsh(hessian)
    return Curvature(float(eig[-1]), float(eig[0]))


def bound(optimizer_id: str, hyper: dict[str, Any], lam_max: float) -> float | None:
    """The largest stable learning rate for this optimizer at curvature λ_max (None for an
    adaptive optimizer, where the loss curves down (λ_max ≤ 0), and at a kink (λ_max = ∞:
    no η is small enough to settle exactly, only to hop less))."""
    lam = lam_max + float(hyper.get("weight_decay", 0.0))
    if optimizer_id not in ("gd", "momentum", "nesterov") or not 0 < lam < np.inf:
        return None  # adaptive, curving down, or a kink (infinite curvature): no bound
    if optimizer_id == "gd":
        return 2.0 / lam
    mu = float(hyper.get("momentum", 0.0))
    if optimizer_id == "momentum":
        return 2.0 * (1 + mu) / ((1 - float(hyper.get("dampening", 0.0))) * lam)
    return 2.0 * (1 + mu) / ((1 + 2 * mu) * lam)


def bound_formula(optimizer_id: str, hyper: dict[str, Any] | None = None,
                  curvature: str = "λ_max") -> str:
    """The bound as a formula whose symbols give exactly ``bound``'s number; ``curvature``
    names the curvature (``f″`` for a function of one variable)."""
    hyper = hyper or {}
    # (wd: weight decay; λ is curvature)
    lam = f"({curvature} + wd)" if float(hyper.get("weight_decay", 0.0)) > 0 else curvature
    if optimizer_id == "gd":
        return f"2/{lam}"
    if optimizer_id == "momentum":
        if float(hyper.get("dampening", 0.0)) > 0:
            return f"2(1+μ)/((1−τ){lam})"
        return f"2(1+μ)/{lam}"
    if optimizer_id == "nesterov":
        return f"2(1+μ)/((1+2μ){lam})"
    return ""


TIE = 1e-9  # minima whose losses differ by ≤ this × (1 + |loss|) tie


def lowest_minima(losses: np.ndarray) -> np.ndarray:
    """Indices of the minima whose loss ties the lowest (within ``TIE``): Himmelblau's
    four, the six-hump camel's two — never just "the global minimum" then."""
    losses = np.asarray(losses, float)
    if not len(losses):
        return np.zeros(0, int)
    best = float(np.min(losses))
    return np.flatnonzero(losses <= best + TIE * (1 + abs(best)))


def known_minima(objective) -> np.ndarray:
    """The objective's known minima (M, P); empty if it knows none."""
    get = getattr(objective, "minima_array", None)
    return get() if get is not None else np.empty((0, getattr(objective, "dim", 2)))


def curvature_near(objective, point: np.ndarray) -> tuple[np.ndarray | None, Curvature | None]:
    """(the known minimum nearest ``point`` or None, the Hessian's curvature there —
    or at ``point`` itself when no minimum is known; None if not finite, or if the
    objective has no ``hessian``, as a network)."""
    at = nearest_minimum(known_minima(objective), point)
    if getattr(objective, "hessian", None) is None:
        return at, None
    probe = point if at is None else at
    if not np.isfinite(probe).all():
        return at, None
    return at, curvature(objective.hessian(probe[None, :])[0])


@dataclass(frozen=True)
class Report:
    """What a stability panel shows: where, how curved, and the stable lr per optimizer."""

    point: np.ndarray
    is_minimum: bool
    curvature: Curvature
    bounds: dict[str, tuple[float | None, str]]  # optimizer → (largest stable lr, formula)


def report(objective, point: np.ndarray, momentum: float = 0.9, dampening: float = 0.0,
           weight_decay: float = 0.0) -> Report:
    """Curvature at the known minimum nearest ``point`` (or at ``point``) and the bounds
    of plain GD, heavy-ball momentum (μ, dampening τ) and Nesterov (μ), all three with
    weight decay wd — a run's own settings, so its bound is the one it lives by."""
    at, curv = curvature_near(objective, point)
    wd = {"weight_decay": weight_decay}
    hypers = {"gd": wd, "momentum": {"momentum": momentum, "dampening": dampening, **wd},
              "nesterov": {"momentum": momentum, **wd}}
    lam = "f″" if len(point) == 1 else "λ_max"  # a curve's curvature is f″
    bounds = {opt: (bound(opt, hyper, curv.lam_max), bound_formula(opt, hyper, lam))
              for opt, hyper in hypers.items()}
    return Report(point if at is None else at, at is not None, curv, bounds)


def nearest_minimum(minima: np.ndarray, point: np.ndarray) -> np.ndarray | None:
    """The known minimum closest to ``point`` (None if there are none)."""
    if minima.size == 0 or not np.isfinite(point).all():
        return None
    with np.errstate(all="ignore"):
        return minima[np.argmin(np.linalg.norm(minima - point, axis=1))]
