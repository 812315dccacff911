"""Gradient transforms applied before the optimizer (optax's chain idea).

* ``clip_by_norm``: torch.nn.utils.clip_grad_norm_ — g ← g · min(1, c / (‖g‖ + 1e-6)),
  per run.
* ``GradientNoise``: g ← g + σ·ξ, ξ ~ N(0, I) from a seeded generator, to mimic the
  noise of a stochastic (mini-batch) gradient on an analytic surface. The draw for
  each step is made once, so recomputing a proposal (after a hyperparameter
  change) reuses the same noise and runs stay reproducible from their seed.
"""

from __future__ import annotations

import numpy as np


def clip_by_norm(grads: np.ndarray, max_norm: np.ndarray | float) -> np.ndarray:
    norm = np.linalg.norm(grads, axis=-1, keepdims=True)
    return grads * np.minimum(1.0, max_norm / (norm + 1e-6))


class GradientNoise:
    def __init__(self, sigma: np.ndarray | float, seed: int, shape: tuple[int, int]):
        self.sigma = sigma
        self.rng = np.random.default_rng(seed)
        self.shape = shape
        self.current = self.rng.standard_normal(shape)

    def apply(self, grads: np.ndarray) -> np.ndarray:
        return grads + self.sigma * self.current

    def next(self) -> None:
        """Draw the noise for the next step."""
        self.current = self.rng.standard_normal(self.shape)
