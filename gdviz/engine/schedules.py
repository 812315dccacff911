"""Learning-rate schedules, as ``torch.optim.lr_scheduler`` defines them.

``t`` is the number of updates already taken (the scheduler steps once per
update), ``η₀`` the base learning rate. Vectorised over runs: ``t`` and ``η₀``
are arrays.

* ``constant``       η₀
* ``step``           η₀ · γ^⌊t / step_size⌋                          (StepLR)
* ``exponential``    η₀ · γ^t                                         (ExponentialLR)
* ``cosine``         η_min + (η₀ − η_min)(1 + cos(π·t/T))/2           (CosineAnnealingLR, T = T_max)
* ``warmup_cosine``  η₀ · (t+1)/W for t < W (LinearLR from 1/W over W − 1 steps), then
                     the cosine above with T − W in place of T, counted from t = W
                     (SequentialLR of the two, milestone W)
* ``cosine_hold``    the cosine until t = T, then η_min for good — not a torch
                     scheduler: torch's CosineAnnealingLR rises again past T_max

Past T_max torch's cosine is periodic: it climbs back to η₀ at 2·T_max, falls again
by 3·T_max, and so on. torch's ``get_lr`` computes it recursively (each η from the
last, a ratio of two cosines); that recursion equals the closed form above in exact
arithmetic and differs from it by rounding only (≲ 1e-14 relative over thousands of
steps: tests/engine/test_schedules_transforms.py steps torch's own schedulers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("constant", "step", "exponential", "cosine", "warmup_cosine", "cosine_hold")


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"
    step_size: int = 100
    gamma: float = 0.5
    T_max: int = 500
    eta_min: float = 0.0
    warmup_steps: int = 50

    def lr(self, base: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The learning rate in force for the update after ``t`` updates."""
        t = np.asarray(t, dtype=float)
        if self.kind == "constant":
            return base * np.ones_like(t)
        if self.kind == "step":
            return base * self.gamma ** np.floor(t / self.step_size)
        if self.kind == "exponential":
            return base * self.gamma**t
        if self.kind == "cosine":
            return _cosine(base, self.eta_min, t, self.T_max)
        if self.kind == "cosine_hold":
            return _cosine(base, self.eta_min, np.minimum(t, self.T_max), self.T_max)
        if self.kind == "warmup_cosine":
            w = self.warmup_steps
            span = max(self.T_max - w, 1)
            warm = base * (t + 1) / w
            cool = _cosine(base, self.eta_min, np.maximum(t - w, 0), span)
            return np.where(t < w, warm, cool)
        raise ValueError(f"unknown schedule {self.kind!r}")

    @property
    def decays(self) -> bool:
        """Whether η can fall below its start value (every kind but constant, and a
        step/exponential decay with γ < 1)."""
        if self.kind == "constant":
            return False
        if self.kind in ("step", "exponential"):
            return self.gamma < 1
        return True

    def describe(self) -> str:
        """The schedule in a few words, for reasons (e.g. "a cosine schedule")."""
        return {"step": "a step decay", "exponential": "an exponential decay",
                "cosine": "a cosine schedule", "cosine_hold": "a cosine schedule",
                "warmup_cosine": "a warm-up + cosine schedule"}.get(self.kind, "a constant rate")


def _cosine(base, eta_min, t, T):
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * t / T)) / 2
