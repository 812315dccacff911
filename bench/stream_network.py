"""Per-step cost of ONE streamed network run, beside the surface stream.

The network: ``{"kind": "mlp", "dataset": "moons", "n": 640, "test_fraction":
0.2, "hidden": [16, 16], "activation": "tanh"}`` (a 2-16-16-2 MLP on 512
training points), one run of Adam lr 0.01, driven exactly as the WebSocket
route drives it: ``session.handle('{"type":"step","count":100}')`` then
``gdviz.api.json.dumps`` of each reply. The surface: Rosenbrock, Adam lr 0.01
(``bench/stream_step.py``'s case). Both go through ``stream_step.session_path``;
each repeat is a fresh run of 10 step messages (1,000 steps), the scenarios
interleaved repeat by repeat.

Besides the split, the script times the bare training step of the same net
(``MLP.loss_and_grad`` + the engine's Adam update, ``bench/mlp_step.py``'s
"ours, R = 1") and prints network stream step ÷ bare step. It also sends the
same run once more with thinning switched off (every frame carries params,
grad and update) to compare the bytes on the wire.

Both streams are also timed *playing* at 30 steps/s, ticked every tick (a step and a
message each, as a class's streams are; ``playing``): there nothing is amortised over
100 steps — a network's frame carries its accuracy and test loss at every step.

A ``step`` message makes the session diagnose after every reply (a diagnosis is
forced while not playing); while playing it diagnoses at most every 0.5 s, so
at 2,000 steps/s that part is ~10× smaller than here.

Medians of several repeats; no assertions on time.
Run: ``python bench/stream_network.py [--repeats 7]``.
"""

from __future__ import annotations

import argparse
import json

import _common  # also puts the repository root on sys.path
from _common import median, no_gc, pc, table
from mlp_step import Ours
from stream_step import PER_MESSAGE, SCENARIO as SURFACE, median_parts, session_path

NETWORK = {"model": {"kind": "mlp", "dataset": "moons", "n": 640, "test_fraction": 0.2,
                     "hidden": [16, 16], "activation": "tanh"},
           "runs": [{"optimizer": "adam", "lr": 0.01}],
           "steps": 10000}  # the default budget (500) would end the run inside a repeat

ROWS = [  # (key in median_parts, label)
    ("engine", "engine: Batch(R=1).advance + propose"),
    ("record", "record (copies of the step's params/grad/update)"),
    ("model_fields", "model fields (model_fields: accuracy, test loss, grad norms)"),
    ("observe", "diagnosis: RunWatch.observe"),
    ("diagnoses", "diagnosis: findings (once per reply)"),
    ("frame", "frame dicts (frame_dict: vec/num of params, grad, update)"),
    ("assembly", "frame assembly (stack rows, merge fields; thin frames skip the vectors)"),
    ("path", "PCA path (ThinPath.add)"),
    ("rest", "session bookkeeping (rest of handle)"),
    ("dumps", "JSON dumps"),
]


def bare_step(net, steps: int) -> float:
    """µs per bare training step of ``net`` (after 20 warm-up steps)."""
    ours = Ours(net, 1)
    for _ in range(20):
        ours.step()
    with no_gc():
        t = pc()
        for _ in range(steps):
            ours.step()
        return (pc() - t) / steps * 1e6


def playing(scenario: dict, ticks: int) -> float:
    """µs per step of a session *playing* at the page's 30 steps/s and ticked every TICK —
    one step and one message a tick, as a class's streams are (``step{count:100}`` above
    amortises the frame's model fields and the reply over 100 steps; a tick cannot). The
    cyclic GC stays on, as in the server. Timed after 40 ticks (past 2W steps)."""
    from gdviz.api.json import dumps
    from gdviz.streaming.session import TICK, StreamSession

    s = StreamSession()
    s.handle(json.dumps({"type": "start", "scenario": {**scenario, "speed": 30.0}}), 0.0)
    for k in range(1, 41):
        for message in s.tick(k * TICK):
            dumps(message)
    steps, t = 0, pc()
    for k in range(41, 41 + ticks):
        for message in s.tick(k * TICK):
            dumps(message)
            steps += len(message["frames"]) if message["type"] == "frames" else 0
    return (pc() - t) / steps * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--steps", type=int, default=1000, help="steps per repeat (multiple of 100)")
    args = ap.parse_args()
    n_msgs = args.steps // PER_MESSAGE
    n = n_msgs * PER_MESSAGE

    from gdviz.scenarios.models import Scenario
    from gdviz.scenarios.objectives import objective_of
    net = objective_of(Scenario.model_validate(NETWORK))
    print(f"network: {net.dim} weights, {len(net.data.x_train)} training points, "
          f"{len(net.data.x_test)} test points")

    for sc in (SURFACE, NETWORK):  # warm up imports, pydantic, caches
        session_path(sc, 2, True)
    runs = {k: [] for k in ("surface", "surface plain", "network", "network plain",
                            "network fat")}
    bare, play = [], {"surface": [], "network": []}
    for _ in range(args.repeats):  # interleaved so machine noise hits all alike
        play["surface"].append(playing(SURFACE, 5 * n_msgs * 10))
        play["network"].append(playing(NETWORK, n_msgs * 10))
        runs["surface plain"].append(session_path(SURFACE, n_msgs, False))
        runs["surface"].append(session_path(SURFACE, n_msgs, True))
        runs["network plain"].append(session_path(NETWORK, n_msgs, False))
        runs["network"].append(session_path(NETWORK, n_msgs, True))
        runs["network fat"].append(session_path(NETWORK, n_msgs, False, fat=True))
        bare.append(bare_step(net, n))

    s, m = median_parts(runs["surface"], n), median_parts(runs["network"], n)
    print(f"\nOne streamed run, {n} steps per repeat as {n_msgs} × step{{count:{PER_MESSAGE}}}, "
          f"median of {args.repeats} repeats (instrumented runs)")
    rows = [(label, s[k], 100 * s[k] / s["total"], m[k], 100 * m[k] / m["total"])
            for k, label in ROWS]
    rows.append(("= total (sum of the medians)", s["total"], 100.0, m["total"], 100.0))
    rows.append(("  instrumented handle + dumps, measured whole", s["measured"], float("nan"),
                 m["measured"], float("nan")))
    table(["part", "surface µs/step", "%", "network µs/step", "%"], rows,
          title="Where a streamed step's time goes: Rosenbrock Adam vs 2-16-16-2 MLP Adam")

    keys = _common.ENGINE_PARTS
    split = {k: median([r[k] for r in runs["network"]]) for k in keys}
    table(["part", "µs/step", "% of engine"],
          [(name.replace("(surface)", "(MLP forward + backward)"), *rest)
           for name, *rest in _common.split_rows(split, n)],
          title="Inside the network's engine step (same instrumented runs)")

    def plain(key):
        return median([(r["handle"] + r["dumps"]) / n * 1e6 for r in runs[key]])

    sp, np_, fat, b = plain("surface plain"), plain("network plain"), plain("network fat"), \
        median(bare)
    table(["", "µs/step", "steps/s on one core"], [
        ("surface stream step (no timers)", sp, 1e6 / sp),
        ("network stream step (no timers)", np_, 1e6 / np_),
        ("network stream step, fat frames (no timers)", fat, 1e6 / fat),
        ("bare network step: loss_and_grad + Adam (mlp_step 'ours, R = 1')", b, 1e6 / b),
        ("surface stream playing at 30 steps/s: a step and a message per tick",
         median(play["surface"]), 1e6 / median(play["surface"])),
        ("network stream playing at 30 steps/s: a step and a message per tick",
         median(play["network"]), 1e6 / median(play["network"])),
    ], title="Without timers")
    print("  frames messages per repeat (a step{count:100} cut short after MAX_TICK_COMPUTE "
          "goes out in more): " + ", ".join(
              f"{k} {median([r['replies'] for r in runs[k]]):.0f}"
              for k in ("surface plain", "network plain", "network", "network fat")))
    print(f"  network stream step ÷ bare step: {np_ / b:.2f}×; "
          f"÷ the surface stream step: {np_ / sp:.1f}×")

    def per_step(key, field):
        return median([r[field] for r in runs[key]]) / n

    thin_b, fat_b = per_step("network plain", "bytes"), per_step("network fat", "bytes")
    thin_d = per_step("network plain", "dumps") * 1e6
    fat_d = per_step("network fat", "dumps") * 1e6
    table(["network replies", "JSON bytes/step", "dumps µs/step", "at 2,000 steps/s"], [
        ("thin frames (as streamed)", thin_b, thin_d, f"{thin_b * 2000 / 1e6:.2f} MB/s"),
        ("fat: params/grad/update on every frame", fat_b, fat_d,
         f"{fat_b * 2000 / 1e6:.2f} MB/s"),
        ("fat ÷ thin", fat_b / thin_b, fat_d / thin_d, ""),
    ], title=f"Bytes on the wire (before permessage-deflate), surface for comparison: "
             f"{per_step('surface plain', 'bytes'):.0f} bytes/step")


if __name__ == "__main__":
    main()
