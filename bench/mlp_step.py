"""One full-batch training step of a tiny MLP: this tree, main, a hand-written floor and
PyTorch on the CPU, side by side in one run.

The step the stream repeats thousands of times: a 2-16-16-2 MLP (tanh, softmax +
cross-entropy), 512 moons points, full batch, forward + backward + Adam update
(lr 0.01). Variants, interleaved repeat by repeat so machine noise hits all alike:

* ours / main, R = 1 — ``MLP.loss_and_grad`` + the engine's Adam ``update`` + add, with this
                       tree's ``gdviz/engine/nets`` and with ``--main``'s (default: the
                       ``main`` branch, exported by ``git archive`` and imported beside it;
                       the optimizer and the run engine are this tree's for both)
* … Batch.advance    — the run engine's step: the same plus its status tests
* … R = 6            — a race of 6 runs as one batched step (per step and per run)
* floor              — the same arithmetic written out by hand for this one shape: samples
                       as columns, biases folded into the products, every buffer allocated
                       once, the two-class softmax in closed form, Adam in place; and its
                       8 matrix products alone (what BLAS needs, nothing else)
* torch              — ``nn.Sequential`` of Linear/Tanh, ``CrossEntropyLoss``,
                       ``optim.Adam``: ``zero_grad(); loss.backward(); step()``; float64
                       (our precision) with ``torch.set_num_threads(1)`` (the issue's
                       yardstick) and the default threads, and float32 on one thread.

Before timing, ours, main, the floor and torch (float64) take the same 50 steps from the
same weights; the script prints how far apart the weights end (~1e-15).

NumPy's float64 ``tanh`` is vectorised only with AVX-512; to see an AVX2 machine on an
AVX-512 one, run with ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell`` (the header says what NumPy uses).
``--clock cpu`` times with the process's CPU time (steadier on a shared machine; every
variant here runs on one thread except torch's default-threads row).
Medians of several repeats; no assertions on time.
Run: ``python bench/mlp_step.py [--steps 300 --repeats 7 --clock cpu --main REF]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import _common
from _common import median, nets_at, no_gc, simd_note, table

from gdviz.engine.nets.datasets import moons
from gdviz.engine.nets.mlp import MLP
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Tolerances

LR = 0.01
HIDDEN = (16, 16)
N_POINTS = 512

try:
    import torch
except ImportError:  # torch is optional
    torch = None

clock = time.perf_counter


def make_net(mlp_class=MLP):
    return mlp_class(moons(n=N_POINTS, noise=0.1, test_fraction=0.0, seed=0), HIDDEN, "tanh",
                     "softmax_ce")


# --- ours (this tree or main) ----------------------------------------------------------

class Ours:
    """The bare step: loss_and_grad, Adam update, params + update."""

    def __init__(self, net, runs: int = 1):
        self.net = net
        self.opt = OPTIMIZERS["adam"]
        self.hyper = hyper_arrays([{**defaults("adam"), "lr": LR}] * runs)
        self.params = net.init_params("xavier", 0, runs=runs)
        self.state = self.opt.init(self.params, self.hyper)

    def step(self):
        _, grad = self.net.loss_and_grad(self.params)
        update, self.state = self.opt.update(grad, self.state, self.params, self.hyper)
        self.params = self.params + update

    def flat(self) -> np.ndarray:
        return self.params[0]


class OursBatch:
    """The run engine's step (``Batch.advance``), status tests included."""

    def __init__(self, net, runs: int, steps: int):
        hyper = hyper_arrays([{**defaults("adam"), "lr": LR}] * runs)
        # a gtol of 0 and no explosion test keep every run going for the whole timing
        tol = Tolerances(settle=0.0, crawl=0.0, stuck=0.0, explode=np.inf, runaway=np.inf)
        self.batch = Batch(net, OPTIMIZERS["adam"], hyper, net.init_params("xavier", 0, runs),
                           steps + 30, tol)

    def step(self):
        self.batch.advance()


# --- the floor ----------------------------------------------------------------------------

class Floor:
    """This one step by hand: 2-16-16-2, tanh, two-class softmax + CE, Adam (torch's order).

    Samples are columns: zᵀ = [W; b]ᵀ·[aᵀ; 1], so each bias rides in its product and every
    unit's 512 values are contiguous. With two classes, per sample u = z_other − z_label:
    ℓ = softplus(u) = max(u, 0) + log1p(e^(−|u|)), ∂ℓ/∂z_other = σ(u) = −∂ℓ/∂z_label."""

    def __init__(self, net: MLP):
        x, y = net.data.x_train, net.data.y_train
        b = len(x)
        self.p = net.init_params("xavier", 0)[0].copy()
        self.g = np.empty_like(self.p)
        self.m, self.v, self.t = np.zeros_like(self.p), np.zeros_like(self.p), 0
        self.tmp = np.empty_like(self.p)
        self.wb = self._blocks(net, self.p)
        self.gb = self._blocks(net, self.g)
        self.x1 = np.vstack([x.T, np.ones(b)])
        self.z = [np.empty((n, b)) for n in HIDDEN]
        self.a = [np.vstack([np.empty((n, b)), np.ones(b)]) for n in HIDDEN]
        self.dz = [np.empty((n, b)) for n in HIDDEN]
        self.logits = np.empty((b, 2))
        self.dt = np.empty((2, b))
        self.sign = 1.0 - 2.0 * y                     # +1: label 0, −1: label 1
        self.u, self.e, self.s = np.empty(b), np.empty(b), np.empty(b)
        self.loss = 0.0
        self.b1, self.b2 = 0.9, 0.999

    @staticmethod
    def _blocks(net, flat):
        return [flat[w0:b1].reshape(n_in + 1, n_out) for w0, _, b1, n_in, n_out in net._slots]

    def step(self):
        (w1, w2, w3), (g1, g2, g3) = self.wb, self.gb
        z, a, dz, u, e, s = self.z, self.a, self.dz, self.u, self.e, self.s
        np.matmul(w1.T, self.x1, out=z[0])
        np.tanh(z[0], out=a[0][:-1])
        np.matmul(w2.T, a[0], out=z[1])
        np.tanh(z[1], out=a[1][:-1])
        lg = np.matmul(a[1].T, w3, out=self.logits)
        np.subtract(lg[:, 1], lg[:, 0], out=u)
        u *= self.sign                                # z_other − z_label
        np.abs(u, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)                              # e^(−|u|)
        np.log1p(e, out=s)
        self.loss = (np.maximum(u, 0.0).sum() + s.sum()) / len(u)
        np.add(e, 1.0, out=s)
        np.divide(np.where(u >= 0, 1.0, e), s, out=s)  # σ(u)
        s *= self.sign / len(u)
        dt = self.dt
        dt[1] = s
        np.negative(s, out=dt[0])
        np.matmul(a[1], dt.T, out=g3)
        np.matmul(w3[:-1], dt, out=dz[1])
        self._tanh_back(dz[1], a[1])
        np.matmul(a[0], dz[1].T, out=g2)
        np.matmul(w2[:-1], dz[1], out=dz[0])
        self._tanh_back(dz[0], a[0])
        np.matmul(self.x1, dz[0].T, out=g1)
        self._adam()

    @staticmethod
    def _tanh_back(d, a1):
        t = a1[:-1] * a1[:-1]
        np.subtract(1.0, t, out=t)
        d *= t

    def _adam(self):
        self.t += 1
        m, v, g, tmp = self.m, self.v, self.g, self.tmp
        m *= self.b1
        np.multiply(g, 1 - self.b1, out=tmp)
        m += tmp
        v *= self.b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.b2
        v += tmp
        bc1, bc2 = 1 - self.b1 ** self.t, (1 - self.b2 ** self.t) ** 0.5
        np.sqrt(v, out=tmp)
        tmp /= bc2
        tmp += 1e-8
        np.divide(m, tmp, out=tmp)
        tmp *= LR / bc1
        self.p -= tmp

    def flat(self) -> np.ndarray:
        return self.p


class FloorProducts(Floor):
    """Only the floor's 8 matrix products."""

    def step(self):
        (w1, w2, w3), (g1, g2, g3) = self.wb, self.gb
        z, a, dz = self.z, self.a, self.dz
        np.matmul(w1.T, self.x1, out=z[0])
        np.matmul(w2.T, a[0], out=z[1])
        np.matmul(a[1].T, w3, out=self.logits)
        np.matmul(a[1], self.dt.T, out=g3)
        np.matmul(w3[:-1], self.dt, out=dz[1])
        np.matmul(a[0], dz[1].T, out=g2)
        np.matmul(w2[:-1], dz[1], out=dz[0])
        np.matmul(self.x1, dz[0].T, out=g1)


# --- torch ----------------------------------------------------------------------------

class Torch:
    def __init__(self, net: MLP, dtype):
        d = net.data
        self.x = torch.from_numpy(d.x_train).to(dtype)
        self.y = torch.from_numpy(d.y_train)
        mods = []
        for l, (w, b) in enumerate(net.unpack(net.init_params("xavier", 0))):
            lin = torch.nn.Linear(w.shape[1], w.shape[2], dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w[0].T)))
                lin.bias.copy_(torch.from_numpy(b[0].copy()))
            mods.append(lin)
            if l < net.n_layers - 1:
                mods.append(torch.nn.Tanh())
        self.model = torch.nn.Sequential(*mods)
        self.loss = torch.nn.CrossEntropyLoss()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LR)

    def step(self):
        self.opt.zero_grad()
        self.loss(self.model(self.x), self.y).backward()
        self.opt.step()

    def flat(self) -> np.ndarray:
        parts = []
        for mod in self.model:
            if isinstance(mod, torch.nn.Linear):
                parts += [mod.weight.detach().double().numpy().T.ravel(),
                          mod.bias.detach().double().numpy()]
        return np.concatenate(parts)


# --- timing ---------------------------------------------------------------------------

def time_steps(make, steps: int, threads: int | None = None) -> float:
    """Seconds per step of a fresh ``make()`` over ``steps`` steps (after 20 warm-up steps)."""
    if torch is not None and threads is not None:
        torch.set_num_threads(threads)
    runner = make()
    for _ in range(20):
        runner.step()
    with no_gc():
        t = clock()
        for _ in range(steps):
            runner.step()
        return (clock() - t) / steps


def agreement(runners: dict, steps: int = 50) -> dict[str, float]:
    """Max |x − the first runner| over the weights after ``steps`` identical steps."""
    for _ in range(steps):
        for r in runners.values():
            r.step()
    ref = next(iter(runners.values())).flat()
    return {name: float(np.abs(r.flat() - ref).max()) for name, r in list(runners.items())[1:]}


def parts(net, steps: int, repeats: int) -> list[tuple[str, float]]:
    """µs per step of each part of our bare step at R = 1, timed alone."""
    o = Ours(net, 1)
    grad = net.loss_and_grad(o.params)[1]
    update = o.opt.update(grad, o.state, o.params, o.hyper)[0]
    calls = {
        "forward only (net.loss)": lambda: net.loss(o.params),
        "forward + backward (loss_and_grad)": lambda: net.loss_and_grad(o.params),
        "Adam update (engine optimizer)": lambda: o.opt.update(grad, o.state, o.params,
                                                               o.hyper),
        "params + update": lambda: o.params + update,
    }
    out = []
    for name, fn in calls.items():
        ts = []
        for _ in range(repeats):
            with no_gc():
                t = clock()
                for _ in range(steps):
                    fn()
                ts.append((clock() - t) / steps)
        out.append((name, median(ts) * 1e6))
    return out


def main() -> None:
    global clock
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300, help="timed steps per repeat")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--main", default="main", help="git ref to time beside this tree "
                                                   "('' to skip)")
    args = ap.parse_args()
    if args.clock == "cpu":
        clock = time.process_time
        _common.pc = clock
    S = args.steps
    net = make_net()
    old = nets_at(args.main) if args.main else None
    old_net = make_net(old.mlp.MLP) if old else None
    here = "this tree"
    there = f"main {old.commit}" if old else None

    variants = {f"{here}, R = 1": lambda: time_steps(lambda: Ours(net, 1), S)}
    if old:
        variants[f"{there}, R = 1"] = lambda: time_steps(lambda: Ours(old_net, 1), S)
    variants[f"{here}, R = 1, Batch.advance"] = lambda: time_steps(
        lambda: OursBatch(net, 1, S), S)
    if old:
        variants[f"{there}, R = 1, Batch.advance"] = lambda: time_steps(
            lambda: OursBatch(old_net, 1, S), S)
    variants[f"{here}, R = 6 (race), whole step"] = lambda: time_steps(lambda: Ours(net, 6), S)
    if old:
        variants[f"{there}, R = 6 (race), whole step"] = lambda: time_steps(
            lambda: Ours(old_net, 6), S)
    variants["floor: by hand, R = 1"] = lambda: time_steps(lambda: Floor(net), S)
    variants["floor: its 8 matrix products alone"] = lambda: time_steps(
        lambda: FloorProducts(net), S)
    default_threads = None
    if torch is not None:
        default_threads = torch.get_num_threads()
        for dtype, dname, threads, tname in (
                (torch.float64, "float64", 1, "1 thread"),
                (torch.float64, "float64", default_threads, f"default threads ({default_threads})"),
                (torch.float32, "float32", 1, "1 thread")):
            variants[f"torch {dname}, {tname}"] = (
                lambda dtype=dtype, threads=threads:
                time_steps(lambda: Torch(net, dtype), S, threads))

    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.repeats):  # interleaved
        for name, run in variants.items():
            times[name].append(run())
    if torch is not None:
        torch.set_num_threads(default_threads)
    med = {k: median(v) * 1e6 for k, v in times.items()}

    print(f"2-16-16-2 MLP (tanh, softmax + CE), {N_POINTS} points, full batch, Adam lr {LR}: "
          f"one step = forward + backward + update; {args.clock} clock, median of "
          f"{args.repeats} repeats × {S} steps; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores at the end")
    print(simd_note() + (f"; torch {torch.__version__} "
                         f"({torch.backends.cpu.get_cpu_capability()}, default threads "
                         f"{default_threads})" if torch is not None else
                         " — torch not installed"))
    runners = {"this tree": Ours(net)}
    if old:
        runners[there] = Ours(old_net)
    runners["floor"] = Floor(net)
    if torch is not None:
        runners["torch float64"] = Torch(net, torch.float64)
    print("check: after 50 identical steps the weights differ from this tree's by at most "
          + ", ".join(f"{v:.1e} ({k})" for k, v in agreement(runners).items()))

    ref = med[f"{here}, R = 1"]
    rows = []
    for name, us in med.items():
        per_run = us / 6 if "R = 6" in name else us
        rows.append((name, us, per_run, f"{us / ref:.2f}"))
    table(["variant", "µs/step", "µs per run-step", "÷ this tree R = 1"], rows,
          title="Time per training step (lower is better)")

    floor = med["floor: by hand, R = 1"]
    yard = med.get("torch float64, 1 thread")
    ours = [k for k in med if k.startswith((here, there or here)) and "R = 6" not in k]
    ratio_rows = []
    for name in ours:
        ratio_rows.append((name, med[name], f"{yard / med[name]:.2f}×" if yard else "—",
                           f"{med[name] / floor:.2f}"))
    for name in [k for k in med if "R = 6" in k]:
        per_run = med[name] / 6
        ratio_rows.append((name + ", per run", per_run,
                           f"{yard / per_run:.2f}×" if yard else "—", f"{per_run / floor:.2f}"))
    table(["ours", "µs/step", "torch f64 1 thread ÷ this", "this ÷ floor"], ratio_rows,
          title="Against torch (above 1: ours is faster) and against the floor")
    if old:
        a, b = med[f"{there}, R = 1"], med[f"{here}, R = 1"]
        print(f"\nthis tree ÷ main, bare step R = 1: {b / a:.2f} (main takes {a / b:.2f}× as long)")

    table(["part of our step (R = 1, this tree)", "µs"], parts(net, S, args.repeats),
          title="Our step, part by part (each timed alone)")


if __name__ == "__main__":
    main()
