"""What a class costs the session per step: N playing streams, one step per tick.

``load.py``'s clients (bowl, plain GD lr 1e-6, 30 steps/s) put one step in each
`frames` message, so every step pays a whole tick: ``StreamSession.tick`` (the
engine step, the frame, the session's bookkeeping) and ``gdviz.api.json.dumps`` of
its message, in the steady state (after the first 40 steps, which skip the
oscillation test). ``stream_step.py`` spreads a message over 100 steps and hides that.
Here N sessions are ticked in-process on a simulated clock, every 1/30 s, as the
socket loop would; there is no socket, so the WebSocket path (uvicorn,
``websockets``, deflate, the event loop) is not in these figures — ``load.py``
gives the whole server.

Medians of several repeats; no assertions. Run: ``python bench/stream_ticks.py``.
"""

from __future__ import annotations

import argparse

from _common import median, pc, start_text

from gdviz.api.json import dumps
from gdviz.streaming.session import TICK, StreamSession

WARM = 50  # untimed ticks first: a class streams for minutes, so the steady state counts


def repeat(sessions: int, ticks: int) -> float:
    """µs per streamed step over ``ticks`` ticks of ``sessions`` fresh playing streams."""
    crowd = [StreamSession() for _ in range(sessions)]
    for s in crowd:
        s.handle(start_text(30.0), 0.0)
        for k in range(1, WARM + 1):  # past the first 2 × window steps (no oscillation test)
            s.tick(k * TICK)
    steps = 0
    t = pc()  # the cyclic GC stays on: the server pays for what a step leaves behind too
    for k in range(WARM + 1, WARM + ticks + 1):
        for s in crowd:
            for message in s.tick(k * TICK):
                dumps(message)
                if message["type"] == "frames":
                    steps += len(message["frames"])
    elapsed = pc() - t
    return elapsed / steps * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--ticks", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    repeat(2, 5)  # warm up imports, pydantic, caches
    us = median([repeat(args.sessions, args.ticks) for _ in range(args.repeats)])
    print(f"{args.sessions} playing streams × {args.ticks} ticks (bowl, GD lr 1e-6, 30 steps/s: "
          f"one step per tick), median of {args.repeats}: tick + dumps = {us:.0f} µs/step "
          f"=> one core's session work holds ~{1e6 / us / 30:,.0f} such streams")


if __name__ == "__main__":
    main()
