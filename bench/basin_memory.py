"""Memory under a class that all asks for the largest basin map at once (issue 14, item 3).

Starts ``python -m gdviz serve`` on a free 127.0.0.1 port and opens ``--sockets``
WebSockets to /ws/landscape, each asking for a 256² × 2,000-step basin map of
Himmelblau (the largest the socket takes). The server's RSS — its worker and job
processes together — is sampled every 0.5 s for ``--seconds``, then again after every
socket has closed (their jobs are cancelled). Printed beside docs/deploy.md's ceiling
for one worker: its own ~70 MB + ~20 MB for the sockets + 3 job processes × ~60 MB +
``GDVIZ_JOB_MEMORY_MB`` (600). How many sockets got their job admitted, refused at once
(busy) or are still waiting is counted from their replies.

    python bench/basin_memory.py                  # 200 sockets, 30 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter

import _common  # noqa: F401  (puts the repository on sys.path)
from _common import HOST, free_port, start_server, stop_server, table
from load import MB, MemorySampler, tree_rss
from websockets.asyncio.client import connect

BASINS = {"surface": "himmelblau", "run": {"optimizer": "gd", "lr": 0.01},
          "grid": {"n": 256}, "steps": 2000}
CEILING_MB = 70 + 20 + 3 * 60 + 600


async def one(uri: str, seconds: float, seen: Counter) -> None:
    async with connect(uri, max_size=None, open_timeout=60, ping_interval=None) as ws:
        await ws.send(json.dumps({"type": "run", "id": 1, "kind": "basins",
                                  "request": BASINS}))
        kind = "no reply"
        try:
            async with asyncio.timeout(seconds):
                while True:
                    m = json.loads(await ws.recv())
                    if m["type"] == "error":
                        kind = "busy" if "busy" in m["message"] else "error: " + m["message"][:60]
                        break
                    if m["type"] in ("progress", "result"):
                        kind = "computing or done"
                        if m["type"] == "result":
                            break
        except TimeoutError:
            pass
        seen[kind] += 1


async def crowd(uri: str, n: int, seconds: float) -> Counter:
    seen: Counter = Counter()
    await asyncio.gather(*(one(uri, seconds, seen) for _ in range(n)), return_exceptions=True)
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        before = tree_rss(server.pid)
        sampler = MemorySampler(server.pid, [server.pid])
        sampler.start()
        seen = asyncio.run(crowd(f"ws://{HOST}:{port}/ws/landscape", args.sockets,
                                 args.seconds))
        samples = sampler.stop()
        asyncio.run(asyncio.sleep(5))  # the jobs cancelled, memory handed back
        after = tree_rss(server.pid)
    finally:
        stop_server(server)
    table(["", "MB"], [["RSS before", f"{before / MB:,.0f}"],
                       ["RSS peak (worker + job processes)", f"{max(samples) / MB:,.0f}"],
                       ["RSS 5 s after the sockets closed", f"{after / MB:,.0f}"],
                       ["documented ceiling, one worker (docs/deploy.md)", f"{CEILING_MB:,}"]],
          title=f"{args.sockets} sockets each asking for a 256² × 2,000 basin map")
    for kind, n in sorted(seen.items()):
        print(f"  {n} socket(s): {kind}")


if __name__ == "__main__":
    main()
