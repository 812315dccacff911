"""How a run ends: the one rule set behind every status (docs/status.md).

Each rule is a function written once and evaluated two ways — on NumPy arrays,
one entry per run of a batch, and on plain Python floats for the single run a
stream advances (where a NumPy call on a length-1 array costs more than the
arithmetic). ``Ops`` supplies the few operations the rules use in each form
(``ARRAYS``, ``FLOATS``); both do the same IEEE operations in the same order, so
one run gets the same verdict either way, bit for bit.

Every test is *scale-free*: it compares losses only with other loss differences of
the same run (its trend with its own spread, its rise with its first gradient ×
a length), and everything else in parameter space (step lengths, distances, the
Newton distance ‖H⁻¹∇‖), so f → a·f + b (a > 0) never changes a verdict.

Statuses (``Status``; the int values are the wire format of old clients):

* ``diverged``    — a loss, weight or gradient is not finite; or the loss rose (or
  fell) by more than ``explode`` × ‖d₀‖(1 + ‖θ₀‖) from its start (d₀ the first
  gradient the optimizer follows: the first-order size of a loss change over the
  run's own length scale); or the weights ran more than ``runaway`` × (1 + ‖θ₀‖)
  away from the start.
* ``converged``   — at a minimum: the run's last step is short (≤ ``settle`` ×
  (1 + ‖θ‖)), the stationary point of what the optimizer follows (∇f + λθ for
  coupled weight decay; AdamW's own fixed point for decoupled) is within ``xtol`` ×
  (1 + ‖θ‖) by Newton's step (with the exact Hessian; without one, a network, the
  secant curvature along the last step) and a second Newton step confirms it,
  and the curvature there says minimum (no eigenvalue below −``negative`` ×
  max|λ|) — or the run is within ``xtol`` of a known minimum (a kink: no
  curvature to read); and it would stay there: the optimizer is stable at that
  minimum for ``HORIZON`` more steps (RMSprop and Adam, whose step is divided by
  a fading memory of the gradient's size, are thrown back out of an exact
  minimum once that memory has faded: ``Batch._stays``).
* ``stalled``     — stopped somewhere that is not a minimum (``Stall``): at a
  saddle point (stationary, a direction curving down; a maximum too); on a
  plateau (every step of the last 2W below ``crawl`` × (1 + ‖θ‖), no minimum
  ahead — by Newton's iteration, or for a network by the secant along its last
  step — and η not cut by a schedule); or, with no curvature to read (a network),
  never having left the start.
* ``oscillating`` — over the last 2W steps the loss has no trend (|mean of the
  newer W − mean of the older W| ≤ ``stuck`` × its max − min; the loss traced from
  the gradient, Σ ½(d_{k−1} + d_k)·Δθ_k, which a constant added to f cannot blur
  in floats), the path goes back
  and forth (net displacement < half the path), and the steps neither shrink
  (newer W < ``shrink`` × older) nor grow (> ``grow`` ×); and no schedule will
  halve η before the budget ends. Not for noisy runs, judged at the end.
* ``noise_floor`` — a noisy run (gradient noise, or a network's mini-batches) at the
  end of its budget whose loss has had no trend over the last ``blocks`` × W steps
  (the same stuck test, on the longer window) while it hovers in a minimum's basin.
* ``max_steps``   — the budget ran out first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from functools import reduce
from operator import add

import numpy as np

Array = np.ndarray


class Status(IntEnum):
    RUNNING = 0
    CONVERGED = 1
    OSCILLATING = 2
    DIVERGED = 3
    MAX_STEPS = 4
    STALLED = 5
    NOISE_FLOOR = 6

    @property
    def label(self) -> str:
        return self.name.lower()


class Stall(IntEnum):
    """Where a ``stalled`` run stopped (0 for every other status)."""

    NONE = 0
    SADDLE = 1   # a stationary point that is not a minimum: a saddle, or a maximum
    PLATEAU = 2  # flat: tiny steps and no minimum ahead
    START = 3    # never left the start, and no curvature to say more (a network)

    @property
    def label(self) -> str | None:
        return None if self is Stall.NONE else self.name.lower()


@dataclass(frozen=True)
class Tolerances:
    window: int = 20       # W: the oscillation and crawl tests read the last 2W steps
    xtol: float = 1e-6     # converged / saddle: Newton distance ≤ xtol × (1 + ‖θ‖)
    settle: float = 1e-5   # … and the last step ≤ settle × (1 + ‖θ‖): near and slow
    crawl: float = 1e-6    # stalled: every step of the last 2W ≤ crawl × (1 + ‖θ‖)
    stuck: float = 0.1     # the loss has no trend: |trend| ≤ stuck × (max − min)
    shrink: float = 0.5    # converging: the newer W steps add up to < shrink × the older
    grow: float = 2.0      # diverging: the newer W steps add up to > grow × the older
    explode: float = 1e6   # diverged: the loss moved > explode × ‖d₀‖(1 + ‖θ₀‖)
    runaway: float = 1e6   # diverged: ‖θ − θ₀‖ > runaway × (1 + ‖θ₀‖)
    negative: float = 1e-6  # an eigenvalue < −negative × max|λ| curves down
    blocks: int = 8        # noise floor: the last blocks × W steps (at the end)


HORIZON = 10_000   # a converged run stays put at least this many more steps (the largest budget)
# the horizon cut in 64 slices: their 65 ends, 0 … HORIZON (``steps_to_leave``)
SLICE_ENDS = np.linspace(0.0, float(HORIZON), 65)
SLICE_ENDS.flags.writeable = False
LAND_STEPS = 512   # steps a run near a minimum is continued to see it come to rest in floats
CONFIRM = 0.9      # a second Newton step must be < CONFIRM × the first: a real nearby point
HEADING_STEPS = 20  # Newton steps that look for a minimum ahead of a crawling run
FLOOR_RATIO = 1e-12  # eigenvalues below this × max|λ| count as 0 in a Newton step


# --- the operations the rules use, on floats and on arrays ---------------------------------

def _fmax(a: float, b: float) -> float:
    """max that returns NaN when either is NaN, as np.maximum does."""
    return a if (a >= b or a != a) else b


def _fmin(a: float, b: float) -> float:
    return a if (a <= b or a != a) else b


class Ops:
    """``where``, ``maximum``, ``minimum``, ``sqrt``, ``fold`` (left sums in a fixed order)
    and ``norm`` (max-scaled, so 1e-200 and 1e200 neither underflow nor overflow);
    ``only_where`` and ``pick`` evaluate a rule on just the runs that need it."""

    def __init__(self, where, maximum, minimum, sqrt, isfinite, absolute, logical_not, hypot):
        self.where, self.maximum, self.minimum = where, maximum, minimum
        self.sqrt, self.isfinite, self.abs, self.not_ = sqrt, isfinite, absolute, logical_not
        self.hypot = hypot

    def fold(self, rows, op=None):
        """rows[0] op rows[1] op …, left to right (``+`` when op is None)."""
        total = rows[0]
        for r in rows[1:]:
            total = total + r if op is None else op(total, r)
        return total

    def only_where(self, mask, rule):
        """``rule(sub)`` where ``mask`` holds, False elsewhere: ``sub`` the indices of the
        runs it is evaluated on (None: all). A rule is elementwise over runs, so each
        run gets what it would get evaluated with all of them; the fewer need it, the
        less is computed (over half: all are, then masked)."""
        n = np.count_nonzero(mask)
        if n == 0:
            return np.zeros(np.shape(mask), bool)
        if 2 * n > mask.size:
            return mask & np.asarray(rule(None), bool)
        sub = np.flatnonzero(mask)
        out = np.zeros(mask.shape, bool)
        out[sub] = rule(sub)
        return out

    @staticmethod
    def pick(a, sub):
        """``a`` for the runs ``sub`` (None: all)."""
        return a if sub is None else a[sub]

    def norm(self, columns):
        """‖v‖₂ of a vector given as its columns (floats, or arrays of runs): the largest
        |entry| m, then m·√Σ(vᵢ/m)²; 0 for a zero vector, inf if any entry is inf."""
        m = self.fold([self.abs(c) for c in columns], self.maximum)
        safe = self.where(m > 0, m, 1.0)
        safe = self.where(m == math.inf, 1.0, safe)
        total = self.fold([q * q for q in [c / safe for c in columns]])
        return self.where(m == math.inf, math.inf, m * self.sqrt(total))


class FloatOps(Ops):
    """``Ops`` on one run's floats, with the same results bit for bit, faster: a sum is
    ``reduce(add)`` (the same left sum, in C), and when that sum is not NaN no row is
    NaN, so ``max``/``min`` give what folding ``_fmax``/``_fmin`` gives (both keep the
    earlier of equal rows); with a NaN the generic fold decides."""

    def fold(self, rows, op=None):
        if op is None:
            return reduce(add, rows)
        if op is _fmax or op is _fmin:
            total = reduce(add, rows)
            if total == total:
                return max(rows) if op is _fmax else min(rows)
        return Ops.fold(self, rows, op)

    def only_where(self, mask, rule):
        """One run: ``rule(None)`` if ``mask``, else False (the rule is not evaluated)."""
        return bool(rule(None)) if mask else False

    @staticmethod
    def pick(a, sub):
        return a

    def norm(self, columns):
        if len(columns) == 2:  # a surface's run: the same steps written out
            x, y = columns
            a, b = abs(x), abs(y)
            if a + b == a + b:  # no NaN
                m = b if b > a else a  # max() of [a, b]: the first of equals
                if m == math.inf:
                    return math.inf
                safe = m if m > 0 else 1.0
                x, y = x / safe, y / safe
                return m * math.sqrt(x * x + y * y)
        a = list(map(abs, columns))
        total = reduce(add, a)
        if total != total:  # a NaN (|entries| ≥ 0, so no inf − inf)
            return Ops.norm(self, columns)
        m = max(a)
        if m == math.inf:
            return math.inf
        safe = m if m > 0 else 1.0
        return m * math.sqrt(reduce(add, [q * q for q in [c / safe for c in columns]]))


FLOATS = FloatOps(lambda c, a, b: a if c else b, _fmax, _fmin, math.sqrt, math.isfinite, abs,
                  lambda c: not c, math.hypot)
ARRAYS = Ops(np.where, np.maximum, np.minimum, np.sqrt, np.isfinite, np.abs, np.logical_not,
             np.hypot)


def rows_finite(a: Array) -> Array:
    """Whether every entry of each row of a (R, P) array is finite (column by column
    for small P, where ``isfinite(a).all(1)`` is ~15× slower)."""
    if a.shape[1] > 7:
        return np.isfinite(a).all(1)
    ok = np.isfinite(a[:, 0])
    for j in range(1, a.shape[1]):
        ok &= np.isfinite(a[:, j])
    return ok


def norms(a: Array) -> Array:
    """``ARRAYS.norm`` of each row of a (R, P) array (columns folded in order for P ≤ 7;
    NumPy's own reductions, still max-scaled, for a network's many weights)."""
    if a.shape[1] <= 7:
        if a.shape[0] == 1 and a.dtype == np.float64:  # one run: the same bits on floats
            return np.array([FLOATS.norm(a[0].tolist())])
        return ARRAYS.norm([a[:, j] for j in range(a.shape[1])])
    if a.flags.c_contiguous:  # rows of a network's weights: the same in fewer calls
        n = _row_norm(a[0]) if a.shape[0] == 1 else _scaled_rows(a)
        if n is not None:
            return np.array([n]) if a.shape[0] == 1 else n
    with np.errstate(all="ignore"):
        m = np.abs(a).max(axis=1)
        safe = np.where((m > 0) & (m < np.inf), m, 1.0)
        out = m * np.sqrt(np.square(a / safe[:, None]).sum(axis=1))
        return np.where(m == np.inf, np.inf, out)


def _scaled_rows(a: Array) -> Array | None:
    """``norms`` of a contiguous (R, P) array, bit for bit, where every row's largest
    |entry| m is finite and not 0 (else None: ``norms``' general form decides, as NaN,
    inf and all-zero rows need its guards). The same operations on the same numbers —
    the max (exact in any order), a / m, its square, the pairwise sum along each
    contiguous row, m·√ — without the guards' five calls."""
    m = np.abs(a).max(axis=1)
    if not all(0.0 < v < math.inf for v in m.tolist()):
        return None
    t = a / m[:, None]
    np.multiply(t, t, out=t)
    s = t.sum(axis=1)
    np.sqrt(s, out=s)
    s *= m
    return s


def _row_norm(v: Array) -> float | None:
    """``_scaled_rows`` of one contiguous row, on floats where they are cheaper: the max,
    ``square(v / m).sum()`` of a 1-d array — the pairwise sum ``sum(axis=1)`` takes along
    each contiguous row —, ``math.sqrt`` (IEEE's, as ``np.sqrt``); None where m is 0 or
    not finite."""
    m = float(np.abs(v).max())
    if not 0.0 < m < math.inf:
        return None
    t = v / m
    np.multiply(t, t, out=t)
    return m * math.sqrt(float(t.sum()))


# --- the rules ----------------------------------------------------------------------------

def diverged(finite, rise, start_scale, away, length0, tol: Tolerances):
    """Not finite; the loss moved more than ``explode`` × its start's first-order scale
    ‖d₀‖(1 + ‖θ₀‖) (``start_scale``; 0 — a stationary start — turns the test off); or
    the weights ran ``runaway`` × (1 + ‖θ₀‖) away."""
    bound = tol.explode * start_scale
    moved = (start_scale > 0) & ((rise > bound) | (-rise > bound))
    return (finite == False) | moved | (away > tol.runaway * length0)  # noqa: E712


def settled(step_len, length, tol: Tolerances):
    """The last step is short enough for a converged (or saddle-stalled) run."""
    return step_len <= tol.settle * length


def crawling(longest_step, length, tol: Tolerances):
    """Every step of the window is shorter than ``crawl`` × (1 + ‖θ‖): at this pace the run
    would not move 1 % of its size in 10,000 steps (the largest budget)."""
    return longest_step <= tol.crawl * length


def no_trend(older_sum, newer_sum, lo, hi, n_half, tol: Tolerances, ops: Ops):
    """The loss goes nowhere: the means of the older and newer halves of a window differ
    by at most ``stuck`` × the window's max − min (a loss falling at any geometric rate
    has |trend| near ½ of its spread, however slow; a constant or bouncing one, far less)."""
    trend = (newer_sum - older_sum) / n_half
    return ops.abs(trend) <= tol.stuck * (hi - lo)


def bouncing(older_steps, newer_steps, path, displacement, tol: Tolerances):
    """The path goes back and forth with steps that neither shrink nor grow."""
    return ((path > 0) & (displacement < 0.5 * path)
            & (newer_steps >= tol.shrink * older_steps)
            & (newer_steps <= tol.grow * older_steps))


# bouncing needs displacement < ½ path (a path: the sum of the last 2W − 1 step lengths,
# at most the whole window's), and the newer W steps between ½ and 2 × the older W. Any
# order of adding n numbers ≥ 0 is within n ulps of their exact sum, so sums taken in any
# order with a relative MARGIN (and a HAIR for subnormals) rule a run out only where every
# order would (sums ≥ LARGE, where overflow could differ by order, rule nothing out)
MARGIN, HAIR, LARGE = 1e-7, 1e-300, 1e300


def might_bounce(older, newer, displacement, tol: Tolerances):
    """False only where ``bouncing`` is surely False, from the sums of a window's older and
    newer W step lengths taken in any order (NumPy's own) and its net displacement: the
    displacement is over half the path, or the newer half's steps are under ½ or over 2 ×
    the older's (``tol.shrink``, ``tol.grow``). A cheap bound before the exact test."""
    up, down = 1 + MARGIN, 1 - MARGIN
    shrinks = newer * up + HAIR < tol.shrink * older * down
    grows = newer * down - HAIR > tol.grow * older * up + HAIR
    far = displacement > 0.5 * (older + newer) * up + HAIR
    sure = (older < LARGE) & (newer < LARGE) & (shrinks | grows | far)
    return ~sure


# --- reading the curvature: Newton with the exact Hessian, or the secant ------------------

@dataclass
class Point:
    """What the curvature says about m candidate runs (arrays of m)."""

    newton: Array      # distance to the stationary point by Newton's step
    stationary: Array  # newton ≤ xtol·(1 + ‖θ‖), confirmed by a second step
    minimum: Array     # the curvature there says minimum (or a known minimum is here)
    flat: Array        # no curvature at all (H = 0) and no gradient


def newton_distance(h: Array, d: Array) -> tuple[Array, Array, Array]:
    """(‖H⁻¹d‖, λ (m, P) ascending, the Newton step −H⁻¹d (m, P)) for each of m runs.

    H and d are scaled by their largest entry first (H⁻¹d is unchanged), so a plateau's
    1e-194 neither underflows nor divides by 0; eigenvalues below ``FLOOR_RATIO`` ×
    max|λ| count as that floor, so a gradient along a flat direction gives a huge
    (not a NaN) distance. H = 0 with d = 0 is distance 0; H = 0 with d ≠ 0, inf."""
    with np.errstate(all="ignore"):
        s = np.maximum(np.abs(h).reshape(len(h), -1).max(1), np.abs(d).max(1))
        s = np.where((s > 0) & np.isfinite(s), s, 1.0)
        lam, vec = np.linalg.eigh(h / s[:, None, None])
        top = np.abs(lam).max(1)
        floor = np.maximum(np.abs(lam), (FLOOR_RATIO * top)[:, None])
        coef = np.einsum("mpq,mp->mq", vec, d / s[:, None]) / floor
        step = -np.einsum("mpq,mq->mp", vec, coef)
        dist = norms(coef)
        zero_d = ~(np.abs(d) > 0).any(1)
        dist = np.where(top > 0, dist, np.where(zero_d, 0.0, np.inf))
        step = np.where((top > 0)[:, None], step, 0.0)
    return dist, lam * s[:, None], step


def minimum_type(lam: Array, tol: Tolerances) -> Array:
    """No eigenvalue below −``negative`` × max|λ|: a minimum (or a flat valley floor)."""
    top = np.abs(lam).max(1)
    return lam.min(1) >= -tol.negative * top


def near_known(points: Array, minima: Array, tol: Tolerances) -> Array:
    """Within ``xtol`` × (1 + ‖m‖) of a known minimum m."""
    if minima.size == 0:
        return np.zeros(len(points), bool)
    with np.errstate(all="ignore"):
        d = np.linalg.norm(points[:, None, :] - minima[None], axis=2)
        return (d <= tol.xtol * (1 + np.linalg.norm(minima, axis=1))[None]).any(1)


def distance_to_known(points: Array, minima: Array) -> Array:
    """The distance from each point to its nearest known minimum (inf if none known)."""
    if minima.size == 0:
        return np.full(len(points), np.inf)
    with np.errstate(all="ignore"):
        return np.linalg.norm(points[:, None, :] - minima[None], axis=2).min(1)


def surely_not_stationary(ops, hessian, d, theta, minima_bounds, tol: Tolerances):
    """Whether a point with 1 or 2 weights is, with a wide margin, neither stationary nor at
    a known minimum — so the verdict near a minimum (Newton's step with LAPACK's ``eigh``,
    ``newton_distance``) could not end a run there. In ``ops`` (one run's floats, or arrays
    of runs); a cheap pre-test, never a verdict: False sends the run to the full test.

    ``hessian`` is (a, b, c) = (H₀₀, H₁₀, H₁₁) (``eigh`` reads the lower triangle; one
    weight: (a, 0, a)), ``d`` the gradient followed and ``theta`` the weights, as columns
    (one weight: (x, 0)); ``minima_bounds`` pairs each known minimum m with 2·xtol·(1 +
    ‖m‖). True only where everything is finite; H is well conditioned (|λ|min ≥ 1e-8
    |λ|max, so no eigenvalue is near ``FLOOR_RATIO`` and H⁻¹d in closed form agrees with
    ``newton_distance`` to ~1e-8); ‖H⁻¹d‖ is over twice xtol·(1 + ‖θ‖); and θ is over
    twice xtol from every known minimum. (``hypot``, not the rules' ``norm``: with these
    margins the last ulp cannot matter.)"""
    a, b, c = hessian
    (d0, d1), (x0, x1) = d, theta
    finite = ops.isfinite(a)
    for v in (b, c, d0, d1, x0, x1):
        finite = finite & ops.isfinite(v)
    low, top = _eigen_sizes(ops, a, b, c)
    det = a * c - b * b
    safe = ops.where(det != 0, det, 1.0)
    newton = ops.hypot((c * d0 - b * d1) / safe, (a * d1 - b * d0) / safe)
    far = (finite & (det != 0) & (top > 0) & (low >= 1e-8 * top)
           & (newton > 2 * tol.xtol * (1 + ops.hypot(x0, x1))))
    for (m0, m1), bound in minima_bounds:
        far = far & (ops.hypot(x0 - m0, x1 - m1) > bound)
    return far


def _eigen_sizes(ops, a, b, c):
    """(min |λ|, max |λ|) of the symmetric 2 × 2 [[a, b], [b, c]], in closed form."""
    half, rad = (a + c) / 2, ops.sqrt((a - c) * (a - c) / 4 + b * b)
    lo, hi = ops.abs(half - rad), ops.abs(half + rad)
    return ops.minimum(lo, hi), ops.maximum(lo, hi)


def surely_positive_definite(ops, hessian):
    """Whether the symmetric 2 × 2 ``hessian`` (a, b, c) (one weight: (a, 0, a)) is finite and
    positive definite with a wide margin (λmin ≥ 1e-8 λmax > 0), in ``ops``: LAPACK's
    ``eigh`` then finds it a minimum (``minimum_type``), neither a saddle nor flat."""
    a, b, c = hessian
    low, top = _eigen_sizes(ops, a, b, c)
    return (ops.isfinite(a) & ops.isfinite(b) & ops.isfinite(c) & (a > 0)
            & (a * c - b * b > 0) & (top > 0) & (low >= 1e-8 * top))


# --- staying at a minimum: the optimizer's linear map there ------------------------------

def spectral_radius(kind: str, a: Array, mu: Array) -> Array:
    """ρ of one optimizer's linear map along a direction of gain × curvature a (m, P):
    how much a small deviation from the minimum grows (> 1) or shrinks each step.

    * ``plain``    x ← (1 − a)x (GD, Adagrad, RMSprop without momentum): |1 − a|
    * ``heavy``    heavy-ball with momentum μ (SGD momentum with τ = 0, RMSprop's μ, and
                   Adam's averaged m: μ = β₁ with dampening (1 − β₁), folded into a):
                   the larger root of z² − (1 + μ − a)z + μ
    * ``nesterov`` z² − (1 + μ − a(1 + μ))z + μ(1 − a)
    """
    mu = np.broadcast_to(np.asarray(mu, float).reshape(-1, 1), a.shape)
    if kind == "plain":
        return np.abs(1 - a)
    if kind == "heavy":
        b, c = 1 + mu - a, mu
    else:
        b, c = 1 + mu - a * (1 + mu), mu * (1 - a)
    disc = b * b - 4 * c
    real = np.sqrt(np.maximum(disc, 0.0))
    big = np.maximum(np.abs(b + real), np.abs(b - real)) / 2
    return np.where(disc >= 0, big, np.sqrt(np.abs(c)))


def radius(kind: str, curvature: Array, gain: Array, mu) -> Array:
    """The map's spectral radius over the modes of G½HG½ (…, m), for gains (…, m, P):
    leading axes (e.g. the slices of a horizon) broadcast against curvature (m, P, P)."""
    gain = np.asarray(gain, float)
    root = np.sqrt(gain)
    scaled = root[..., :, None] * curvature * root[..., None, :]
    ok = np.isfinite(scaled).all(axis=(-2, -1))
    mu = np.broadcast_to(np.asarray(mu, float), ok.shape)
    out = np.full(ok.shape, np.inf)
    if ok.any():
        lam = np.linalg.eigvalsh(scaled[ok])
        out[ok] = spectral_radius(kind, lam, mu[ok]).max(1)
    return out


def surely_leaves(ops, kind: str, diagonal: list, mu, tol: Tolerances):
    """Whether ``steps_to_leave`` surely finds a finite step for a run that is not frozen in
    floats past the last slice's start, from that slice alone and whatever the run's
    deviation — so ``_stays`` says it leaves. In ``ops`` (one run's floats, or arrays).

    ``diagonal`` holds G_i·H_ii at the last slice's start (``SLICE_ENDS[-2]`` steps from
    now), μ the momentum. Bounds, each with room: λmax(G½HG½) ≥ a = max G_i·H_ii (a
    symmetric matrix's largest eigenvalue is at least its largest diagonal entry); every
    kind's ρ(λ) is at least |b|/2 for its z² − bz + c (|z₁| + |z₂| ≥ |b|; complex roots
    have |z| = √c > |b|/2), which for λ ≥ a is at least ``plain`` a − 1, ``heavy``
    (a − 1 − μ)/2, ``nesterov`` (1 + μ)(a − 1)/2; a deviation needs ln(visible/seed) ≤
    ln(xtol·1e16) of growth (its seed is at least 1e-16 (1 + ‖θ‖), ``visible`` xtol (1 + ‖θ‖)),
    and the last slice alone, ``SLICE_ENDS[-1] − SLICE_ENDS[-2]`` steps at ρ(a) or more,
    gives at least twice that: ρ(a) ≥ exp(2 ln(xtol·1e16) / width)."""
    a = ops.fold(list(diagonal), ops.maximum)
    if kind == "plain":
        lo = a - 1
    elif kind == "heavy":
        lo = (a - 1 - mu) / 2
    else:
        lo = (1 + mu) * (a - 1) / 2
    need = math.log(max(tol.xtol * 1e16, 1.0))
    enough = max(1.0, math.exp((2 * need + 1e-9) / float(SLICE_ENDS[-1] - SLICE_ENDS[-2])))
    return ops.isfinite(a) & (lo > enough)


def steps_to_leave(kind: str, curvature: Array, gains: Array, mu, deviation: Array,
                   visible: Array, frozen_until=None) -> Array:
    """How many steps until a run sitting ``deviation`` from a minimum is thrown ``visible``
    away — inf if not within ``HORIZON``.

    ``gains`` (64, m, P) are the per-weight gains at the starts of the horizon's 64 slices
    (``SLICE_ENDS[:-1]`` steps from now). A gain only grows, as RMSprop's and Adam's running
    averages forget; ρ(t), the map's spectral radius over the modes of G½HG½, then only
    grows too. A deviation is multiplied by ρ(t) at step t, so it becomes visible once
    Σ ln ρ(t) over the unstable steps reaches ln(visible/deviation): the sum is taken over
    the 64 slices (ρ read at each slice's start: a lower bound on the growth inside it, so
    the leaving step is never too early by more than a slice).
    ``frozen_until`` (m,): steps before which nothing grows (a run whose every update is
    below half an ulp of its weights does not move at all in floats)."""
    with np.errstate(all="ignore"):
        need = np.log(np.maximum(visible / np.maximum(deviation, 1e-300), 1.0))
        m = len(need)
        t0, t1 = SLICE_ENDS[:-1, None], SLICE_ENDS[1:, None]         # (64, 1)
        gains = np.broadcast_to(gains, (64,) + np.shape(curvature)[:2])
        if (gains == gains[:1]).all():  # SGD's, momentum's, Adagrad's: ρ read once
            log_rho = np.broadcast_to(np.log(radius(kind, curvature, gains[:1], mu)), (64, m))
        else:
            log_rho = np.log(radius(kind, curvature, gains, mu))    # (64, m)
        wait = np.zeros(m) if frozen_until is None else np.asarray(frozen_until, float)
        rate = np.where(t1 > wait, np.maximum(log_rho, 0.0), 0.0)
        begin = np.maximum(t0, np.minimum(wait, t1))
        after = np.add.accumulate(rate * (t1 - begin), axis=0)     # Σ up to each slice's end
        grown = np.vstack([np.zeros((1, m)), after[:-1]])           # … and its start
        hit = after >= need
        first = np.argmax(hit, axis=0)
        cols = np.arange(m)
        r, b, g = rate[first, cols], begin[first, cols], grown[first, cols]
        at = b + np.where(r > 0, (need - g) / r, 0.0)
        return np.where(hit.any(0), at, np.inf)


def lr_floor_ahead(schedule, base: Array, k: int, end: int) -> Array:
    """The lowest η ``schedule`` gives each run after update k, up to update ``end``.

    Every kind is monotone or a cosine, so its lowest value after k is at k + 1, at
    ``end``, or at the cosine's next trough (t = T_max·(2j + 1), after the warm-up)."""
    if schedule is None or not schedule.decays or end <= k:
        return schedule.lr(np.asarray(base, float), k) if schedule else np.asarray(base, float)
    ts = {k + 1, end}
    if schedule.kind in ("cosine", "cosine_hold", "warmup_cosine"):
        w = schedule.warmup_steps if schedule.kind == "warmup_cosine" else 0
        span = max(schedule.T_max - w, 1) if w else schedule.T_max
        t0 = max(k + 1 - w, 0)
        j = max(0, math.ceil((t0 / span - 1) / 2))
        trough = w + span * (2 * j + 1)
        if trough <= end:
            ts.add(trough)
        if w and w <= end and w > k:
            ts.add(w)
    base = np.asarray(base, float)
    return np.min([schedule.lr(base, np.full(base.shape, float(t))) for t in sorted(ts)], axis=0)
