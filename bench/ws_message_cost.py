"""What one WebSocket message and one streamed step cost the server, apart.

One real server (``python -m gdviz serve``, one worker, on a free 127.0.0.1 port) and
``--clients`` browsers (bench/load.py's clients: deflate offered, the bowl crawl that
never ends in the window) streaming at three speeds, one after another: 30 steps/s (the
page's default: one step in each `frames` message), 300 and 2,000 steps/s (the most a
link may ask; about 10 and 67 steps in each, the server ticking at 30 Hz). For each phase: the server's CPU
seconds over the window, the `frames` messages and the steps the clients received.
Each speed runs twice, for ``--seconds`` and for a third of it; the difference of the
two takes out what a phase costs whatever it streams (20 handshakes, starts and
goodbyes). The differences are then fitted as ``a · messages + b · steps`` (least
squares over the three speeds): ``a`` is what a message costs beyond its steps (the
session's tick, the envelope's JSON, deflate, the send, the event loop's wake-ups),
``b`` what a step costs (the engine, its frame, its share of the JSON and deflate).

Medians of ``--repeats``; no assertions. Run: ``python bench/ws_message_cost.py``.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import HOST, free_port, median, process_tree, settle, start_server, stop_server, tree_cpu
from load import crowd, run_async

SPEEDS = (30.0, 300.0, 2000.0)


def phase(port: int, pid: int, clients: int, speed: float, seconds: float) -> tuple[float, int, int]:
    """(server CPU s, frames messages, steps) of ``clients`` streaming at ``speed``."""
    uri = f"ws://{HOST}:{port}/ws/run"
    settle(process_tree(pid))  # the last phase's work is over
    before = tree_cpu(process_tree(pid))
    got = run_async(crowd(uri, clients, speed, seconds, 1.0, True))
    cpu = tree_cpu(process_tree(pid)) - before
    bad = [c.error for c in got if c.error]
    if bad:
        raise SystemExit(f"{len(bad)} clients failed at {speed} steps/s: {bad[0]}")
    return cpu, sum(len(c.gaps) + 1 for c in got), sum(c.steps for c in got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    port = free_port()
    proc = start_server(port)
    try:
        phase(port, proc.pid, 4, 30.0, 2.0)  # warm-up: first-use imports
        fits, rows = [], {s: [] for s in SPEEDS}
        for _ in range(args.repeats):
            diffs = []
            for s in SPEEDS:
                long = phase(port, proc.pid, args.clients, s, args.seconds)
                short = phase(port, proc.pid, args.clients, s, args.seconds / 3)
                rows[s].append(long)
                diffs.append([x - y for x, y in zip(long, short)])
            m = np.array([[msgs, steps] for _, msgs, steps in diffs], float)
            cpu = np.array([c for c, _, _ in diffs])
            fits.append(np.linalg.lstsq(m, cpu, rcond=None)[0])
    finally:
        stop_server(proc)
    print(f"{args.clients} clients × {args.seconds:g} s per phase, one worker, median of "
          f"{args.repeats}:")
    print(f"{'steps/s asked':>14} {'server CPU s':>13} {'messages':>9} {'steps':>8} "
          f"{'steps/msg':>9} {'µs per step, all in':>20}")
    for s in SPEEDS:
        cpu = median([r[0] for r in rows[s]])
        msgs = median([r[1] for r in rows[s]])
        steps = median([r[2] for r in rows[s]])
        print(f"{s:>14,.0f} {cpu:>13.2f} {msgs:>9,.0f} {steps:>8,.0f} {steps / msgs:>9.1f} "
              f"{cpu / steps * 1e6:>20.0f}")
    a = median([f[0] for f in fits]) * 1e6
    b = median([f[1] for f in fits]) * 1e6
    print(f"fit: a message costs {a:.0f} µs beyond its steps; a step {b:.0f} µs")


if __name__ == "__main__":
    main()
