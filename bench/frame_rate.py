"""Frames the playground paints per second while it plays fast, with and without the 3D view.

Serves two versions of the page side by side — ``after``, this checkout, and ``before``,
another revision (``--base``, default ``main``; ``git archive`` unpacks it into a
temporary folder) — each with ``python -m gdviz serve`` on a free 127.0.0.1 port, and
opens each in headless Chromium (``/usr/bin/chromium``, WebGL in software through
SwiftShader, as on a lecture-hall PC without a GPU) at 1280×720. The page plays a race
that cannot end inside the window (bowl, GD and momentum at small η, 10,000 steps) at
``--speed`` steps/s, and counts inside the page, over ``--seconds``:

* frames/s  — ``requestAnimationFrame`` callbacks: a frame the page could paint (the main
              thread was free for it);
* steps/s   — how far the step counter moved: frames from the server, shown;
* 3D upd/s  — how often the 3D view's paths were redrawn (the page's own counter, or
              for a version without one, Plotly calls on the 3D plot);
* longest   — the longest gap between two frames, in ms (a 3D redraw that holds the
              main thread shows here);
* busy %    — the share of the window the page's main thread spent in tasks (Chromium's
              own TaskDuration, over the DevTools protocol), and of it in scripts (script %):
              the work the page asks for, less noisy than frames/s on a shared machine.

"2D" opens the page on the Stability tab (the 3D view hidden), "3D" on the 3D tab.
Versions and views are interleaved over ``--repeats`` rounds, so the machine's load falls
on all of them alike; figures are medians. Nothing is asserted.
Run: ``python bench/frame_rate.py [--base main --seconds 5 --repeats 3 --speed 500 --views 2D,3D]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

from _common import HOST, ROOT, free_port, median, stop_server, table

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--enable-unsafe-swiftshader", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUERY = ("surface=bowl&steps=10000&seed=0&r0=gd&r0.lr=0.0001&r0.start=1.5,1"
         "&r1=momentum&r1.lr=0.00001&r1.start=-1.5,1")

# Counts Plotly calls per plot (for a version without its own 3D counter): the browser tests' script.
COUNT_PLOTLY = open(os.path.join(ROOT, "tests", "browser", "plotly_calls.js")).read()

MEASURE = """async (seconds) => {
  const count3d = () => window.__gdviz?.surface3dUpdates?.() ?? (window.__plotlyCalls?.surface3d ?? 0);
  const s0 = Number(document.body.dataset.step), u0 = count3d();
  let n = 0, longest = 0, prev = performance.now();
  const t0 = prev;
  await new Promise((done) => {
    const tick = (now) => {
      n += 1; longest = Math.max(longest, now - prev); prev = now;
      if (now - t0 < seconds * 1000) requestAnimationFrame(tick); else done();
    };
    requestAnimationFrame(tick);
  });
  const dt = (performance.now() - t0) / 1000;
  return { fps: n / dt, steps: (Number(document.body.dataset.step) - s0) / dt,
           updates3d: (count3d() - u0) / dt, longest, status: document.body.dataset.status };
}"""


def serve(root: str) -> tuple[subprocess.Popen, str]:
    """``python -m gdviz serve`` from ``root`` (its own gdviz first on the path)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": root}
    proc = subprocess.Popen([sys.executable, "-m", "gdviz", "serve", "--host", HOST, "--port", str(port)],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server in {root} exited: {proc.stderr.read().decode(errors='replace')[-1500:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/surfaces", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"server in {root} did not answer within 60 s")


def unpack(rev: str, into: str) -> str:
    """The tree of git revision ``rev`` unpacked under ``into``."""
    archive = os.path.join(into, "tree.tar")
    with open(archive, "wb") as f:
        subprocess.run(["git", "archive", rev], cwd=ROOT, stdout=f, check=True)
    tree = os.path.join(into, "tree")
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def measure(browser, url: str, tab: str, seconds: float, speed: float) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    page = context.new_page()
    page.add_init_script(COUNT_PLOTLY)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    try:
        page.goto(f"{url}/?{QUERY}&speed={speed:g}&tab={tab}")
        page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'",
                               timeout=120_000)
        page.wait_for_function("['drawn', 'deferred', 'none'].includes(document.body.dataset.surface3d)",
                               timeout=120_000)
        page.keyboard.press("Space")
        page.wait_for_function("Number(document.body.dataset.step) > 20", timeout=120_000)
        page.wait_for_timeout(1000)  # past the first second: the curves' and the 3D view's first redraws
        m0 = _metrics(cdp)
        got = page.evaluate(MEASURE, seconds)
        m1 = _metrics(cdp)
        wall = m1["Timestamp"] - m0["Timestamp"]
        got["busy"] = 100 * (m1["TaskDuration"] - m0["TaskDuration"]) / wall
        got["script"] = 100 * (m1["ScriptDuration"] - m0["ScriptDuration"]) / wall
        return got
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main", help="the revision to compare with (default: main)")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--speed", type=float, default=500.0)
    ap.add_argument("--views", default="2D,3D", help="which of 2D (Stability tab), 3D (3D tab) to measure")
    args = ap.parse_args()
    views = [(tab, view) for tab, view in (("stability", "2D"), ("3d", "3D")) if view in args.views.split(",")]

    from playwright.sync_api import sync_playwright

    servers = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            before, before_url = serve(unpack(args.base, tmp))
            servers.append(before)
            after, after_url = serve(ROOT)
            servers.append(after)
            versions = [(f"before ({args.base})", before_url), ("after (this checkout)", after_url)]
            results: dict[tuple[str, str], list[dict]] = {}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for _ in range(args.repeats):
                    for tab, view in views:
                        for name, url in versions:
                            got = measure(browser, url, tab, args.seconds, args.speed)
                            results.setdefault((name, view), []).append(got)
                browser.close()
        finally:
            for proc in servers:
                stop_server(proc)

    rows = []
    for (name, view), runs in results.items():
        rows.append([f"{name}, {view}", median([r["fps"] for r in runs]), median([r["steps"] for r in runs]),
                     median([r["updates3d"] for r in runs]), median([r["longest"] for r in runs]),
                     median([r["busy"] for r in runs]), median([r["script"] for r in runs])])
    load = os.getloadavg()[0]
    table(["version, view", "frames/s", "steps/s", "3D upd/s", "longest ms", "busy %", "script %"], rows,
          title=(f"Playground at 1280×720 playing {args.speed:g} steps/s; medians of {args.repeats} × "
                 f"{args.seconds:g} s (load average {load:.1f} at the end)"))


if __name__ == "__main__":
    main()
