"""The mixed lecture hall (``python bench/load.py --mixed``): streams beside heavy work.

One real server (``--workers W``; ``--compare-workers 1,2`` for both) on a free
127.0.0.1 port, and for ``--seconds``, all at once:

* ``--clients`` students streaming a run at ``--speed`` steps/s (bench/load.py's
  clients: pace and frame delay, read from the arrival gaps);
* ``--basins`` students each computing 128² basin maps one after another over
  WS /ws/landscape (Himmelblau, GD lr 0.01, 2,000 steps: what the page asks for);
* ``--hammer`` scripts each POSTing /api/run (2 runs × 1,000 Rosenbrock steps) one
  after another; a 503 is waited out for its Retry-After, as a polite client would;
* one probe GETting /api/optimizers every 0.2 s: how long an unrelated request waits.

A refusal (503, or a socket's busy `error`) is counted as such, not as a failure: it is
the admission control answering at once. A timeout (60 s without an answer) is a
failure. Server memory is the RSS of all its processes (workers and their job
processes), sampled every 0.5 s, and read again ``--after`` s after everyone left.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from _common import HOST, free_port, process_tree, settle, start_server, stop_server, table, tree_cpu
from load import (AT_PACE, MB, TICK, MemorySampler, crowd, percentile, run_async, tree_rss)
from websockets.asyncio.client import connect

BASINS = {"surface": "himmelblau", "run": {"optimizer": "gd", "lr": 0.01},
          "grid": {"n": 128}, "steps": 2000}
RUN = {"surface": "rosenbrock", "steps": 1000,
       "runs": [{"optimizer": "adam", "lr": 0.01}, {"optimizer": "gd", "lr": 0.001}]}
TIMEOUT = 60.0
PROBE_EVERY = 0.2
RETRY = re.compile(r"try again in (\d+) s")


@dataclass
class Tally:
    """What one kind of heavy client got: answers, refusals, failures, latencies."""

    done: int = 0
    busy: int = 0
    failed: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)  # of the answered ones


async def basin_client(uri: str, until: float, tally: Tally) -> None:
    """Basin maps one after another on one socket until ``until`` (loop time)."""
    loop = asyncio.get_running_loop()
    try:
        async with connect(uri, max_size=None, open_timeout=TIMEOUT, ping_interval=None) as ws:
            job = 0
            while loop.time() < until:
                job += 1
                began = loop.time()
                await ws.send(json.dumps({"type": "run", "id": job, "kind": "basins",
                                          "request": BASINS}))
                while True:
                    try:
                        m = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                    except TimeoutError:
                        tally.failed["no answer in 60 s"] += 1
                        return
                    if m["type"] == "result":
                        tally.done += 1
                        tally.seconds.append(loop.time() - began)
                        break
                    if m["type"] == "error":
                        wait = RETRY.search(m["message"])
                        if wait:
                            tally.busy += 1
                            await asyncio.sleep(min(int(wait.group(1)), until - loop.time()))
                        else:
                            tally.failed[m["message"][:80]] += 1
                        break
    except Exception as e:
        tally.failed[f"{type(e).__name__}: {e}"[:80]] += 1


async def hammer(http: httpx.AsyncClient, until: float, tally: Tally) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        began = loop.time()
        try:
            r = await http.post("/api/run", json=RUN, timeout=TIMEOUT)
        except httpx.TimeoutException:
            tally.failed["no answer in 60 s"] += 1
            continue
        except httpx.HTTPError as e:
            tally.failed[type(e).__name__] += 1
            await asyncio.sleep(0.5)
            continue
        if r.status_code == 200:
            tally.done += 1
            tally.seconds.append(loop.time() - began)
        elif r.status_code == 503:
            tally.busy += 1
            await asyncio.sleep(min(float(r.headers.get("retry-after", 1)),
                                    max(0.0, until - loop.time())))
        else:
            tally.failed[f"HTTP {r.status_code}"] += 1


async def probe(http: httpx.AsyncClient, until: float, tally: Tally) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        began = loop.time()
        try:
            r = await http.get("/api/optimizers", timeout=TIMEOUT)
            if r.status_code == 200:
                tally.done += 1
                tally.seconds.append(loop.time() - began)
            else:
                tally.failed[f"HTTP {r.status_code}"] += 1
        except httpx.HTTPError as e:
            tally.failed[type(e).__name__] += 1
        await asyncio.sleep(max(0.0, PROBE_EVERY - (loop.time() - began)))


async def hall(port: int, args) -> dict:
    loop = asyncio.get_running_loop()
    until = loop.time() + args.seconds + args.ramp
    basins, runs, gets = Tally(), Tally(), Tally()
    limits = httpx.Limits(max_connections=args.hammer + 4)
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", limits=limits) as http:
        streams, *_ = await asyncio.gather(
            crowd(f"ws://{HOST}:{port}/ws/run", args.clients, args.speed, args.seconds,
                  args.ramp, args.deflate),
            *(basin_client(f"ws://{HOST}:{port}/ws/landscape", until, basins)
              for _ in range(args.basins)),
            *(hammer(http, until, runs) for _ in range(args.hammer)),
            probe(http, until, gets))
    return {"streams": streams, "basins": basins, "runs": runs, "gets": gets}


def warm_up(port: int, workers: int) -> None:
    """First use of every path before the baseline: imports, and every job process
    (jobs at once on every server worker: 2 computations and a quick one each)."""
    async def once(http):
        await asyncio.gather(
            http.post("/api/run", json=RUN, timeout=TIMEOUT),
            http.post("/api/basins", json={**BASINS, "grid": {"n": 32}}, timeout=TIMEOUT),
            http.get("/api/surfaces/himmelblau/grid?n=60", timeout=TIMEOUT),
            http.get("/api/optimizers"))

    async def everywhere():
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as http:
            for _ in range(4 * workers):  # the kernel spreads connections over workers
                await asyncio.gather(*(once(http) for _ in range(workers)))
    run_async(everywhere())


def measure(workers: int, args) -> dict:
    port = free_port()
    proc = start_server(port, workers)
    try:
        pids = process_tree(proc.pid)
        warm_up(port, workers)
        settle(process_tree(proc.pid))
        before = tree_rss(proc.pid)
        sampler = MemorySampler(proc.pid, pids)
        sampler.start()
        cpu0, t0 = tree_cpu(process_tree(proc.pid)), time.monotonic()
        got = run_async(hall(port, args))
        window = time.monotonic() - t0
        cpu = (tree_cpu(process_tree(proc.pid)) - cpu0) / window
        samples = sampler.stop()
        time.sleep(args.after)
        after = tree_rss(proc.pid)
        alive = proc.poll() is None
    finally:
        stop_server(proc)
    streams = got["streams"]
    paces = [c.steps / (args.speed * args.seconds) for c in streams]
    gaps = [g for c in streams for g in c.gaps]
    delays = [max(0.0, g - max(TICK, 1 / args.speed)) for g in gaps]
    return {"clients": len(streams), "errors": Counter(c.error for c in streams if c.error),
            "held": sum(1 for c, p in zip(streams, paces) if not c.error and p >= AT_PACE),
            "pace p50": percentile(paces, 0.5), "pace min": min(paces, default=0),
            "delay p50": percentile(delays, 0.5), "delay p95": percentile(delays, 0.95),
            "gap max": max(gaps, default=0), "basins": got["basins"], "runs": got["runs"],
            "gets": got["gets"], "cpu": cpu, "rss before": before, "rss peak": max(samples),
            "rss after": after, "alive": alive}


def _tally_rows(label: str, key: str, results: dict) -> list[list]:
    rows = []
    for what, fn in (("answered", lambda t: f"{t.done:,}"),
                     ("refused at once (busy)", lambda t: f"{t.busy:,}"),
                     ("failed or timed out", lambda t: f"{sum(t.failed.values()):,}"),
                     ("seconds to answer p50", lambda t: f"{percentile(t.seconds, 0.5):.2f}"),
                     ("seconds to answer p95", lambda t: f"{percentile(t.seconds, 0.95):.2f}")):
        rows.append([f"{label}: {what}", *(fn(r[key]) for r in results.values())])
    return rows


def report(results: dict[int, dict], args) -> None:
    headers = ["", *(f"{w} worker{'s' if w > 1 else ''}" for w in results)]
    rows = [
        ["streams: clients, errors", *(f"{r['clients']}, {sum(r['errors'].values())}"
                                       for r in results.values())],
        [f"streams held at pace (≥ {AT_PACE:.0%} of {args.speed:g} steps/s)",
         *(r["held"] for r in results.values())],
        ["streams: pace p50 / worst", *(f"{r['pace p50']:.0%} / {r['pace min']:.0%}"
                                        for r in results.values())],
        ["streams: frame delay p50 / p95 (ms)",
         *(f"{r['delay p50'] * 1e3:.0f} / {r['delay p95'] * 1e3:.0f}" for r in results.values())],
        ["streams: worst gap (ms)", *(f"{r['gap max'] * 1e3:,.0f}" for r in results.values())],
        *_tally_rows(f"128² basin maps ({args.basins} clients)", "basins", results),
        *_tally_rows(f"POST /api/run ({args.hammer} clients)", "runs", results),
        ["GET /api/optimizers p50 / p95 / max (ms)",
         *(f"{percentile(r['gets'].seconds, 0.5) * 1e3:.0f} / "
           f"{percentile(r['gets'].seconds, 0.95) * 1e3:.0f} / "
           f"{max(r['gets'].seconds, default=0) * 1e3:,.0f}" for r in results.values())],
        ["GET failures", *(sum(r["gets"].failed.values()) for r in results.values())],
        ["server CPU (cores)", *(f"{r['cpu']:.2f}" for r in results.values())],
        ["server RSS before / peak / after (MB)",
         *(f"{r['rss before'] / MB:.0f} / {r['rss peak'] / MB:.0f} / {r['rss after'] / MB:.0f}"
           for r in results.values())],
    ]
    table(headers, rows, title=(
        f"mixed: {args.clients} streams × {args.seconds:g} s at {args.speed:g} steps/s, "
        f"{args.basins} basin-map clients, {args.hammer} POST /api/run clients, a GET probe"))
    for w, r in results.items():
        for kind in ("basins", "runs", "gets"):
            for what, n in r[kind].failed.most_common(3):
                print(f"  {w} worker(s), {kind}: {n} × {what}")
        for what, n in r["errors"].most_common(3):
            print(f"  {w} worker(s), streams: {n} × {what}")
        if not r["alive"]:
            print(f"  {w} worker(s): THE SERVER DIED during the run")


def main(args) -> None:
    configs = ([int(w) for w in args.compare_workers.split(",")] if args.compare_workers
               else [args.workers])
    results = {}
    for w in configs:
        print(f"{w} worker(s): the mixed hall for {args.seconds:g} s …", flush=True)
        results[w] = measure(w, args)
    report(results, args)
