"""Learning-rate schedules, as ``torch.optim.lr_scheduler`` defines them.

``t`` is the number of updates already taken (the scheduler steps once per
update), ``η₀`` the base learning rate. Vectorised over runs: ``t`` and ``η₀``
are arrays.

* ``constant``       η₀
* ``step``           η₀ · γ^⌊t / step_size⌋                          (StepLR)
* ``exponential``    η₀ · γ^t                                         (ExponentialLR)
* ``cosine``         η_min + (η₀ − η_min)(1 + cos(π·min(t, T)/T))/2   (CosineAnnealingLR, T = T_max)
* ``warmup_cosine``  η₀ · (t+1)/W for t < W (linear warm-up, LinearLR from 1/W),
                     then cosine from η₀ to η_min over the next T − W updates
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("constant", "step", "exponential", "cosine", "warmup_cosine")


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
            return _cosine(base, self.eta_min, np.minimum(t, self.T_max), self.T_max)
        if self.kind == "warmup_cosine":
            w = self.warmup_steps
            span = max(self.T_max - w, 1)
            warm = base * (t + 1) / w
            cool = _cosine(base, self.eta_min, np.clip(t - w, 0, span), span)
            return np.where(t < w, warm, cool)
        raise ValueError(f"unknown schedule {self.kind!r}")


def _cosine(base, eta_min, t, T):
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * t / T)) / 2
