"""Steps per second a real server delivers over WS /ws/run on loopback.

Starts ``python -m gdviz serve`` on a free 127.0.0.1 port in a subprocess,
waits until it answers, and drives it with the ``websockets`` client:

* play  — ``start`` a run that cannot end within the window (bowl, plain GD,
          lr 1e-6, 10,000 steps) at the top speed, 2,000 steps/s, and count
          the steps that arrive; the server paces it (~30 ticks/s);
* step  — ``step {count: 1000}`` back to back (send, read until the ``state``
          reply, send again; a new ``start`` when the run ends): the most the
          server can push through one socket;
* mixed — one play client beside three step clients: how much a long
          ``step`` (computed on the event loop) delays everyone else;
* basins — one play client beside one or two clients of WS /ws/landscape,
          each computing 256² basin maps back to back (worker threads, chunk
          by chunk): how much heavy landscape work slows a live stream;

with 1, 4 and 16 concurrent clients, all counted over one common window.
The client offers permessage-deflate, as browsers do. Client and server share
this machine's cores, so the table also gives each side's CPU use (1.0 = one
core busy) and the steps per server CPU-second, which other load on the
machine does not change much. Between rows the script waits until the server
is idle. The server is always stopped at the end, also on error.

Medians of several repeats (each a fresh set of connections).
Run: ``python bench/ws_loopback.py [--seconds 2.5 --repeats 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time

from _common import (HOST, cpu_seconds, free_port, median, settle, start_server, start_text,
                     stop_server, table)

from websockets.asyncio.client import connect

SPEED = 2000.0
STEP_COUNT = 1000


# --- the clients -------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.steps = 0  # frames with step > 0 received inside the window
        self.messages = 0  # `frames` messages received inside the window
        self.arrivals: list[float] = []


async def play_client(uri, go: asyncio.Event, window: list[float]) -> Stats:
    st = Stats()
    async with connect(uri, max_size=None) as ws:
        await go.wait()
        await ws.send(start_text(SPEED))
        while (left := window[1] - time.perf_counter()) > 0:
            try:
                raw = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            now = time.perf_counter()
            m = json.loads(raw)
            if m["type"] == "frames" and now <= window[1]:
                st.steps += sum(1 for f in m["frames"] if f["step"] > 0)
                st.messages += 1
                st.arrivals.append(now)
            elif m["type"] == "done":
                raise RuntimeError("the play run ended inside the window: lengthen RUN['steps']")
    return st


async def step_client(uri, go: asyncio.Event, window: list[float]) -> Stats:
    st = Stats()
    async with connect(uri, max_size=None) as ws:
        await go.wait()
        request = start_text(1.0)
        while time.perf_counter() < window[1]:
            await ws.send(request)
            request = json.dumps({"type": "step", "count": STEP_COUNT})
            while (left := window[1] - time.perf_counter()) > 0:  # read up to `state`
                try:
                    m = json.loads(await asyncio.wait_for(ws.recv(), left))
                except TimeoutError:
                    break
                now = time.perf_counter()
                if m["type"] == "frames":
                    st.steps += sum(1 for f in m["frames"] if f["step"] > 0)
                    st.messages += 1
                    st.arrivals.append(now)
                elif m["type"] == "done":
                    request = start_text(1.0)
                elif m["type"] == "state":
                    break
    return st  # leaving closes the socket; the server finishes its step, then notices


BASINS = json.dumps({"type": "run", "id": 1, "kind": "basins", "request": {
    "surface": "rastrigin", "run": {"optimizer": "adam", "lr": 0.01}, "grid": {"n": 256},
    "steps": 2000}})  # Adam rarely converges here: the job runs for its whole budget


async def basins_client(uri, go: asyncio.Event, window: list[float]) -> Stats:
    """Keeps a big basin job running on WS /ws/landscape (steps = progress messages)."""
    st = Stats()
    async with connect(uri.replace("/ws/run", "/ws/landscape"), max_size=None) as ws:
        await go.wait()
        await ws.send(BASINS)
        while (left := window[1] - time.perf_counter()) > 0:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
            if m["type"] == "progress":
                st.messages += 1
                st.arrivals.append(time.perf_counter())
            elif m["type"] in ("result", "error"):
                await ws.send(BASINS)
        await ws.send(json.dumps({"type": "cancel", "id": 1}))
    return st


async def measure(uri, kinds: list[str], seconds: float, pid: int):
    """Every client in one window [go, go + seconds]; server and own CPU over it."""
    go = asyncio.Event()
    window = [0.0, 0.0]
    fn = {"play": play_client, "step": step_client, "basins": basins_client}
    tasks = [asyncio.create_task(fn[k](uri, go, window)) for k in kinds]
    await asyncio.sleep(0.3)  # let every client connect before the window opens
    cpu0, own0 = cpu_seconds(pid), time.process_time()
    window[:] = [time.perf_counter(), time.perf_counter() + seconds]
    go.set()
    await asyncio.sleep(seconds)
    server_cpu = (cpu_seconds(pid) - cpu0) / seconds
    client_cpu = (time.process_time() - own0) / seconds
    stats = await asyncio.gather(*tasks)
    return stats, server_cpu, client_cpu, window[0]


CONFIGS = [  # (label, client kinds); a row reports on the clients of kinds[0]
    ("play @2000/s", ["play"]),
    ("play @2000/s", ["play"] * 4),
    ("play @2000/s", ["play"] * 16),
    ("step{1000} back-to-back", ["step"]),
    ("step{1000} back-to-back", ["step"] * 4),
    ("step{1000} back-to-back", ["step"] * 16),
    ("mixed: 1 play + 3 step", ["play"] + ["step"] * 3),
    ("1 play + 1 basin job (256²)", ["play", "basins"]),
    ("1 play + 2 basin jobs (256²)", ["play", "basins", "basins"]),
]


def summarise(kinds, runs, seconds):
    """One row's numbers from the repeats of one config (median over repeats)."""
    per_client, total, fpm, gap_p50, gap_max, srv, cli = [], [], [], [], [], [], []
    for stats, server_cpu, client_cpu, t0 in runs:
        focus = [s for s, k in zip(stats, kinds) if k == kinds[0]]  # mixed: the play client
        per_client.append(sum(s.steps for s in focus) / seconds / len(focus))  # mean
        total.append(sum(s.steps for s in stats) / seconds)
        fpm.append(sum(s.steps for s in focus) / max(1, sum(s.messages for s in focus)))
        gaps = sorted(b - a for s in focus for a, b in zip([t0] + s.arrivals, s.arrivals))
        gaps = gaps or [float("nan")]
        gap_p50.append(gaps[len(gaps) // 2] * 1e3)
        gap_max.append(gaps[-1] * 1e3)
        srv.append(server_cpu)
        cli.append(client_cpu)
    return [median(x) for x in (per_client, total, fpm, gap_p50, gap_max, srv, cli)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.5, help="measurement window per run")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the server

    proc = None
    try:
        port = free_port()
        proc = start_server(port)
        uri = f"ws://{HOST}:{port}/ws/run"
        asyncio.run(measure(uri, ["play", "step"], 0.5, proc.pid))  # warm up the server
        results = {i: [] for i in range(len(CONFIGS))}
        for _ in range(args.repeats):  # interleaved: noise spreads over every row
            for i, (_label, kinds) in enumerate(CONFIGS):
                settle([proc.pid], timeout=15.0, window=0.2, busy=0.1)
                results[i].append(asyncio.run(measure(uri, kinds, args.seconds, proc.pid)))
    finally:
        stop_server(proc)

    rows = []
    for i, (label, kinds) in enumerate(CONFIGS):
        per, total, fpm, g50, gmax, srv, cli = summarise(kinds, results[i], args.seconds)
        rows.append((label, len(kinds), per, per / SPEED if kinds[0] == "play" else float("nan"),
                     total, total / srv, fpm, g50, gmax, srv, cli))
    print(f"WS /ws/run on {HOST}, one uvicorn process; window {args.seconds:g} s, "
          f"median of {args.repeats} repeats")
    table(["mode", "clients", "steps/s per client (mean)", "÷ 2000 asked", "steps/s all clients",
           "per server CPU-s", "frames/msg", "gap p50 ms", "gap max ms", "server CPU",
           "client CPU"], rows,
          title="Delivered steps (one run per client)")
    print("  gap = time between two `frames` messages at one client (max: the worst stall);"
          " CPU in cores (1.0 = one core busy);\n  per server CPU-s = steps/s all clients ÷ server"
          " CPU: the server's capacity per core, whatever else the machine is doing")


if __name__ == "__main__":
    main()
