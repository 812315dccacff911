"""Per-step cost of ONE streamed run, split into its parts.

What the WebSocket route pays for each step of a single run: the session's
``handle('{"type":"step","count":100}')`` (engine advance + propose, frame
dict building, session bookkeeping; plus the ``tick`` calls that finish a
step the session cut short after ``MAX_TICK_COMPUTE``, as the socket loop
makes them) and then ``gdviz.api.json.dumps`` of the messages it returns.
Rosenbrock, Adam lr 0.01 from (-1.5, 2); each repeat is a fresh run of 10
step messages (1,000 steps).

The parts come from the same calls: timers sit around the batch's
``advance``/``propose`` and its pieces (``bench/_common.instrument``) and
around the session module's ``record`` and ``frame_dict_of`` (surface frames;
model frames go through ``ModelRuns.frames`` — timed too, see
``bench/stream_network.py``, which reuses ``session_path``), so the
bookkeeping (the rest of ``handle``) is measured on the same samples, not
subtracted across runs. The wrappers add a few µs a step; a run without them
gives the plain total.

Medians of several repeats; no assertions. Run: ``python bench/stream_step.py``.
"""

from __future__ import annotations

import argparse
import json

import _common
from _common import median, no_gc, pc, table

import gdviz.streaming.model_runs as model_runs_module
import gdviz.streaming.session as session_module
from gdviz.api.json import dumps
from gdviz.streaming.session import StreamSession

SCENARIO = {"surface": "rosenbrock",
            "runs": [{"optimizer": "adam", "lr": 0.01, "start": [-1.5, 2.0]}],
            "steps": 10000}
PER_MESSAGE = 100


# (module, attribute, timer key): the session's own functions, looked up as module globals
_MODULE_HOOKS = [
    (session_module, "frame_dict_of", "frame"),       # surface frames (frame_dict of a record)
    (session_module, "record", "record"),             # copies of one step's state
    (model_runs_module, "frame_dict", "frame"),       # model frames (inside ModelRuns.frames)
]


def session_path(scenario: dict, n_msgs: int, instrumented: bool,
                 fat: bool = False) -> dict[str, float]:
    """Seconds spent per part over n_msgs step messages of one fresh run of ``scenario``.

    Keys: ``handle``, ``dumps``, ``bytes`` (UTF-8 size of all replies), ``replies``
    (``frames`` messages: more than n_msgs when the session cut a step short), and with
    ``instrumented`` the engine's (``_common.instrument``) plus ``frame``, ``record``
    and, for model scenarios, ``model_frames`` (all of ``ModelRuns.frames``),
    ``model_fields``, ``observe``, ``path``, ``diagnoses``.
    ``fat``: model scenarios keep params/grad/update on every frame (no thinning)."""
    session = StreamSession()
    session.handle(json.dumps({"type": "start", "scenario": scenario}), 0.0)
    step_text = json.dumps({"type": "step", "count": PER_MESSAGE})
    models = session.models
    if fat and models is not None:
        models.thin_frames = False
    timers = _common.instrument(session.batches[0]) if instrumented else {}
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in _MODULE_HOOKS]
    if instrumented:
        for mod, name, key in _MODULE_HOOKS:
            setattr(mod, name, _common._timed(getattr(mod, name), key, timers))
        if models is not None:  # instance attributes: gdviz/ code is unchanged
            for name, key in (("frames", "model_frames"), ("diagnoses", "diagnoses"),
                              ("frame_fields", "model_fields")):
                setattr(models, name, _common._timed(getattr(models, name), key, timers))
            for w in models.watches:
                w.observe = _common._timed(w.observe, "observe", timers)
            for p in models.paths:
                p.add = _common._timed(p.add, "path", timers)
    outs = []
    try:
        with no_gc():
            t = pc()
            for _ in range(n_msgs):
                outs.append(session.handle(step_text, 1.0))
                while session.next_tick(1.0) == 0.0:  # the rest of a step cut short by
                    outs.append(session.tick(1.0))   # MAX_TICK_COMPUTE, as the socket loop
            t_handle = pc() - t
            t = pc()
            texts = [dumps(message) for out in outs for message in out]
            t_dumps = pc() - t
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)
    steps = sum(len(m["frames"]) for out in outs for m in out if m["type"] == "frames")
    assert steps == n_msgs * PER_MESSAGE, "the run ended early: the benchmark needs a longer run"
    replies = sum(m["type"] == "frames" for out in outs for m in out)
    return {"handle": t_handle, "dumps": t_dumps, "replies": replies,
            "bytes": sum(len(s.encode()) for s in texts), **timers}


def parts_us(r: dict[str, float], n: int) -> dict[str, float]:
    """One instrumented session_path result as µs per step by part (they add up to
    handle + dumps)."""
    g = lambda k: r.get(k, 0.0)  # noqa: E731
    if "model_frames" in r:  # frame_dict runs inside ModelRuns.frames
        assembly = g("model_frames") - g("model_fields") - g("observe") - g("path") - g("frame")
        outside = g("total") + g("record") + g("model_frames") + g("diagnoses")
    else:
        assembly, outside = 0.0, g("total") + g("record") + g("frame")
    s = {"engine": g("total"), "record": g("record"), "model_fields": g("model_fields"),
         "observe": g("observe"), "diagnoses": g("diagnoses"), "frame": g("frame"),
         "assembly": assembly, "path": g("path"),
         "rest": g("handle") - outside, "dumps": g("dumps")}
    return {k: v / n * 1e6 for k, v in s.items()}


def median_parts(runs: list[dict], n: int) -> dict[str, float]:
    """Median µs/step of each part over repeats, and ``total`` = their sum."""
    per = [parts_us(r, n) for r in runs]
    out = {k: median([p[k] for p in per]) for k in per[0]}
    out["total"] = sum(out.values())
    out["measured"] = median([(r["handle"] + r["dumps"]) / n * 1e6 for r in runs])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--steps", type=int, default=1000, help="steps per repeat (multiple of 100)")
    args = ap.parse_args()
    n_msgs = args.steps // PER_MESSAGE
    n = n_msgs * PER_MESSAGE

    session_path(SCENARIO, 2, True)  # warm up imports, pydantic, caches
    plain, parts = [], []
    for _ in range(args.repeats):  # interleaved so machine noise hits both alike
        plain.append(session_path(SCENARIO, n_msgs, False))
        parts.append(session_path(SCENARIO, n_msgs, True))

    m = median_parts(parts, n)
    total = m["total"]
    print(f"One streamed run: Rosenbrock, Adam lr 0.01, {n} steps per repeat as "
          f"{n_msgs} × step{{count:{PER_MESSAGE}}}, median of {args.repeats} repeats")
    table(["part", "µs/step", "% of total"], [
        ("engine: Batch(R=1).advance + propose", m["engine"], 100 * m["engine"] / total),
        ("record (copies of the step's state)", m["record"], 100 * m["record"] / total),
        ("frame dict building (frame_dict_of: vec, num)", m["frame"],
         100 * m["frame"] / total),
        ("session bookkeeping (rest of handle)", m["rest"], 100 * m["rest"] / total),
        ("JSON dumps (app.api.json.dumps)", m["dumps"], 100 * m["dumps"] / total),
        ("= total (sum of the medians)", total, 100.0),
    ], title="Where a streamed step's time goes (instrumented run)")
    plain_total = median([(r["handle"] + r["dumps"]) / n * 1e6 for r in plain])
    print(f"  instrumented handle + dumps, measured whole: {m['measured']:.0f} µs/step")
    print(f"  without the timers: handle + dumps = {plain_total:.0f} µs/step "
          f"(the timers add {total - plain_total:+.0f} µs/step)")
    print(f"  => one core streams at most ~{1e6 / plain_total:,.0f} steps/s of one run "
          f"(the UI's top speed is 2,000 steps/s); step{{count:1000}} holds the event loop "
          f"~{plain_total * 1000 / 1e3:.0f} ms")

    keys = _common.ENGINE_PARTS
    split = {k: median([r[k] for r in parts]) for k in keys}
    table(["part", "µs/step", "% of engine"], _common.split_rows(split, n),
          title="Inside the engine step at R=1 (same instrumented runs)")


if __name__ == "__main__":
    main()
