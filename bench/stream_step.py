"""Per-step cost of ONE streamed run, split into its parts.

What the WebSocket route pays for each step of a single run: the session's
``handle('{"type":"step","count":100}')`` (engine advance + propose, frame
dict building, session bookkeeping) and then ``app.api.json.dumps`` of the
messages it returns. Rosenbrock, Adam lr 0.01 from (-1.5, 2); each repeat is
a fresh run of 10 step messages (1,000 steps).

The parts come from the same calls: timers sit around the batch's
``advance``/``propose`` and its pieces (``bench/_common.instrument``) and
around the session module's ``frame`` function, so the bookkeeping (the rest
of ``handle``) is measured on the same samples, not subtracted across runs.
The wrappers add ~2 µs a step; a run without them gives the plain total.

Medians of several repeats; no assertions. Run: ``python bench/stream_step.py``.
"""

from __future__ import annotations

import argparse
import json

import _common
from _common import median, no_gc, pc, table

import app.streaming.session as session_module
from app.api.json import dumps
from app.streaming.session import StreamSession

SCENARIO = {"surface": "rosenbrock",
            "runs": [{"optimizer": "adam", "lr": 0.01, "start": [-1.5, 2.0]}],
            "steps": 10000}
PER_MESSAGE = 100


def session_path(n_msgs: int, instrumented: bool) -> dict[str, float]:
    """Seconds spent per part over n_msgs step messages of one fresh run."""
    session = StreamSession()
    session.handle(json.dumps({"type": "start", "scenario": SCENARIO}), 0.0)
    step_text = json.dumps({"type": "step", "count": PER_MESSAGE})
    timers = _common.instrument(session.batches[0]) if instrumented else {}
    real_frame = session_module.frame
    if instrumented:
        def frame(*a):
            t = pc()
            out = real_frame(*a)
            timers["frame"] += pc() - t
            return out
        session_module.frame = frame
    outs = []
    try:
        with no_gc():
            t = pc()
            for _ in range(n_msgs):
                outs.append(session.handle(step_text, 1.0))
            t_handle = pc() - t
            t = pc()
            for out in outs:
                for message in out:
                    dumps(message)
            t_dumps = pc() - t
    finally:
        session_module.frame = real_frame
    steps = sum(len(m["frames"]) for out in outs for m in out if m["type"] == "frames")
    assert steps == n_msgs * PER_MESSAGE, "the run ended early: the benchmark needs a longer run"
    return {"handle": t_handle, "dumps": t_dumps, **timers}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--steps", type=int, default=1000, help="steps per repeat (multiple of 100)")
    args = ap.parse_args()
    n_msgs = args.steps // PER_MESSAGE
    n = n_msgs * PER_MESSAGE

    session_path(2, True)  # warm up imports, pydantic, caches
    plain, parts = [], []
    for _ in range(args.repeats):  # interleaved so machine noise hits both alike
        plain.append(session_path(n_msgs, False))
        parts.append(session_path(n_msgs, True))

    def med(key, runs=parts):
        return median([r[key] for r in runs]) / n * 1e6  # µs per step

    engine, frm, dump = med("total"), med("frame"), med("dumps")
    rest = median([(r["handle"] - r["total"] - r["frame"]) for r in parts]) / n * 1e6
    total = engine + frm + rest + dump
    print(f"One streamed run: Rosenbrock, Adam lr 0.01, {n} steps per repeat as "
          f"{n_msgs} × step{{count:{PER_MESSAGE}}}, median of {args.repeats} repeats")
    table(["part", "µs/step", "% of total"], [
        ("engine: Batch(R=1).advance + propose", engine, 100 * engine / total),
        ("frame dict building (frame, vec, num)", frm, 100 * frm / total),
        ("session bookkeeping (rest of handle)", rest, 100 * rest / total),
        ("JSON dumps (app.api.json.dumps)", dump, 100 * dump / total),
        ("= total (sum of the medians)", total, 100.0),
    ], title="Where a streamed step's time goes (instrumented run)")
    plain_total = med("handle", plain) + med("dumps", plain)
    print(f"  without the timers: handle + dumps = {plain_total:.0f} µs/step "
          f"(the timers add {total - plain_total:+.0f} µs/step)")
    print(f"  => one core streams at most ~{1e6 / plain_total:,.0f} steps/s of one run "
          f"(the UI's top speed is 2,000 steps/s); step{{count:1000}} holds the event loop "
          f"~{plain_total * 1000 / 1e3:.0f} ms")

    keys = ["total", "loss_and_grad", "optimizer.update", "classify", "classify.oscillating",
            "record_history"]
    split = {k: median([r[k] for r in parts]) for k in keys}
    table(["part", "µs/step", "% of engine"], _common.split_rows(split, n),
          title="Inside the engine step at R=1 (same instrumented runs)")


if __name__ == "__main__":
    main()
