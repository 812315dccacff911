"""One run, against the pure-float floor and against torch.optim (issue 19, item 2).

Rosenbrock, Adam (η 0.01, torch's defaults otherwise) from (−1.5, 2), side by side in
one process run (this machine is shared: compare the ratios, not the figures):

* **floor** — the same Rosenbrock + Adam step on Python floats, nothing else: no
  verdict, no frame (the least a step of one run can cost in Python);
* **engine** — ``Batch(R=1)``: ``propose`` then ``advance`` (the step, its verdict rules,
  the frame's update), as a stream and ``POST /api/run`` take it;
* **streamed** — the session's ``handle`` of ``step{count:100}`` messages plus
  ``json.dumps`` of its replies (every frame as the socket sends it, with its ``opt``
  terms), per step; also for a named curve and a typed f(x, y) (``STREAMED``), and for runs
  while they circle a minimum, where the verdict near a minimum is in question every step
  (``CIRCLING``);
* **POST /api/run** — one request of 1 run × N steps to a real server on loopback
  (``gdviz serve``, one worker, its job worker started by an untimed request first), wall
  time per step from send to the last byte, the JSON parsed; against
* **torch.optim** — the same run end to end in torch (float64, one thread): autograd's
  forward and backward, ``Adam.step``, and the frame as Python numbers
  (params, loss, ∇L, update), ``json.dumps`` of the whole run at the end.

Medians of ``--repeats``; no assertions.

    python bench/single_run.py [--steps 2000] [--post-steps 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import math
import time
import urllib.request

import _common

try:
    import torch
except ImportError:  # torch is optional: its rows are left out
    torch = None
from _common import HOST, free_port, median, no_gc, pc, start_server, stop_server, table

START, LR = (-1.5, 2.0), 0.01
SCENARIO = {"surface": "rosenbrock", "runs": [{"optimizer": "adam", "lr": LR, "start": list(START)}]}
# POST /api/run and torch for three runs (steps: None for --post-steps): this one whole
# (from about step 4,000 it circles (1, 1), so the verdict near a minimum is asked every
# step until it is called oscillating at 6,428), its first 2,000 steps (before that), and
# load.py's crawl (plain GD at η 1e-6 on the bowl: 10,000 steps, no verdict due)
POST_CASES = {
    "Rosenbrock, Adam η 0.01": (SCENARIO, "adam", LR, START, None),
    "Rosenbrock, Adam, its first 2,000 steps": (SCENARIO, "adam", LR, START, 2000),
    "bowl, GD η 1e-6 (the crawl)": ({"surface": "bowl", "runs": [
        {"optimizer": "gd", "lr": 1e-6, "start": [-1.5, 1.0]}]}, "gd", 1e-6, (-1.5, 1.0), None),
}


def floor(steps: int) -> float:
    """µs per Rosenbrock + Adam step on Python floats (torch's Adam, written out)."""
    x, y = START
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    b1, b2, eps = 0.9, 0.999, 1e-8
    t0 = pc()
    for t in range(1, steps + 1):
        gx = -2 * (1 - x) - 400 * x * (y - x * x)
        gy = 200 * (y - x * x)
        loss = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
        bc1, bc2 = 1 - b1 ** t, math.sqrt(1 - b2 ** t)
        m[0], m[1] = b1 * m[0] + (1 - b1) * gx, b1 * m[1] + (1 - b1) * gy
        v[0], v[1] = b2 * v[0] + (1 - b2) * gx * gx, b2 * v[1] + (1 - b2) * gy * gy
        x -= LR * (m[0] / bc1) / (math.sqrt(v[0]) / bc2 + eps)
        y -= LR * (m[1] / bc1) / (math.sqrt(v[1]) / bc2 + eps)
    assert math.isfinite(loss)
    return (pc() - t0) / steps * 1e6


def engine(steps: int) -> float:
    from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
    from gdviz.engine.runs import Batch
    from gdviz.engine.surfaces import SURFACES

    b = Batch(SURFACES["rosenbrock"], OPTIMIZERS["adam"],
              hyper_arrays([{**defaults("adam"), "lr": LR}]), [list(START)], steps + 1)
    t0 = pc()
    for _ in range(steps):
        b.propose()
        b.advance()
    return (pc() - t0) / steps * 1e6


# runs while they circle a minimum, where the verdict near a minimum is in question every
# step: (scenario, untimed steps first, timed steps). The Rosenbrock run above circles (1, 1)
# from about step 2,000 (called oscillating at 6,428); Adam circles Himmelblau's irrational
# (−2.81, 3.13) and two_wells' (0.96, 0) (no double there comes to rest) from ~step 300
CIRCLING = {
    "streamed: the same run circling (1, 1), steps 2,000–6,400": (SCENARIO, 2000, 4400),
    "streamed: Adam η 0.05 circling Himmelblau's (−2.81, 3.13), steps 500–2,500": (
        {"surface": "himmelblau", "runs": [{"optimizer": "adam", "lr": 0.05,
                                            "start": [-0.5, 0.0]}]}, 500, 2000),
    "streamed: Adam η 0.05 circling two_wells' (0.96, 0), steps 500–2,500": (
        {"surface": "two_wells", "runs": [{"optimizer": "adam", "lr": 0.05,
                                           "start": [2.0, 1.0]}]}, 500, 2000),
}
STREAMED = {  # other one-run streams: a named f(x), and the same Rosenbrock typed in
    "streamed: the curve two_wells, GD η 1e-5": {
        "model": {"kind": "f1d", "f": "two_wells"}, "runs": [{"optimizer": "gd", "lr": 1e-5}]},
    "streamed: typed (1 − x)² + 100(y − x²)², Adam": {
        "expr": "(1 - x)^2 + 100*(y - x^2)^2", "runs": [{"optimizer": "adam", "lr": LR,
                                                         "start": list(START)}]},
}


def streamed(steps: int, scenario: dict = SCENARIO, after: int = 0) -> float:
    """µs per streamed step, over ``steps`` steps taken ``after`` untimed ones."""
    from gdviz.api.json import dumps
    from gdviz.streaming.session import StreamSession

    session = StreamSession()
    session.handle(json.dumps({"type": "start", "scenario": {
        **scenario, "steps": after + steps + 100}, "paused": True}), 0.0)
    text = json.dumps({"type": "step", "count": 100})
    for _ in range(after // 100):
        session.handle(text, 0.0)
    t0 = pc()
    for _ in range(steps // 100):
        for reply in session.handle(text, 0.0):
            dumps(reply)
    return (pc() - t0) / steps * 1e6


def torch_end_to_end(steps: int, optimizer: str, lr: float, start) -> float:
    torch.set_num_threads(1)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = (torch.optim.Adam([p], lr=lr) if optimizer == "adam" else torch.optim.SGD([p], lr=lr))
    frames = []
    t0 = pc()
    for k in range(steps + 1):
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = ((1 - x) ** 2 + 100 * (y - x * x) ** 2 if optimizer == "adam"
                else x * x + y * y)
        loss.backward()
        before = p.detach().clone()
        frame = {"step": k, "params": before.tolist(), "loss": loss.item(),
                 "grad": p.grad.tolist(), "lr": lr}
        if k < steps:
            opt.step()
            frame["update"] = (p.detach() - before).tolist()
        frames.append(frame)
    json.dumps({"runs": [{"frames": frames}]})
    return (pc() - t0) / steps * 1e6


def post_run(port: int, scenario: dict, steps: int) -> tuple[float, int]:
    body = json.dumps({**scenario, "steps": steps}).encode()
    req = urllib.request.Request(f"http://{HOST}:{port}/api/run", data=body,
                                 headers={"Content-Type": "application/json"})
    t0 = pc()
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.loads(r.read())
    wall = pc() - t0
    frames = len(out["runs"][0]["frames"])
    return wall / (frames - 1) * 1e6, frames - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--post-steps", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-http", action="store_true", help="skip POST /api/run")
    args = ap.parse_args()
    port = None if args.no_http else free_port()
    server = None if args.no_http else start_server(port)
    try:
        got: dict[str, list[float]] = {k: [] for k in ("floor", "engine", "streamed")}
        taken = {}
        if server is not None:  # the job worker's first run pays its start: not timed
            for scenario, *_ in POST_CASES.values():
                post_run(port, scenario, 100)
        for _ in range(args.repeats):
            with no_gc():
                got["floor"].append(floor(args.steps))
                got["engine"].append(engine(args.steps))
                got["streamed"].append(streamed(args.steps))
                for name, (scenario, after, steps) in CIRCLING.items():
                    got.setdefault(name, []).append(streamed(steps, scenario, after=after))
                for name, scenario in STREAMED.items():
                    got.setdefault(name, []).append(streamed(args.steps, scenario))
            for name, (scenario, opt, lr, start, steps) in POST_CASES.items():
                steps = steps or args.post_steps
                if torch is not None:
                    with no_gc():
                        got.setdefault(("torch", name), []).append(
                            torch_end_to_end(steps, opt, lr, start))
                if server is not None:
                    us, taken[name] = post_run(port, scenario, steps)
                    got.setdefault(("post", name), []).append(us)
    finally:
        stop_server(server)
    f = median(got["floor"])
    rows = [["floor: Rosenbrock + Adam on Python floats", f"{f:.2f}", "1.0", ""],
            ["engine: Batch(R=1) propose + advance", f"{median(got['engine']):.1f}",
             f"{median(got['engine']) / f:.1f}", ""],
            ["streamed: session handle + dumps", f"{median(got['streamed']):.1f}",
             f"{median(got['streamed']) / f:.1f}", ""]]
    for name in CIRCLING:
        rows.append([name, f"{median(got[name]):.1f}", f"{median(got[name]) / f:.0f}", ""])
    for name in STREAMED:
        rows.append([name, f"{median(got[name]):.1f}", "", ""])
    for name in POST_CASES:
        t = median(got[("torch", name)]) if ("torch", name) in got else None
        if t is not None:
            rows.append([f"{name}: torch.optim end to end", f"{t:.1f}", f"{t / f:.0f}", "1.0"])
        if ("post", name) in got:
            p = median(got[("post", name)])
            rows.append([f"{name}: POST /api/run ({taken[name]} steps)", f"{p:.1f}",
                         f"{p / f:.0f}", "" if t is None else f"{t / p:.2f}× as fast"])
    table(["", "µs/step", "÷ floor", "against torch"], rows,
          f"One run: Rosenbrock, Adam η {LR} from {START} (the floor, engine and stream); "
          f"medians of {args.repeats}")


if __name__ == "__main__":
    main()
