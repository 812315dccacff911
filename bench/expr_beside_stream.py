"""Custom f(x, y)s checked beside live streams: do the streams notice?

Starts ``python -m gdviz serve`` on a free 127.0.0.1 port with ``--streams`` clients
playing at 30 steps/s (bench/load.py's clients), and measures their frame gaps twice,
``--seconds`` each: quietly, then while ``--posters`` clients each POST /api/expr with
distinct ~190-character nests of atan2 — an expression whose exact derivatives take
0.1–1 s to build — one after another (each text is new, so nothing is cached).
Prints the gaps between `frames` messages (p50, p95, max) in both phases, and how
long the expressions took to answer.

    python bench/expr_beside_stream.py                 # ~1 min
    python bench/expr_beside_stream.py --streams 20 --seconds 20

Point ``--root`` at another checkout to measure its code the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time

import httpx

import _common
from _common import HOST, free_port, start_server, stop_server, table
from load import crowd, percentile, run_async

MAX_CHARS = 195


def atan2_nest(seed: int) -> str:
    """A distinct nest of atan2 calls of at most MAX_CHARS characters."""
    r = random.Random(seed)
    e = "x"
    while True:
        a = r.choice(["x", "y", f"{r.randint(1, 9)}*x", "y*x", f"{r.randint(2, 9)}*y"])
        nxt = f"atan2({e},{a})" if r.random() < 0.5 else f"atan2({a},{e})"
        if len(nxt) > MAX_CHARS:
            return e
        e = nxt


async def posters(port: int, n: int, seconds: float, first_seed: int) -> list[float]:
    """``n`` clients posting new expressions one after another for ``seconds``; the
    seconds each answer took."""
    took: list[float] = []
    seeds = iter(range(first_seed, first_seed + 100_000))

    async def one(http):
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while loop.time() < until:
            began = loop.time()
            r = await http.post("/api/expr?n=60", json={"expr": atan2_nest(next(seeds))},
                                timeout=120)
            if r.status_code == 503:
                await asyncio.sleep(float(r.headers.get("retry-after", 1)))
                continue
            took.append(loop.time() - began)

    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as http:
        await asyncio.gather(*(one(http) for _ in range(n)))
    return took


async def phase(port: int, args, with_posters: bool) -> tuple[list[float], list[float]]:
    uri = f"ws://{HOST}:{port}/ws/run"
    work = [crowd(uri, args.streams, 30.0, args.seconds, 0.5, True)]
    if with_posters:
        work.append(posters(port, args.posters, args.seconds, int(time.time())))
    got = await asyncio.gather(*work)
    gaps = [g for c in got[0] for g in c.gaps]
    return gaps, (got[1] if with_posters else [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", type=int, default=5)
    ap.add_argument("--posters", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--root", default=None, help="the checkout whose server to run")
    args = ap.parse_args()
    if args.root:
        _common.ROOT = os.path.abspath(args.root)
    port = free_port()
    proc = start_server(port)
    try:
        quiet, _ = run_async(phase(port, args, False))
        busy, took = run_async(phase(port, args, True))
    finally:
        stop_server(proc)
    ms = lambda xs, q: f"{percentile(xs, q) * 1e3:,.0f}"  # noqa: E731
    table(["", "gap p50 ms", "gap p95 ms", "gap max ms", "expressions", "answer p50 s",
           "answer max s"],
          [["streams alone", ms(quiet, 0.5), ms(quiet, 0.95), ms(quiet, 1.0), "", "", ""],
           [f"beside {args.posters} posting atan2 nests", ms(busy, 0.5), ms(busy, 0.95),
            ms(busy, 1.0), len(took), f"{percentile(took, 0.5):.2f}",
            f"{max(took, default=0):.2f}"]],
          title=f"{args.streams} streams at 30 steps/s (a frames message every 33 ms), "
                f"{args.seconds:g} s per phase; server at {_common.ROOT}")


if __name__ == "__main__":
    sys.exit(main())
