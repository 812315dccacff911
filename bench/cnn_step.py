"""One full-batch training step of the default CNN: ours (NumPy) beside PyTorch on the CPU,
and what the stream makes of it.

The net is ``{"kind": "cnn"}`` with its defaults: 8×8 digits, 320 of them (256 for
training, 64 for the test), conv 8 kernels 3×3 (valid) → relu → max-pool 2×2 →
dense 72 → 10, softmax + cross-entropy, he init; one step = forward + backward +
Adam update (lr 0.01) on the full batch. Variants, interleaved repeat by repeat so
machine noise hits all alike:

* ours, R = 1        — ``CNN.loss_and_grad`` + the engine's Adam ``update`` + add, with this
                       tree's ``gdviz/engine/nets`` and with ``--main``'s (default: the ``main``
                       branch, exported by ``git archive`` and imported beside it)
* ours, Batch        — ``Batch.advance()``: the same plus the run engine's status tests
* ours, R = 6 race   — the bare step of six runs at once (one batch), per run
* torch              — ``F.conv2d``/``relu``/``max_pool2d``/``flatten``/``@``/
                       ``cross_entropy`` and ``optim.Adam``: ``zero_grad(); backward();
                       step()``; float64 one thread (the comparison the issue asks for),
                       float64 default threads and float32 one thread for reference.

Before timing, ours, main's and torch (float64) take the same 50 steps from the same
weights; the script prints how far apart the weights end. Then it streams the same scenario
through ``StreamSession`` exactly as the WebSocket route does (``step`` messages of 100,
JSON dumps, thin frames, confusion matrix on the newest frame, diagnosis) and prints
the steps per second one core can stream.

``--clock cpu`` times with the process's CPU time instead of the wall clock: on a
shared, loaded machine that is steadier (all variants here run on one thread).
Medians of several repeats; no assertions on time.
Run: ``python bench/cnn_step.py [--steps 200 --repeats 7 --clock cpu --main REF]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import _common  # noqa: F401  (puts the repository root on sys.path)
from _common import median, nets_at, no_gc, simd_note, table

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Tolerances
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of

LR = 0.01
RACE = 6  # runs in a race (a lesson's learning rates side by side), stepped as one batch
SCENARIO = {"model": {"kind": "cnn"}, "runs": [{"optimizer": "adam", "lr": LR}],
            "steps": 10000}  # the default budget would end the run inside a repeat

try:
    import torch
    F = torch.nn.functional
except ImportError:  # torch is optional
    torch = None

clock = time.perf_counter


def make_net():
    return objective_of(Scenario.model_validate(SCENARIO))


def main_net(net, nets):
    """The same CNN built by another commit's ``nets`` package, on the same images."""
    return nets.cnn.CNN(net.data, net.kernels, net.padding, net.activation)


class Ours:
    """The bare step: loss_and_grad, Adam update, params + update."""

    def __init__(self, net, runs: int = 1):
        self.net = net
        self.opt = OPTIMIZERS["adam"]
        self.hyper = hyper_arrays([{**defaults("adam"), "lr": LR}] * runs)
        self.params = net.init_params("he", 0, runs=runs)
        self.state = self.opt.init(self.params, self.hyper)

    def step(self):
        _, grad = self.net.loss_and_grad(self.params)
        update, self.state = self.opt.update(grad, self.state, self.params, self.hyper)
        self.params = self.params + update


class OursBatch:
    """The run engine's step (``Batch.advance``), status tests included."""

    def __init__(self, net, steps: int):
        hyper = hyper_arrays([{**defaults("adam"), "lr": LR}])
        tol = Tolerances(settle=0.0, crawl=0.0, stuck=0.0, explode=np.inf, runaway=np.inf)  # never ends early
        self.batch = Batch(net, OPTIMIZERS["adam"], hyper, net.init_params("he", 0),
                           steps + 30, tol)

    def step(self):
        self.batch.advance()


class Torch:
    def __init__(self, net, dtype):
        d = net.data
        self.x = torch.from_numpy(d.x_train).to(dtype)[:, None]
        self.y = torch.from_numpy(d.y_train)
        self.ts = [torch.tensor(v[0], dtype=dtype, requires_grad=True)
                   for pair in net.unpack(net.init_params("he", 0)) for v in pair]
        self.opt = torch.optim.Adam(self.ts, lr=LR)

    def step(self):
        k, b, w, c = self.ts
        self.opt.zero_grad()
        h = F.max_pool2d(F.relu(F.conv2d(self.x, k, b)), 2)
        F.cross_entropy(h.flatten(1) @ w + c, self.y).backward()
        self.opt.step()

    def flat(self) -> np.ndarray:
        return np.concatenate([t.detach().double().numpy().ravel() for t in self.ts])


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


def agreement(net, others: dict, steps: int = 50) -> dict[str, float]:
    """Max |x − ours| over the weights after ``steps`` identical steps, per other runner."""
    ours = Ours(net)
    for _ in range(steps):
        ours.step()
        for o in others.values():
            o.step()
    flat = {k: (o.params[0] if isinstance(o, Ours) else o.flat()) for k, o in others.items()}
    return {k: float(np.abs(ours.params[0] - v).max()) for k, v in flat.items()}


def streamed(steps: int) -> tuple[float, int]:
    """Seconds per streamed step of a fresh run (``step`` messages of 100 + JSON dumps,
    as the socket sends them), and the bytes sent per step."""
    from stream_step import PER_MESSAGE, session_path
    if clock is not time.perf_counter:  # stream_step times with _common.pc
        _common.pc = clock
        import stream_step
        stream_step.pc = clock
    n_msgs = max(1, steps // PER_MESSAGE)
    r = session_path(SCENARIO, n_msgs, False)
    n = n_msgs * PER_MESSAGE
    return (r["handle"] + r["dumps"]) / n, r["bytes"] / n


def main() -> None:
    global clock
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200, help="timed steps per repeat")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--main", default="main", help="git ref to time beside this tree "
                                                   "('' to skip)")
    args = ap.parse_args()
    if args.clock == "cpu":
        clock = time.process_time
    net = make_net()
    old = nets_at(args.main) if args.main else None
    old_net = main_net(net, old) if old else None
    S = args.steps
    variants = {"ours, R = 1": lambda: time_steps(lambda: Ours(net), S)}
    if old:
        variants[f"main {old.commit}, R = 1"] = lambda: time_steps(lambda: Ours(old_net), S)
    variants["ours, Batch.advance"] = lambda: time_steps(lambda: OursBatch(net, S), S)
    if old:
        variants[f"main {old.commit}, Batch.advance"] = lambda: time_steps(
            lambda: OursBatch(old_net, S), S)
    variants[f"ours, R = {RACE} (race), per run"] = lambda: time_steps(
        lambda: Ours(net, RACE), S) / RACE
    if old:
        variants[f"main {old.commit}, R = {RACE} (race), per run"] = lambda: time_steps(
            lambda: Ours(old_net, RACE), S) / RACE
    default_threads = None
    if torch is not None:
        default_threads = torch.get_num_threads()
        variants["torch float64, 1 thread"] = lambda: time_steps(
            lambda: Torch(net, torch.float64), S, 1)
        variants[f"torch float64, default threads ({default_threads})"] = lambda: time_steps(
            lambda: Torch(net, torch.float64), S, default_threads)
        variants["torch float32, 1 thread"] = lambda: time_steps(
            lambda: Torch(net, torch.float32), S, 1)
    times: dict[str, list[float]] = {k: [] for k in variants}
    stream, sent = [], []
    streamed(100)  # warm up imports and caches
    for _ in range(args.repeats):  # interleaved
        for name, run in variants.items():
            times[name].append(run())
        t, b = streamed(max(S, 100))
        stream.append(t)
        sent.append(b)
    if torch is not None:
        torch.set_num_threads(default_threads)
    med = {k: median(v) * 1e6 for k, v in times.items()}

    print(f"{net.name}: {net.dim} weights, {net.data.n_train} training images "
          f"(full batch), Adam lr {LR}; one step = forward + backward + update; "
          f"{args.clock} clock, median of {args.repeats} repeats × {S} steps; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
    print(simd_note() + (f"; torch {torch.__version__} "
                         f"({torch.backends.cpu.get_cpu_capability()})" if torch is not None
                         else " — torch not installed: ours only"))
    others = {f"main {old.commit}": Ours(old_net)} if old else {}
    if torch is not None:
        others["torch float64"] = Torch(net, torch.float64)
    if others:
        print("check: after 50 identical steps the weights differ from ours by at most "
              + ", ".join(f"{v:.1e} ({k})" for k, v in agreement(net, others).items()))
    ref = med["ours, R = 1"]
    table(["variant", "µs/step", "÷ ours R = 1"],
          [(name, us, f"{us / ref:.2f}") for name, us in med.items()],
          title="Time per full-batch training step (lower is better)")
    if torch is not None:
        t1 = med["torch float64, 1 thread"]
        print(f"torch float64 one thread ÷ ours: {t1 / ref:.2f}× (bare step), "
              f"{t1 / med['ours, Batch.advance']:.2f}× (Batch.advance)")
        if old:
            m1 = med[f"main {old.commit}, R = 1"]
            print(f"torch float64 one thread ÷ main {old.commit}: {t1 / m1:.2f}× (bare step), "
                  f"{t1 / med[f'main {old.commit}, Batch.advance']:.2f}× (Batch.advance); "
                  f"main ÷ ours: {m1 / ref:.2f}")
    s = median(stream)
    table(["", "µs/step", "steps/s on one core", "JSON bytes/step"],
          [("streamed step (StreamSession.handle + dumps)", s * 1e6, 1 / s, median(sent))],
          title="The stream (as WS /ws/run plays it)")


if __name__ == "__main__":
    main()
