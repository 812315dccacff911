"""What a streamed message costs the server with nothing of gdviz in it: the stack's floor.

Two real servers on free 127.0.0.1 ports, one after the other, each with ``--clients``
browsers (bench/load.py's clients: permessage-deflate offered, one `start`, then reading
`frames` messages) at 30 messages/s each, for ``--seconds``:

* floor — uvicorn as ``gdviz serve`` runs it (uvloop, httptools, the sans-I/O
          ``websockets`` protocol, permessage-deflate) serving a bare ASGI app: each socket
          sleeps one tick (1/30 s) and sends a frame of the same shape and size as the
          crawl's (the numbers change every message, so deflate works as hard), and a
          reader task waits for the close. No Starlette, no session, no engine, no JSON
          encoding (a %-format of one template);
* gdviz — ``python -m gdviz serve``, the same clients, bench/load.py's run (one step per
          message).

For each: the server's CPU seconds (``/proc``, every process of it) per message the
clients received, over a window of ``--seconds`` minus one of a third of it — what a
window costs whatever it streams (150 handshakes and starts, the goodbyes) cancels out,
as in bench/ws_message_cost.py. What the floor costs is what uvicorn, websockets
(framing, deflate), asyncio and the kernel's loopback TCP take for one message on a
timer; gdviz's message costs that plus its tick, its step and its JSON. Issue 19 item 3
asks for ≤ 100 µs per message.

Medians of ``--repeats``, alternating; no assertions. Run: ``python bench/ws_floor.py``.
Also ``python bench/ws_floor.py --serve PORT`` runs the floor server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from _common import HOST, free_port, median, process_tree, settle, start_server, stop_server, tree_cpu
from load import crowd, run_async

TICK = 1 / 30
FRAME = ('{"type":"frames","frames":[{"run":0,"step":%d,"params":[%r,%r],"loss":%r,'
         '"grad":[%r,%r],"update":[%r,%r],"lr":1e-6,"opt":{"g":[%r,%r],"before":{"step":%d,'
         '"momentum_buffer":[0.0,0.0],"has_buffer":false},"after":{"step":%d,'
         '"momentum_buffer":[0.0,0.0],"has_buffer":false}}}]}')


def frame(step: int) -> str:
    """The crawl's frame at ``step`` (bowl, GD η 1e-6 from (1.5, 1)): its shape and size."""
    x, y = 1.5 * (1 - 2e-6) ** step, (1 - 2e-6) ** step
    gx, gy = 2 * x, 2 * y
    return FRAME % (step, x, y, x * x + y * y, gx, gy, -1e-6 * gx, -1e-6 * gy, gx, gy,
                    step, step + 1)


async def app(scope, receive, send):
    """A socket that streams a frame a tick until its peer leaves; any HTTP request gets
    200 (the bench's readiness probe)."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await receive()  # the client's start
    gone = asyncio.Event()

    async def read():
        while (await receive())["type"] != "websocket.disconnect":
            pass
        gone.set()

    reader = asyncio.create_task(read())
    step = 0
    try:
        while not gone.is_set():
            await asyncio.sleep(TICK)
            step += 1
            await send({"type": "websocket.send", "text": frame(step)})
    except Exception:  # the peer went mid-send
        pass
    finally:
        reader.cancel()


def serve(port: int) -> None:
    import uvicorn

    from gdviz.cli import WS_PROTOCOL
    uvicorn.run(app, host=HOST, port=port, ws=WS_PROTOCOL, log_level="warning",
                lifespan="off")


def phase(port: int, pid: int, clients: int, seconds: float) -> tuple[float, int]:
    """(server CPU seconds, frames messages the clients received)."""
    settle(process_tree(pid))
    before = tree_cpu(process_tree(pid))
    got = run_async(crowd(f"ws://{HOST}:{port}/ws/run", clients, 30.0, seconds, 1.0, True))
    cpu = tree_cpu(process_tree(pid)) - before
    bad = [c.error for c in got if c.error]
    if bad:
        raise SystemExit(f"{len(bad)} clients failed: {bad[0]}")
    return cpu, sum(len(c.gaps) + 1 for c in got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=150)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--serve", type=int, metavar="PORT", help="run the floor server only")
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return
    ports = {"floor": free_port(), "gdviz": free_port()}
    procs = {"floor": start_server(ports["floor"], argv=[sys.executable, __file__, "--serve",
                                                         str(ports["floor"])]),
             "gdviz": start_server(ports["gdviz"])}
    per = {k: [] for k in procs}
    try:
        for k in procs:  # warm-up (imports, first sockets)
            phase(ports[k], procs[k].pid, 4, 2.0)
        for _ in range(args.repeats):
            for k in procs:
                long = phase(ports[k], procs[k].pid, args.clients, args.seconds)
                short = phase(ports[k], procs[k].pid, args.clients, args.seconds / 3)
                cpu, messages = long[0] - short[0], long[1] - short[1]
                per[k].append(cpu / messages * 1e6)
                print(f"  {k}: {long[0]:.2f} − {short[0]:.2f} CPU s for {long[1]:,} − "
                      f"{short[1]:,} messages = {per[k][-1]:.0f} µs a message", flush=True)
    finally:
        for p in procs.values():
            stop_server(p)
    floor, ours = median(per["floor"]), median(per["gdviz"])
    print(f"\n{args.clients} clients × 30 messages/s, {args.seconds:g} s, median of "
          f"{args.repeats}: server CPU per message")
    print(f"  floor (uvicorn + websockets + deflate + asyncio + loopback TCP): {floor:.0f} µs")
    print(f"  gdviz (the same + its tick, one step, JSON):                     {ours:.0f} µs")
    print(f"  gdviz beyond the floor:                                          {ours - floor:.0f} µs")


if __name__ == "__main__":
    main()
