"""Does a run near a minimum come to rest in floats? Continue it exactly and see.

Where a double next to a minimum has a gradient of exactly 0 (Booth's (1, 3)), a run that
lands on it never moves again; whether it lands is a question for floats, not for the
linear map (``Batch._stays``). So the run is continued exactly — its optimizer, its state,
η now, every bit as its next steps will be — for up to ``verdicts.LAND_STEPS`` steps:
it *lands* if at some step its update leaves θ unchanged where the gradient it follows is
exactly 0 (momentum, m and the update only decay from then on).

The question is asked again every W steps while a run circles a minimum (Adam around
Rosenbrock's (1, 1) for thousands of steps). The continuation from step k passes through
exactly the states the run itself will have at k + 1, k + 2, …, so it is remembered
(``Continuation``): asked again at s > k, only the steps from where it stopped to
s + LAND_STEPS are taken, after checking bit for bit that the run is where the
continuation says it would be at s (else — a hyperparameter changed, a schedule moves η —
it starts afresh). Asked at every s, the answer is the one a fresh continuation from s
gives: at rest by step s + LAND_STEPS − 1.

One run that steps on floats (a stream's, a ``POST /api/run``'s) is continued on its
floats (``continue_floats``: the optimizer's float kernels, the float step's own, with
the arrays' bits while every number is finite; at the first that is not, on arrays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import verdicts as V

Array = np.ndarray

# a remembered continuation holds at most this many numbers of θ (its trajectory)
MAX_REMEMBERED = 1_000_000


@dataclass
class Continuation:
    """Runs ``runs`` continued exactly: ``path[j]`` is θ at step ``base + j`` (up to
    ``front``, the step whose state — θ, gradient, optimizer state — is held and not yet
    examined); ``rest_at`` the step each came to rest (−1: not yet); ``lost`` rows whose
    continuation left the finite numbers (they never land). ``key``: what else the step
    was made with (the batch's chain of transforms: a clip, a noise), compared with ==."""

    runs: Array
    hyper: dict[str, Array]
    key: Any
    base: int
    path: list[Array]
    state: Any
    g: Array
    rest_at: Array
    lost: Array

    @property
    def front(self) -> int:
        return self.base + len(self.path) - 1

    def matches(self, runs: Array, hyper: dict[str, Array], key: Any, step: int,
                params: Array) -> bool:
        """Whether the runs ``runs`` at ``step`` (θ = ``params``), stepped with ``hyper``
        and ``key``, are on this continuation."""
        if not (np.array_equal(runs, self.runs) and self.base <= step <= self.front
                and key == self.key):
            return False
        if any(not np.array_equal(hyper[k], self.hyper[k]) for k in self.hyper):
            return False
        return bool(np.array_equal(self.path[step - self.base], params))

    def forget_before(self, step: int) -> None:
        """Drop the path before ``step`` (questions come at later steps only)."""
        cut = step - self.base
        if cut > 0:
            del self.path[:cut]
            self.base = step


def continue_exactly(c: Continuation, until: int, update: Callable, gradient: Callable,
                     follows: Callable) -> None:
    """Advance ``c`` until its front is ``until`` or every row has landed or been lost:
    ``update(g, state, θ) -> (u, state)`` the optimizer's step, ``gradient(θ)`` the
    objective's, ``follows(θ, g)`` the gradient the optimizer follows (∇f + λθ …)."""
    p = c.path[-1]
    with np.errstate(all="ignore"):
        while c.front < until and not ((c.rest_at >= 0) | c.lost).all():
            u, state = update(c.g, c.state, p)
            q = p + u
            rest = (q == p).all(1) & ~(np.abs(follows(p, c.g)) > 0).any(1)
            c.rest_at[rest & (c.rest_at < 0)] = c.front
            c.lost |= ~np.isfinite(q).all(1)
            frozen = (c.rest_at >= 0) | c.lost
            p = np.where(frozen[:, None], p, q)
            c.state, c.g = state, gradient(p)
            c.path.append(p)


class NotOnFloats(Exception):
    """A continuation on floats met a number that floats might not give as the arrays do
    (an inf or NaN, a float error): the caller continues on arrays instead."""


def continue_floats(c: Continuation, until: int, update: Callable, gradient: Callable,
                    follows: Callable) -> None:
    """``continue_exactly`` for one run on Python floats — θ, the gradient and the state a
    row of floats, ``update`` the optimizer's float kernels — with the arrays' bits while
    every number stays finite (the float step's own condition, ``Batch._advance_floats``);
    raises ``NotOnFloats`` at the first that is not (where the arrays would call the run
    lost)."""
    p = c.path[-1]
    try:
        with np.errstate(all="ignore"):
            while c.front < until and not (c.rest_at[0] >= 0 or c.lost[0]):
                u, state = update(c.g, c.state, p)
                q = [a + b for a, b in zip(p, u)]
                if not math.isfinite(sum(q)):
                    raise NotOnFloats
                if q == p and not any(abs(d) > 0 for d in follows(p, c.g)):
                    c.rest_at[0] = c.front
                    q = p  # (θ as it was, ±0 included)
                c.state, c.g, p = state, gradient(q), q
                if not math.isfinite(sum(c.g)):
                    raise NotOnFloats
                c.path.append(p)
    except (ArithmeticError, ValueError) as e:
        raise NotOnFloats from e


def lands(memo: Continuation | None, runs: Array, hyper: dict[str, Array], key: Any,
          step: int, params, g, state: Any, update: Callable, gradient: Callable,
          follows: Callable, floats: bool = False) -> tuple[Array, Continuation | None]:
    """Whether each of ``runs`` (at ``step``: θ ``params``, gradient ``g``, optimizer
    ``state``) comes to rest within ``V.LAND_STEPS`` steps; and the continuation to ask
    next time (``memo`` reused when the runs are on it, else a fresh one; None when it
    would hold more than ``MAX_REMEMBERED`` numbers). ``floats``: one run, θ and g lists
    and the state its row (``continue_floats``; it may raise ``NotOnFloats``)."""
    m = len(runs)
    if memo is None or not memo.matches(runs, hyper, key, step, params):
        memo = Continuation(runs.copy(), {k: v.copy() for k, v in hyper.items()}, key,
                            step, [list(params) if floats else params.copy()], state,
                            list(g) if floats else g.copy(),
                            np.full(m, -1, np.int64), np.zeros(m, bool))
    memo.forget_before(step)
    (continue_floats if floats else continue_exactly)(memo, step + V.LAND_STEPS, update,
                                                      gradient, follows)
    out = (memo.rest_at >= 0) & (memo.rest_at < step + V.LAND_STEPS)
    if len(memo.path) * np.size(params) > MAX_REMEMBERED:
        return out, None
    return out, memo
