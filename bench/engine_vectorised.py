"""Run-steps per second of the vectorised engine, beside a bare-NumPy floor.

65,536 Rosenbrock starts, uniform over the surface's domain (seed 0), each
taking 200 Adam steps (lr 0.01, torch defaults otherwise), three ways:

* engine   — one ``Batch`` of all starts, ``batch.run()`` (status checks,
             history, frozen rows for runs that ended);
* floor    — the same arithmetic as a bare NumPy loop: hand-written
             Rosenbrock loss + gradient and Adam, no status checks (two
             versions: plain expressions, and in-place on x/y columns);
* looped   — one ``Batch`` per start (R = 1), for a subset, extrapolated.

The floors use the engine's expressions, so for every run that reached the
step limit their final params must match the engine's; the script checks
this to 1e-9 (an honest floor does the same work; not bit for bit, because
the engine raises per-run β arrays to per-run step arrays with NumPy's
vectorised ``power``, which can differ from scalar ``pow`` in the last bit).
Then the engine's step is split into its parts with timers
(``bench/_common.instrument``).

Medians of several repeats; no assertions on time.
Run: ``python bench/engine_vectorised.py [--runs 65536 --steps 200 --looped 128]``.
"""

from __future__ import annotations

import argparse

import numpy as np

import _common
from _common import median, no_gc, pc, table

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status
from gdviz.engine.surfaces import SURFACES

LR = 0.01


def make_starts(n: int, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = SURFACES["rosenbrock"].domain
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def adam_hyper(n: int):
    return hyper_arrays([{**defaults("adam"), "lr": LR}] * n)


def engine(starts, steps, hyper):
    """(seconds in run(), run-steps taken, batch, timers)."""
    b = Batch(SURFACES["rosenbrock"], OPTIMIZERS["adam"], hyper, starts, steps)
    timers = _common.instrument(b)  # ~0.2 µs per wrapped call: nothing at this R
    with no_gc():
        t = pc()
        b.run()
        dt = pc() - t
    return dt, int(b.end_step.sum()), b, timers


def floor_plain(starts, steps, b1=0.9, b2=0.999, eps=1e-8):
    """Adam on Rosenbrock, written out: the engine's arithmetic with nothing else."""
    p = starts.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    with no_gc(), np.errstate(all="ignore"):
        t0 = pc()
        for t in range(1, steps + 1):
            x, y = p[:, 0], p[:, 1]
            loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2  # noqa: F841 (the engine computes it too)
            g = np.empty_like(p)
            g[:, 0] = -2 * (1 - x) - 400 * x * (y - x * x)
            g[:, 1] = 200 * (y - x * x)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            bc1, bc2_sqrt = 1 - b1**t, np.sqrt(1 - b2**t)
            p = p + -LR * ((m / bc1) / (np.sqrt(v) / bc2_sqrt + eps))
        dt = pc() - t0
    return dt, p


def floor_inplace(starts, steps, b1=0.9, b2=0.999, eps=1e-8):
    """The same update with preallocated buffers and ``out=`` (what NumPy can do)."""
    x, y = starts[:, 0].copy(), starts[:, 1].copy()
    n = x.size
    mx, my, vx, vy = (np.zeros(n) for _ in range(4))
    r, gx, gy, loss, tmp = (np.empty(n) for _ in range(5))
    with no_gc(), np.errstate(all="ignore"):
        t0 = pc()
        for t in range(1, steps + 1):
            np.multiply(x, x, out=r)
            np.subtract(y, r, out=r)               # r = y − x²
            np.subtract(1, x, out=tmp)             # 1 − x
            np.multiply(tmp, tmp, out=loss)
            np.multiply(r, r, out=gy)
            loss += 100 * gy                       # loss = (1−x)² + 100 r²
            np.multiply(x, r, out=gx)
            gx *= -400
            gx -= 2 * tmp                          # gx = −2(1−x) − 400 x r
            np.multiply(r, 200, out=gy)            # gy = 200 r
            lr_t = LR / (1 - b1**t)
            bc2_sqrt = np.sqrt(1 - b2**t)
            for p, g, m, v in ((x, gx, mx, vx), (y, gy, my, vy)):
                m *= b1
                m += (1 - b1) * g
                v *= b2
                np.multiply(g, g, out=tmp)
                tmp *= 1 - b2
                v += tmp
                np.sqrt(v, out=tmp)
                tmp /= bc2_sqrt
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= lr_t
                p -= tmp
        dt = pc() - t0
    return dt, np.column_stack([x, y])


def looped(starts, steps):
    """One Batch per start, as a naive caller would; (seconds, run-steps)."""
    spec = [{**defaults("adam"), "lr": LR}]
    taken = 0
    with no_gc():
        t = pc()
        for s in starts:
            b = Batch(SURFACES["rosenbrock"], OPTIMIZERS["adam"], hyper_arrays(spec), s[None, :],
                      steps)
            b.run()
            taken += int(b.end_step[0])
        dt = pc() - t
    return dt, taken


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=65536)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--looped", type=int, default=128, help="starts run one by one")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    R, S = args.runs, args.steps
    starts = make_starts(R)
    hyper = adam_hyper(R)
    nominal = R * S

    t_eng, t_plain, t_inpl, t_loop = [], [], [], []
    timers = []
    for _ in range(args.repeats):  # interleaved, so noise hits every variant alike
        dt, taken, b, tm = engine(starts, S, hyper)
        t_eng.append(dt)
        timers.append(tm)
        dt, p_plain = floor_plain(starts, S)
        t_plain.append(dt)
        dt, p_inpl = floor_inplace(starts, S)
        t_inpl.append(dt)
        dt, loop_taken = looped(starts[:args.looped], S)
        t_loop.append(dt)

    full = b.end_step == S
    same = np.allclose(b.params[full], p_plain[full], rtol=1e-9, atol=1e-12)
    close = np.allclose(b.params[full], p_inpl[full], rtol=1e-9, atol=1e-12)
    counts = np.bincount(b.status, minlength=len(Status))

    eng = taken / median(t_eng)
    plain = nominal / median(t_plain)
    inpl = nominal / median(t_inpl)
    loop = loop_taken / median(t_loop)
    print(f"Rosenbrock × Adam lr {LR}: {R:,} starts × {S} steps, "
          f"median of {args.repeats} repeats")
    print("engine statuses: " + ", ".join(f"{Status(i).label} {c:,}" for i, c in enumerate(counts)
                                          if c) + f"  ({taken:,} run-steps taken of {nominal:,})")
    print(f"floor check, final params of the {full.sum():,} runs that hit the step limit "
          f"match the engine's to 1e-9: plain {same}, in-place {close}")

    def ratio(v):
        return f"{v:.3g}"

    table(["variant", "run-steps/s", "s (total)", "µs per step of all runs", "engine ÷ this"], [
        (f"engine: one Batch, R = {R:,}", eng, median(t_eng), median(t_eng) / S * 1e6, ratio(1.0)),
        ("floor: bare NumPy, plain", plain, median(t_plain), median(t_plain) / S * 1e6,
         ratio(eng / plain)),
        ("floor: bare NumPy, in-place", inpl, median(t_inpl), median(t_inpl) / S * 1e6,
         ratio(eng / inpl)),
        (f"looped Batch(R=1) ×{args.looped}, extrapolated", loop, median(t_loop) * R / args.looped,
         median(t_loop) * R / args.looped / S * 1e6, ratio(eng / loop)),
    ], title="Throughput (run-steps/s: higher is better)")
    print(f"  engine/floor(plain) = {ratio(eng / plain)}  "
          f"(the floor is {plain / eng:.0f}× faster);  "
          f"engine/floor(in-place) = {ratio(eng / inpl)};  engine/looped = {eng / loop:,.0f}")

    keys = _common.ENGINE_PARTS
    med = {k: median([tm[k] for tm in timers]) for k in keys}
    table(["part", "ms/step", "% of engine"],
          [(n, us / 1000, pct) for n, us, pct in _common.split_rows(med, S)],
          title=f"Inside the engine's step at R = {R:,} (timers around each call)")


if __name__ == "__main__":
    main()
