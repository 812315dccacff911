"""One full-batch training step of a tiny MLP: ours (NumPy) beside PyTorch on the CPU.

The step the stream repeats thousands of times: a 2-16-16-2 MLP (tanh, softmax +
cross-entropy), 512 moons points, full batch, forward + backward + Adam update
(lr 0.01). Variants, interleaved repeat by repeat so machine noise hits all alike:

* ours, R = 1        — ``MLP.loss_and_grad`` + the engine's Adam ``update`` + add
* ours, R = 1, Batch — ``Batch.advance()``: the same plus the run engine's status tests
* ours, R = 6        — a race of 6 runs as one batched step (per step and per run)
* torch              — ``nn.Sequential`` of Linear/Tanh, ``CrossEntropyLoss``,
                       ``optim.Adam``: ``zero_grad(); loss.backward(); step()``;
                       float64 (our precision) and float32 (torch's default),
                       each with ``torch.set_num_threads(1)`` and the default threads.

Before timing, ours and torch (float64) take the same 50 steps from the same
weights; the script prints how far apart the weights end (they should agree to
~1e-12). Then the parts of our step are timed alone.

Medians of several repeats; no assertions on time.
Run: ``python bench/mlp_step.py [--steps 300 --repeats 7]`` (torch optional:
``/tmp/torchvenv/bin/python bench/mlp_step.py``).
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import median, no_gc, pc, table

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


def make_net() -> MLP:
    return MLP(moons(n=N_POINTS, noise=0.1, test_fraction=0.0, seed=0), HIDDEN, "tanh",
               "softmax_ce")


# --- ours ------------------------------------------------------------------------------

class Ours:
    """The bare step: loss_and_grad, Adam update, params + update."""

    def __init__(self, net: MLP, runs: int):
        self.net = net
        self.opt = OPTIMIZERS["adam"]
        self.hyper = hyper_arrays([{**defaults("adam"), "lr": LR}] * runs)
        self.params = net.init_params("xavier", 0, runs=runs)
        self.state = self.opt.init(self.params, self.hyper)

    def step(self):
        _, grad = self.net.loss_and_grad(self.params)
        update, self.state = self.opt.update(grad, self.state, self.params, self.hyper)
        self.params = self.params + update


class OursBatch:
    """The run engine's step (``Batch.advance``), status tests included."""

    def __init__(self, net: MLP, runs: int, steps: int):
        hyper = hyper_arrays([{**defaults("adam"), "lr": LR}] * runs)
        # a gtol of 0 and no explosion test keep every run going for the whole timing
        tol = Tolerances(gtol=0.0, explode=np.inf, runaway=np.inf)
        self.batch = Batch(net, OPTIMIZERS["adam"], hyper, net.init_params("xavier", 0, runs),
                           steps + 10, tol)

    def step(self):
        self.batch.advance()


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
        t = pc()
        for _ in range(steps):
            runner.step()
        return (pc() - t) / steps


def agreement(net: MLP, steps: int = 50) -> float:
    """Max |ours − torch float64| over the weights after ``steps`` identical steps."""
    ours, theirs = Ours(net, 1), Torch(net, torch.float64)
    for _ in range(steps):
        ours.step()
        theirs.step()
    return float(np.abs(ours.params[0] - theirs.flat()).max())


def parts(net: MLP, steps: int, repeats: int) -> list[tuple[str, float]]:
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
                t = pc()
                for _ in range(steps):
                    fn()
                ts.append((pc() - t) / steps)
        out.append((name, median(ts) * 1e6))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300, help="timed steps per repeat")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    net = make_net()
    S = args.steps

    variants = {
        "ours, R = 1": lambda: time_steps(lambda: Ours(net, 1), S),
        "ours, R = 1, Batch.advance": lambda: time_steps(lambda: OursBatch(net, 1, S), S),
        "ours, R = 6 (race), whole step": lambda: time_steps(lambda: Ours(net, 6), S),
        "ours, R = 6, Batch.advance": lambda: time_steps(lambda: OursBatch(net, 6, S), S),
    }
    default_threads = None
    if torch is not None:
        default_threads = torch.get_num_threads()
        for dtype, dname in ((torch.float64, "float64"), (torch.float32, "float32")):
            for threads, tname in ((1, "1 thread"), (default_threads,
                                                     f"default threads ({default_threads})")):
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
          f"one step = forward + backward + update; median of {args.repeats} repeats × {S} steps")
    print(f"NumPy {np.__version__}" + (f", torch {torch.__version__} "
                                      f"(default threads: {default_threads})"
                                      if torch is not None else
                                      " — torch not installed: ours only"))
    if torch is not None:
        print(f"check: after 50 identical steps ours vs torch float64 weights differ by at most "
              f"{agreement(net):.2e}")

    ref = med["ours, R = 1"]
    rows = []
    for name, us in med.items():
        per_run = us / 6 if "R = 6" in name else us
        rows.append((name, us, per_run, f"{us / ref:.2f}"))
    table(["variant", "µs/step", "µs per run-step", "÷ ours R = 1"], rows,
          title="Time per training step (lower is better)")

    if torch is not None:
        def ratio(a, b):
            return f"{med[a] / med[b]:.2f}×"
        per_run_6 = med["ours, R = 6 (race), whole step"] / 6
        torch_rows = []
        for name in med:
            if name.startswith("torch"):
                torch_rows.append((name, med[name],
                                   ratio(name, "ours, R = 1"),
                                   ratio(name, "ours, R = 1, Batch.advance"),
                                   f"{med[name] / per_run_6:.2f}×"))
        table(["torch variant", "µs/step", "÷ ours bare", "÷ ours Batch", "÷ ours per run (R = 6)"],
              torch_rows, title="How many times slower torch is (above 1: ours is faster)")

    table(["part of our step (R = 1)", "µs"], parts(net, S, args.repeats),
          title="Our step, part by part (each timed alone)")


if __name__ == "__main__":
    main()
