"""A lecture hall on loopback: N browsers streaming runs from one real server at once.

Starts ``python -m gdviz serve`` (``--workers W`` for W > 1) on a free 127.0.0.1 port,
warms it up, and then opens N WebSocket clients (``websockets``, offering
permessage-deflate as browsers do), one every ramp/N seconds. Each client sends one
``start`` of a run that cannot end in the window (bowl, plain GD, lr 1e-6, 10,000
steps) at ``--speed`` steps/s (the page's default is 30) and reads for ``--seconds``
from its own start. Then all leave politely and the server is watched for ``--after``
seconds more.

Per client: the steps delivered (frames with step > 0), the gaps between its
`frames` messages, and any error (refused, closed with a code and reason, an
`error` message, the run ending). Frames carry no server time, so the frame delay
is read from the arrival gaps: the server sends a `frames` message every tick (1/30 s)
while it keeps the pace, so a message's delay is how much longer than that its gap
to the previous one was (gap − max(1/30 s, 1/speed), at least 0). That is what a
student sees: how late the dot moves. A slower pace shows separately as pace %
(delivered ÷ asked): the session drops a backlog instead of catching up, so it
never shows up as a growing queue.

With ``--compare-workers 1,2`` both servers are started first, and with ``--rounds
K`` the window is split into K rounds that alternate between them, so that load from
the rest of the machine falls on both alike (the table then sums the errors and
averages the rest over the rounds).

Server memory is the RSS of all its processes (supervisor, workers and their
helpers, from /proc): before the clients come (after a warm-up of a few short
clients, so first-use imports count as baseline), during (peak and mean of samples
every 0.5 s) and ``--after`` s after the last client left. "Back near baseline"
means after ≤ before + 10 %. Then the same clients come once more for
``--second-wave`` seconds: if the memory after them is within 3 % of the first
"after", what stayed was reused, not lost.

The cap row starts a one-worker server with GDVIZ_MAX_CONNECTIONS = N and opens
N + 20 idle clients: exactly 20 should be closed with 1013 and the reason naming
the limit, and N admitted.

    python bench/load.py                               # 200 clients × 60 s, 1 worker, cap row
    python bench/load.py --compare-workers 1,2         # both, side by side (≈ 3.5 min)
    python bench/load.py --compare-workers 1,2 --rounds 4   # the same, interleaved
    python bench/load.py --clients 20 --seconds 10 --no-cap
    python bench/load.py --mixed --clients 150 --seconds 60 --compare-workers 1,2
                                   # streams beside basin maps, POST /api/run and a GET
                                   # probe (bench/load_mixed.py)

Client and server share this machine's cores; the client's own CPU is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from _common import (HOST, RUN, free_port, process_tree, rss_bytes, settle, start_server,
                     start_text, stop_server, table, tree_cpu)

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TICK = 1 / 30  # the server's tick (gdviz/streaming/session.py)
AT_PACE = 0.9  # a client is held at pace when it got ≥ 90 % of the asked steps/s
NEAR_BASELINE = 1.10  # memory is back near baseline when after ≤ before × this
NO_GROWTH = 1.03  # and leaks nothing when a second wave ends ≤ this × the first's after
BUSY = 1013


# --- one client ------------------------------------------------------------------------


@dataclass
class Client:
    steps: int = 0  # frames with step > 0
    gaps: list[float] = field(default_factory=list)  # seconds between `frames` messages
    error: str | None = None


def describe_close(e: ConnectionClosed) -> str:
    frame = e.rcvd
    if frame is None:
        return "connection lost (no close frame)"
    return f"closed {frame.code}: {frame.reason}"


async def stream(uri: str, speed: float, seconds: float, deflate: bool) -> Client:
    """One browser: start the run, read its frames for ``seconds``, leave politely.
    Like a browser it sends no pings of its own (the server pings every 20 s)."""
    c = Client()
    try:
        async with connect(uri, max_size=None, open_timeout=30, ping_interval=None,
                           compression="deflate" if deflate else None) as ws:
            await ws.send(start_text(speed))
            last = None
            try:
                async with asyncio.timeout(seconds):
                    async for raw in ws:
                        now = time.perf_counter()
                        m = json.loads(raw)
                        if m["type"] == "frames":
                            c.steps += sum(1 for f in m["frames"] if f["step"] > 0)
                            if last is not None:
                                c.gaps.append(now - last)
                            last = now
                        elif m["type"] == "error":
                            c.error = f"error message: {m['message']}"
                            return c
                        elif m["type"] == "done":
                            c.error = "the run ended inside the window"
                            return c
                    c.error = describe_close(ws.protocol.close_exc)  # the server closed
            except TimeoutError:
                pass  # the window is over
    except ConnectionClosed as e:
        c.error = describe_close(e)
    except (OSError, TimeoutError) as e:
        c.error = f"could not connect: {type(e).__name__}"
    except Exception as e:  # e.g. a refused handshake (InvalidStatus)
        c.error = f"could not connect: {e}"
    return c


async def crowd(uri: str, n: int, speed: float, seconds: float, ramp: float,
                deflate: bool) -> list[Client]:
    """``n`` clients, one every ``ramp / n`` seconds, each for ``seconds``."""
    async def later(i):
        await asyncio.sleep(i * ramp / n)
        return await stream(uri, speed, seconds, deflate)
    return await asyncio.gather(*(later(i) for i in range(n)))


def run_async(coro):
    """asyncio.run, on uvloop when it is installed (a cheaper client)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


# --- the server's processes ------------------------------------------------------------


def tree_rss(pid: int) -> int:
    return sum(rss_bytes(p) for p in process_tree(pid))


def open_sockets(pid: int) -> int:
    """Sockets among a process's file descriptors (its clients, plus a few of its own)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    n = 0
    for fd in fds:
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


class MemorySampler(threading.Thread):
    """Every ``interval`` seconds until ``stop()``: the server's summed RSS, and the
    most sockets each of ``pids`` has held (how the kernel spread the clients)."""

    def __init__(self, pid: int, pids: list[int], interval: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[int] = []
        self.base = {p: open_sockets(p) for p in pids}
        self.most = dict.fromkeys(pids, 0)
        self._done = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append(tree_rss(self.pid))
            for p, base in self.base.items():
                self.most[p] = max(self.most[p], open_sockets(p) - base)
            if self._done.wait(self.interval):
                return

    def stop(self) -> list[int]:
        self._done.set()
        self.join()
        return self.samples


# --- one configuration -----------------------------------------------------------------


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


class Trial:
    """One server configuration under test: a ``workers``-process server (started and
    warmed up at once), and what its rounds of clients measured."""

    def __init__(self, workers: int, args):
        self.workers, self.args = workers, args
        port = free_port()
        self.uri = f"ws://{HOST}:{port}/ws/run"
        self.proc = start_server(port, workers)
        self.pids = process_tree(self.proc.pid)
        self.run_crowd(4 * workers, 1.0, 0.2)  # warm-up: first-use imports count as baseline
        settle(self.pids)
        self.before = self.rss()
        self.clients: list[Client] = []
        self.window = self.cpu = self.own_cpu = 0.0
        self.during: list[int] = []
        self.most: dict[int, int] = {}
        self.after = self.again = float("nan")

    def rss(self) -> int:
        return tree_rss(self.proc.pid)

    def run_crowd(self, n: int, seconds: float, ramp: float) -> list[Client]:
        return run_async(crowd(self.uri, n, self.args.speed, seconds, ramp, self.args.deflate))

    def round(self, seconds: float) -> None:
        """All the clients, each streaming for ``seconds``; CPU and memory meanwhile."""
        settle(self.pids)
        sampler = MemorySampler(self.proc.pid, self.pids)
        sampler.start()
        cpu0, own0, t0 = tree_cpu(self.pids), time.process_time(), time.monotonic()
        self.clients += self.run_crowd(self.args.clients, seconds, self.args.ramp)
        self.window += time.monotonic() - t0
        self.cpu += tree_cpu(self.pids) - cpu0
        self.own_cpu += time.process_time() - own0
        self.during += sampler.stop()
        for p, n in sampler.most.items():
            self.most[p] = max(self.most.get(p, 0), n)

    def second_wave(self) -> None:
        """The same class once more: is the memory that stayed reused, or lost?"""
        self.run_crowd(self.args.clients, self.args.second_wave, self.args.ramp)

    def stop(self) -> None:
        self.alive = self.proc.poll() is None
        stop_server(self.proc)

    def results(self, seconds: float) -> dict:
        """``seconds``: each client's window."""
        expected_gap = max(TICK, 1 / self.args.speed)
        clients, rounds = self.clients, len(self.clients) / self.args.clients
        ok = [c for c in clients if c.error is None]
        paces = [c.steps / seconds / self.args.speed for c in clients]
        delays = [max(0.0, g - expected_gap) for c in ok for g in c.gaps]
        return {
            "clients": self.args.clients,
            "errors": Counter(c.error for c in clients if c.error is not None),
            "held": sum(1 for c, p in zip(clients, paces)
                        if c.error is None and p >= AT_PACE) / rounds,
            "steps/s": sum(c.steps for c in clients) / seconds / rounds,
            "pace p50": percentile(paces, 0.5),
            "pace min": min(paces),
            "delay p50": percentile(delays, 0.5),
            "delay p95": percentile(delays, 0.95),
            "gap max": max((g for c in ok for g in c.gaps), default=float("nan")),
            "server cpu": self.cpu / self.window,
            "client cpu": self.own_cpu / self.window,
            "steps/cpu-s": sum(c.steps for c in clients) / self.cpu,
            "rss before": self.before,
            "rss peak": max(self.during),
            "rss mean": sum(self.during) / len(self.during),
            "rss after": self.after,
            "rss again": self.again,
            "alive": self.alive,
            "spread": sorted((n for n in self.most.values() if n), reverse=True),
        }


def measure(configs: list[int], args) -> dict[int, dict]:
    """Every configuration's server up at once (an idle one costs nothing), their rounds
    interleaved (1, 2, 1, 2, … with ``--rounds``), so that load from the rest of the
    machine falls on all of them alike; then the memory after, and a second wave."""
    trials: dict[int, Trial] = {}
    seconds = args.seconds / args.rounds
    try:
        for w in configs:
            trials[w] = Trial(w, args)
        for r in range(args.rounds):
            for w in configs:
                print(f"{w} worker(s), round {r + 1}/{args.rounds}: {args.clients} clients "
                      f"for {seconds:g} s …", flush=True)
                trials[w].round(seconds)
        time.sleep(args.after)
        for t in trials.values():
            t.after = t.rss()
        if args.second_wave:
            for t in trials.values():
                t.second_wave()
            time.sleep(args.after)
            for t in trials.values():
                t.again = t.rss()
    finally:
        for t in trials.values():
            t.stop()
    return {w: t.results(seconds) for w, t in trials.items()}


# --- the connection cap ----------------------------------------------------------------


async def cap_crowd(uri: str, n: int, wait: float) -> list[tuple]:
    """``n`` idle clients (no `start`) all open at once: each is ("admitted",) if the
    server left it open for ``wait`` seconds, else ("closed", code, reason) or
    ("failed", what)."""
    sockets, every_one_tried = [], asyncio.Event()
    left = [n]

    async def one(i):
        await asyncio.sleep(i * 0.005)  # 200 handshakes over ~1 s
        try:
            ws = await connect(uri, open_timeout=30, ping_interval=None)
        except Exception as e:
            result = ("failed", f"{type(e).__name__}: {e}")
        else:
            sockets.append(ws)
            try:
                await asyncio.wait_for(ws.recv(), wait)
                result = ("failed", "a message arrived before any start")
            except TimeoutError:
                result = ("admitted",)
            except ConnectionClosed as e:
                result = ("closed", e.rcvd.code if e.rcvd else None,
                          e.rcvd.reason if e.rcvd else "")
        left[0] -= 1
        if not left[0]:
            every_one_tried.set()
        await every_one_tried.wait()  # keep the admitted ones open until all have tried
        return result

    results = await asyncio.gather(*(one(i) for i in range(n)))
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return results


def measure_cap(cap: int, extra: int) -> dict:
    port = free_port()
    proc = start_server(port, 1, env={"GDVIZ_MAX_CONNECTIONS": str(cap)})
    try:
        results = run_async(cap_crowd(f"ws://{HOST}:{port}/ws/run", cap + extra, 3.0))
    finally:
        stop_server(proc)
    kinds = Counter(r[0] for r in results)
    closed = [r for r in results if r[0] == "closed"]
    reasons = Counter(r[2] for r in closed)
    return {"cap": cap, "tried": cap + extra, "admitted": kinds["admitted"],
            "busy": sum(1 for r in closed if r[1] == BUSY),
            "other": kinds["failed"] + sum(1 for r in closed if r[1] != BUSY),
            "reasons": reasons}


# --- printing ------------------------------------------------------------------------


MB = 1 << 20
ROWS = [  # (label, key, scale, format)
    ("clients", "clients", 1, "{:.0f}"),
    (f"held at pace (no error, ≥ {AT_PACE:.0%} of asked)", "held", 1, "{:.0f}"),
    ("errors", "n errors", 1, "{:.0f}"),
    ("steps/s delivered, all clients", "steps/s", 1, "{:,.0f}"),
    ("= clients at full pace (steps/s ÷ asked per client)", "equivalent", 1, "{:.0f}"),
    ("pace per client, median (delivered ÷ asked)", "pace p50", 100, "{:.0f} %"),
    ("pace per client, worst", "pace min", 100, "{:.0f} %"),
    ("frame delay p50 (ms)", "delay p50", 1e3, "{:.0f}"),
    ("frame delay p95 (ms)", "delay p95", 1e3, "{:.0f}"),
    ("worst gap between frames (ms)", "gap max", 1e3, "{:,.0f}"),
    ("server CPU (cores)", "server cpu", 1, "{:.2f}"),
    ("steps per server CPU-second", "steps/cpu-s", 1, "{:,.0f}"),
    ("client CPU (cores, this script)", "client cpu", 1, "{:.2f}"),
    ("server RSS before (MB)", "rss before", 1 / MB, "{:.0f}"),
    ("server RSS during, peak (MB)", "rss peak", 1 / MB, "{:.0f}"),
    ("server RSS during, mean (MB)", "rss mean", 1 / MB, "{:.0f}"),
    ("server RSS 'after' s later (MB)", "rss after", 1 / MB, "{:.0f}"),
    ("after ÷ before", "rss ratio", 1, "{:.3f}"),
    ("server RSS after a second wave (MB)", "rss again", 1 / MB, "{:.0f}"),
    ("second wave: after ÷ first after", "rss growth", 1, "{:.3f}"),
]


def print_results(results: dict[int, dict], args) -> None:
    for r in results.values():
        r["n errors"] = sum(r["errors"].values())
        r["equivalent"] = r["steps/s"] / args.speed
        r["rss ratio"] = r["rss after"] / r["rss before"]
        r["rss growth"] = r["rss again"] / r["rss after"]
    configs = list(results)
    headers = ["", *(f"{w} worker{'s' if w > 1 else ''}" for w in configs)]
    if len(configs) > 1:
        headers.append(f"{configs[-1]} ÷ {configs[0]}")
    rows = []
    for label, key, scale, fmt in ROWS:
        row = [label.replace("'after'", f"{args.after:g}")]
        row += [fmt.format(results[w][key] * scale) for w in configs]
        if len(configs) > 1:
            a, b = results[configs[0]][key], results[configs[-1]][key]
            row.append(f"{b / a:.2f}" if a and key not in ("clients", "n errors") else "")
        rows.append(row)
    near = [("yes" if results[w]["rss ratio"] <= NEAR_BASELINE else "NO") for w in configs]
    rows.append([f"back near baseline (after ≤ before + {NEAR_BASELINE - 1:.0%})", *near]
                + ([""] if len(configs) > 1 else []))
    if args.second_wave:
        kept = [("yes" if results[w]["rss growth"] <= NO_GROWTH else "NO") for w in configs]
        rows.append([f"no growth on a second wave (≤ + {NO_GROWTH - 1:.0%})", *kept]
                    + ([""] if len(configs) > 1 else []))
    table(headers, rows, title=(
        f"{args.clients} clients × {args.seconds:g} s"
        + (f" (in {args.rounds} interleaved rounds of {args.seconds / args.rounds:g} s)"
           if args.rounds > 1 else "")
        + f" at {args.speed:g} steps/s each "
        f"(asked: {args.clients * args.speed:,.0f} steps/s in all), ramp {args.ramp:g} s, "
        f"permessage-deflate {'on' if args.deflate else 'off'}"))
    for w in configs:
        for what, n in results[w]["errors"].most_common(5):
            print(f"  {w} worker(s): {n} × {what}")
        if w > 1:
            print(f"  {w} workers: most sockets held at once, per worker: "
                  + " / ".join(str(n) for n in results[w]["spread"]))
        if not results[w]["alive"]:
            print(f"  {w} worker(s): THE SERVER DIED during the run")
    print(f"  frame delay: a `frames` message's gap to the previous one beyond "
          f"{max(TICK, 1 / args.speed) * 1e3:.0f} ms (one tick); pace: steps delivered ÷ "
          f"asked; RSS summed over every server process")


def print_cap(cap: dict) -> None:
    extra = cap["tried"] - cap["cap"]
    ok = cap["busy"] == extra and cap["admitted"] == cap["cap"] and not cap["other"]
    table(["connection cap", "tried", "admitted", "closed 1013", "other", "as expected"],
          [[f"GDVIZ_MAX_CONNECTIONS={cap['cap']}, 1 worker", cap["tried"], cap["admitted"],
            cap["busy"], cap["other"], "yes" if ok else "NO"]])
    for reason, n in cap["reasons"].most_common(3):
        print(f"  {n} × reason: {reason!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0, help="each client's window")
    ap.add_argument("--speed", type=float, default=30.0,
                    help="steps/s each client asks for (the page's default: 30)")
    ap.add_argument("--ramp", type=float, default=5.0,
                    help="seconds over which the clients connect")
    ap.add_argument("--after", type=float, default=10.0,
                    help="seconds after the clients leave to read the memory again")
    ap.add_argument("--second-wave", type=float, default=5.0, metavar="SECONDS",
                    help="then the same clients again for this long, and the memory once "
                         "more (0: skip)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="split --seconds into this many rounds of all the clients, "
                         "alternating between the --compare-workers servers")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--compare-workers", metavar="A,B",
                    help="run several worker counts one after the other, e.g. 1,2")
    ap.add_argument("--cap-extra", type=int, default=20,
                    help="the cap row opens clients + this many against a cap of clients")
    ap.add_argument("--no-cap", action="store_true", help="skip the cap row")
    ap.add_argument("--no-deflate", dest="deflate", action="store_false",
                    help="do not offer permessage-deflate (browsers do)")
    ap.add_argument("--mixed", action="store_true",
                    help="streams beside heavy work: bench/load_mixed.py")
    ap.add_argument("--basins", type=int, default=10,
                    help="--mixed: clients computing 128² basin maps one after another")
    ap.add_argument("--hammer", type=int, default=20,
                    help="--mixed: clients POSTing /api/run one after another")
    args = ap.parse_args()
    if args.speed * (args.seconds + args.ramp + 5) >= RUN["steps"]:
        ap.error(f"--speed × --seconds must stay below the run's {RUN['steps']:,} steps")
    configs = ([int(w) for w in args.compare_workers.split(",")] if args.compare_workers
               else [args.workers])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the server
    if args.mixed:
        import load_mixed
        load_mixed.main(args)
        return

    print_results(measure(configs, args), args)
    if not args.no_cap:
        print_cap(measure_cap(args.clients, args.cap_extra))


if __name__ == "__main__":
    main()
