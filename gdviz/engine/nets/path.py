"""A bounded record of one run's weights along its path, for the PCA landscape plane.

A stream may run 10,000 steps of a network with thousands of weights; keeping
every point would cost hundreds of MB per socket. ``ThinPath`` keeps every
``stride``-th step and, when it holds ``2·capacity`` points, drops every other
one and doubles the stride — so it always holds between ``capacity`` and
``2·capacity`` points spread evenly over the whole path, plus the newest.
Memory: at most (2·capacity + 1) × P floats.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class ThinPath:
    def __init__(self, capacity: int = 100):
        self.capacity = int(capacity)
        self.stride = 1
        self.steps: list[int] = []
        self.points: list[Array] = []
        self.newest: tuple[int, Array] | None = None

    def add(self, step: int, params: Array) -> None:
        """Record the weights after ``step`` updates (steps must arrive in order)."""
        params = np.array(params, dtype=float)
        self.newest = (int(step), params)
        if step % self.stride:
            return
        self.steps.append(int(step))
        self.points.append(params)
        if len(self.points) >= 2 * self.capacity:
            self.steps, self.points = self.steps[::2], self.points[::2]
            self.stride *= 2

    def path(self) -> tuple[Array, Array]:
        """(steps (S,), points (S, P)): the kept points, the newest last."""
        steps, points = list(self.steps), list(self.points)
        if self.newest is not None and (not steps or steps[-1] != self.newest[0]):
            steps.append(self.newest[0])
            points.append(self.newest[1])
        return np.array(steps, dtype=int), np.array(points)
