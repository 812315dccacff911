"""What a page load costs a lecture hall: bytes on the wire and the first contour.

For each source tree (this checkout, and with ``--before DIR`` another one, e.g. an
older commit unpacked with ``git archive COMMIT | tar -x -C DIR``) the script starts
``python -m gdviz serve`` on a free 127.0.0.1 port and, in headless Chromium (software
GL, as in the browser tests), measures

* **cold** — a new browser profile (empty cache) opens the page: every HTTP response's
  bytes on the wire (Chromium's ``encodedDataLength``: headers + body as sent, so a
  compressed body counts compressed), the number of requests, and the time from
  navigation start to the first animation frame after the contour trace is in the DOM
  (``#contour g.contour``, watched by a MutationObserver the script adds before the
  page's own scripts run);
* **warm** — the same profile opens the page again in a new tab (a second visit, not a
  reload, which would revalidate everything): what still crosses the wire;
* **class** — ``--students`` cold students at once (default 200): the bytes their cold
  loads put on the wire and the time those take at 50 Mbit/s (one shared lecture-hall
  Wi-Fi); and ``--class-clients`` of them (default: all) simulated at once, each an
  HTTP client of its own that fetches exactly the URLs the cold browser load fetched
  (HTML first, then the rest six at a time, asking for ``gzip, deflate, br``): the
  bytes that cross the wire, the wall time on loopback and the server's CPU seconds.

WebSocket traffic is not counted (it is the same in both trees: the run's frames).
The trees are measured alternately, ``--repeats`` times each; the table gives medians.
Run: ``python bench/delivery.py [--before DIR] [--repeats 5] [--students 200]
[--class-clients N] [--path '/?surface=rosenbrock'] [--list]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time

from _common import (HOST, ROOT, free_port, median, process_tree, settle, start_server,
                     stop_server, table, tree_cpu)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--enable-unsafe-swiftshader", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 720}
WIFI_BITS_PER_S = 50e6
RETRIES = 3

# Runs before the page's scripts (CDP, so the page's CSP does not apply to it).
WATCH_CONTOUR = """
(() => {
  const marks = (window.__delivery = { contour: null });
  const seen = () => document.querySelector('#contour g.contour');
  const obs = new MutationObserver(() => {
    if (marks.contour !== null || marks.waiting || !seen()) return;
    marks.waiting = true;
    obs.disconnect();
    requestAnimationFrame(() => { marks.contour = performance.now(); });
  });
  obs.observe(document, { childList: true, subtree: true });
})();
"""
SETTLED = ("window.__delivery && window.__delivery.contour !== null"
           " && document.body.dataset.ready === '1'"
           " && ['drawn', 'deferred', 'none'].includes(document.body.dataset.surface3d)")


def load(context, url: str) -> dict:
    """Open ``url`` in a new tab of ``context``; the HTTP bytes, requests and times."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    wire: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent",
           lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished",
           lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.add_init_script(WATCH_CONTOUR)
    page.goto(url)
    deadline = time.monotonic() + 120  # (wait_for_function would eval() under the page's CSP)
    while not page.evaluate(SETTLED):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: the contour did not appear within 120 s")
        time.sleep(0.05)
    try:  # late requests (the lesson list, the 3D part…) until the network is quiet
        page.wait_for_load_state("networkidle", timeout=15_000)
    except Exception:  # noqa: BLE001 — a socket that keeps the network busy: count what came
        pass
    contour_ms = page.evaluate("window.__delivery.contour")
    page.close()
    sent = [u for rid, u in urls.items() if u.startswith("http")]
    fetched = {urls[rid]: n for rid, n in wire.items() if n > 0 and rid in urls}
    return {"bytes": sum(wire.values()), "requests": len(fetched), "contour_ms": contour_ms,
            "urls": list(dict.fromkeys(sent)), "fetched": fetched}


async def _student(urls: list[str]) -> int:
    """One student's cold load over HTTP/1.1 (six connections, as a browser): raw bytes
    received (compressed bodies as sent, plus their headers)."""
    import httpx

    headers = {"Accept-Encoding": "gzip, deflate, br"}
    limits = httpx.Limits(max_connections=6)
    total = 0
    timeout = httpx.Timeout(600, pool=None)  # a busy server: wait, as a browser would
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=timeout) as client:
        async def get(u):
            nonlocal total
            for attempt in range(RETRIES):  # a kept-alive connection the server closed meanwhile
                try:
                    async with client.stream("GET", u) as r:
                        async for _ in r.aiter_raw():
                            pass
                        total += r.num_bytes_downloaded + sum(len(k) + len(v) + 4
                                                              for k, v in r.headers.raw)
                    return
                except httpx.TransportError:
                    if attempt == RETRIES - 1:
                        raise
        await get(urls[0])
        await asyncio.gather(*(get(u) for u in urls[1:]))
    return total


def class_load(urls: list[str], students: int, server_pids: list[int]) -> dict:
    """``students`` cold loads at once; bytes, wall seconds, server CPU seconds."""
    cpu0 = tree_cpu(server_pids)
    t0 = time.perf_counter()

    async def all_students():
        return await asyncio.gather(*(_student(urls) for _ in range(students)))

    sizes = asyncio.run(all_students())
    return {"bytes": sum(sizes), "wall_s": time.perf_counter() - t0,
            "cpu_s": tree_cpu(server_pids) - cpu0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", metavar="DIR",
                    help="another source tree to measure beside this one")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--class-clients", type=int, default=None, metavar="N",
                    help="how many of them are simulated with real HTTP clients (default: all)")
    ap.add_argument("--path", default="/", help="the page to load (default /)")
    ap.add_argument("--list", action="store_true",
                    help="also list each response of the last cold and warm load")
    args = ap.parse_args()
    clients = args.students if args.class_clients is None else args.class_clients
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the servers
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    trees = ([("before", os.path.abspath(args.before))] if args.before else []) + [
        ("this tree", ROOT)]
    servers = {}
    results = {name: {"cold": [], "warm": []} for name, _ in trees}
    class_rows = {}
    try:
        for name, root in trees:
            port = free_port()
            servers[name] = (start_server(port, root=root), f"http://{HOST}:{port}")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.repeats):
                for name, _root in trees:
                    proc, base = servers[name]
                    settle(process_tree(proc.pid))
                    context = browser.new_context(viewport=VIEWPORT)
                    results[name]["cold"].append(load(context, base + args.path))
                    results[name]["warm"].append(load(context, base + args.path))
                    context.close()
            browser.close()
        rows = []  # (printed before the class load, which takes longest)
        for name, _root in trees:
            cold, warm = results[name]["cold"], results[name]["warm"]
            rows.append((name, median([r["bytes"] for r in cold]) / 1e6,
                         median([r["requests"] for r in cold]),
                         median([r["contour_ms"] for r in cold]),
                         min(r["contour_ms"] for r in cold),
                         median([r["bytes"] for r in warm]) / 1e6,
                         median([r["requests"] for r in warm]),
                         median([r["contour_ms"] for r in warm])))
        table(["tree", "cold MB", "cold requests", "cold first contour ms", "(fastest)", "warm MB",
               "warm requests", "warm first contour ms"], rows,
              title=f"GET {args.path} in headless Chromium, medians of {args.repeats}")
        if args.list:
            for name, _root in trees:
                for kind in ("cold", "warm"):
                    got = results[name][kind][-1]["fetched"]
                    table(["URL", "bytes"], sorted(((u.split("/", 3)[3], n) for u, n in got.items()),
                                                   key=lambda r: -r[1]),
                          title=f"{name}, last {kind} load")
        for name, _root in trees:
            proc, base = servers[name]
            settle(process_tree(proc.pid))
            urls = [u for u in results[name]["cold"][-1]["urls"] if u.startswith(base)]
            class_rows[name] = class_load(urls, clients, process_tree(proc.pid))
    finally:
        for proc, _ in servers.values():
            stop_server(proc)

    crow = []
    for name, _root in trees:
        c = class_rows[name]
        cold_bytes = median([r["bytes"] for r in results[name]["cold"]])
        crow.append((name, args.students * cold_bytes / 1e6,
                     args.students * cold_bytes * 8 / WIFI_BITS_PER_S,
                     c["bytes"] / 1e6, c["wall_s"], c["cpu_s"]))
    table(["tree", f"{args.students} × cold MB", "s at 50 Mbit/s",
           f"{clients} HTTP clients: MB", "wall s (loopback)", "server CPU s"], crow,
          title=f"{args.students} cold students at once ({clients} of them as real HTTP clients)")


if __name__ == "__main__":
    main()
