"""Slowloris at a 1,024 file-descriptor limit: can a student still get an answer?

Starts two servers on free 127.0.0.1 ports, each under ``ulimit -n 1024`` (RLIMIT_NOFILE
soft and hard, as a default Linux login has):

- **before**: plain uvicorn as ``gdviz serve`` ran it until now
  (``python -m uvicorn gdviz.main:create_app --factory``): no timeout until a request's
  headers are in, no limit per client;
- **after**: ``python -m gdviz serve`` (gdviz/http_protocol.py: a whole request within
  ``GDVIZ_REQUEST_TIMEOUT`` = 10 s, at most ``GDVIZ_CONNECTIONS_PER_CLIENT`` = 50
  connections per address; this machine's own 127.0.0.1 not counted).

Against each, one attack at a time (each in its own process, for ``--seconds``):

- **one address**: ``--connections`` (1,010) connections from 127.0.0.2, each sending a
  request line and a header, then one more header line every ``--trickle`` (2) s, never
  finishing; a connection the server closes is opened again at once.
- **20 addresses**: the same connections spread over 127.0.0.2 … 127.0.0.21 (20 machines
  with ~50 each: the per-address limit alone does not stop them, the deadline must).

Meanwhile a student on 127.0.0.1 asks ``GET /api/optimizers`` on a new connection every
0.25 s (2 s to answer, or it counts as failed) and opens ``WS /ws/run`` every 2 s (a
`speed` message answered with `state`, 2 s). The table gives the share answered, the
answer time p50 / p95, the longest stretch in which nothing was answered, and the
server's open descriptors (median, from /proc). A row with no attack shows the baseline.

    python bench/slowloris.py                   # ≈ 5 min: 2 servers × (no attack + 2 attacks)
    python bench/slowloris.py --seconds 10 --connections 300

Connects only to 127.0.0.1; the attacker's sources are loopback addresses (127.0.0.0/8
is all loopback on Linux). The bench raises its own descriptor limit to the hard limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import signal
import socket
import statistics
import sys
import tempfile
import time

from _common import HOST, free_port, start_server, stop_server, table

FD_LIMIT = 1024
PROBE_EVERY = 0.25  # s between HTTP probes
WS_EVERY = 2.0  # s between WebSocket probes
ANSWER_WITHIN = 2.0  # s: slower than this counts as not answered


# -- the attacker (its own process) -----------------------------------------------------

async def _hold(port: int, source: str, trickle: float, stop_at: float, opened: list) -> None:
    """One slowloris connection, opened again whenever the server closes it."""
    while time.monotonic() < stop_at:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                HOST, port, local_addr=(source, 0)), 5)
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.1)
            continue
        opened[0] += 1
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while time.monotonic() < stop_at:
                try:  # the server answers (408/429) or closes: open another
                    await asyncio.wait_for(reader.read(4096), trickle)
                    break
                except asyncio.TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
        await asyncio.sleep(0.05)


def attack(port: int, connections: int, sources: list[str], trickle: float, seconds: float,
           result) -> None:
    async def run():
        opened = [0]
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_hold(port, sources[i % len(sources)], trickle, stop_at, opened)
                               for i in range(connections)))
        result.value = opened[0]

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(run())


# -- the student ------------------------------------------------------------------------

def http_probe(port: int) -> float | None:
    """Seconds for a GET on a new connection, or None if not answered in time."""
    began = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=ANSWER_WITHIN) as s:
            s.settimeout(ANSWER_WITHIN)
            s.sendall(b"GET /api/optimizers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
                if time.monotonic() - began > ANSWER_WITHIN:
                    return None
    except OSError:
        return None
    took = time.monotonic() - began
    return took if data.startswith(b"HTTP/1.1 200") and took <= ANSWER_WITHIN else None


def ws_probe(port: int) -> float | None:
    from websockets.sync.client import connect
    began = time.monotonic()
    try:
        with connect(f"ws://{HOST}:{port}/ws/run", open_timeout=ANSWER_WITHIN) as ws:
            ws.send(json.dumps({"type": "speed", "steps_per_second": 5}))
            reply = json.loads(ws.recv(timeout=ANSWER_WITHIN))
    except Exception:
        return None
    took = time.monotonic() - began
    return took if reply.get("type") == "state" and took <= ANSWER_WITHIN else None


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def watch(port: int, pid: int, seconds: float) -> dict:
    """Probe as a student for ``seconds``; the figures of one row."""
    http, ws, fds, answered_at = [], [], [], []
    began = time.monotonic()
    next_ws = began
    while (now := time.monotonic()) < began + seconds:
        took = http_probe(port)
        http.append(took)
        if took is not None:
            answered_at.append(time.monotonic())
        if now >= next_ws:
            took = ws_probe(port)
            ws.append(took)
            if took is not None:
                answered_at.append(time.monotonic())
            next_ws = now + WS_EVERY
        fds.append(open_fds(pid))
        time.sleep(max(0.0, PROBE_EVERY - (time.monotonic() - now)))
    ended = time.monotonic()
    stamps = [began, *sorted(answered_at), ended]
    return {"http": http, "ws": ws, "fds": fds,
            "longest_gap": max(b - a for a, b in zip(stamps, stamps[1:]))}


def row(server: str, attack_name: str, figures: dict, opened: int | None) -> list:
    def share(xs):
        return f"{sum(x is not None for x in xs)}/{len(xs)}"

    def pct(xs, q):
        ok = sorted(x for x in xs if x is not None)
        if not ok:
            return "—"
        return f"{1000 * ok[min(len(ok) - 1, int(q * len(ok)))]:.0f}"

    return [server, attack_name, share(figures["http"]),
            f"{pct(figures['http'], 0.5)} / {pct(figures['http'], 0.95)}",
            share(figures["ws"]), f"{figures['longest_gap']:.1f}",
            f"{statistics.median(figures['fds']):.0f}",
            "—" if opened is None else f"{opened:,}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connections", type=int, default=1010)
    ap.add_argument("--seconds", type=float, default=30.0, help="each attack's window")
    ap.add_argument("--baseline-seconds", type=float, default=10.0)
    ap.add_argument("--trickle", type=float, default=2.0, help="s between header lines")
    ap.add_argument("--ramp", type=float, default=3.0, help="s the attack runs before probing")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.connections + 100:
        sys.exit(f"the attacker needs {args.connections + 100} descriptors; the hard limit "
                 f"is {hard}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops servers

    logs = tempfile.TemporaryDirectory(prefix="gdviz-slowloris-")
    servers = {}
    try:
        for name in ("before", "after"):
            port = free_port()
            argv = None
            if name == "before":
                argv = [sys.executable, "-m", "uvicorn", "gdviz.main:create_app", "--factory",
                        "--host", HOST, "--port", str(port), "--ws-max-size", str(1 << 20),
                        "--log-level", "warning"]
            log = open(os.path.join(logs.name, f"{name}.log"), "wb")
            servers[name] = (port, start_server(port, argv=argv, fd_limit=FD_LIMIT,
                                                stderr=log))
        attacks = {"none": None, "one address": ["127.0.0.2"],
                   "20 addresses": [f"127.0.0.{i}" for i in range(2, 22)]}
        rows = []
        for attack_name, sources in attacks.items():
            for name, (port, proc) in servers.items():
                print(f"{name}: {attack_name} …", file=sys.stderr, flush=True)
                opened = None
                if sources is None:
                    figures = watch(port, proc.pid, args.baseline_seconds)
                else:
                    result = multiprocessing.Value("q", 0)
                    attacker = multiprocessing.Process(target=attack, args=(
                        port, args.connections, sources, args.trickle,
                        args.ramp + args.seconds, result))
                    attacker.start()
                    time.sleep(args.ramp)
                    figures = watch(port, proc.pid, args.seconds)
                    attacker.join(args.seconds + 30)
                    if attacker.is_alive():
                        attacker.terminate()
                        attacker.join()
                    opened = result.value
                rows.append(row(name, attack_name, figures, opened))
                time.sleep(1)  # let the last attack's connections close
    finally:
        for port, proc in servers.values():
            stop_server(proc)
    table(["server", "attack", "GET answered", "p50 / p95 ms", "WS answered",
           "longest silence s", "server fds", "attack conns opened"], rows,
          title=f"slowloris at ulimit -n {FD_LIMIT}: {args.connections:,} connections, "
                f"{args.seconds:g} s each; a student probing from 127.0.0.1")


if __name__ == "__main__":
    main()
