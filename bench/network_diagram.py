"""How often the network diagram redraws while a run plays, in this machine's Chromium.

The Network tab redraws on every frame that brings new weights (at most once per
animation frame): each neuron's heatmap over a G×G grid of the input plane (one forward
pass through the net), every weight's line, and the dead / saturated marks (a forward
pass over the training points). Issue 15 asks for ≥ 10 updates per second for a 4×32
net; this plays one run of Adam at 2,000 steps/s (far more steps than the screen can
show, so the stream's weights arrive as fast as the page takes them) and counts the
diagram's draws for ``--seconds`` of wall time, in the weights and the gradients view,
for 2-16-16-2 (the default net) beside 2-32-32-32-32-2 on 400 moons points.

Each case twice: "playing" — the page as a student has it, the stream, the decision
boundary and the curves all at work — and "alone" — the run paused and the diagram fed new
weights every other animation frame, so its own ceiling shows.

Figures: draws per second (the rate a student sees), the median time of one draw inside
the page (``performance.now()`` around it), and the steps per second the run advanced
(the stream sends the newest weights at most ~30 times a second). Runs a real server on a free port, drives
/usr/bin/chromium headless (``--enable-unsafe-swiftshader``) at 1280×720 through
Playwright; no assertions on time.
Run: ``python bench/network_diagram.py [--seconds 6] [--repeats 3]``.
"""

from __future__ import annotations

import argparse

import _common  # also puts the repository root on sys.path
from _common import HOST, free_port, median, start_server, stop_server, table

NETS = {"2-16-16-2": "16,16", "2-32-32-32-32-2": "32,32,32,32"}
LINK = ("v=1&model=mlp&model.dataset=moons&model.hidden={hidden}&model.activation=tanh"
        "&r0=adam&r0.lr=0.003&steps=10000&speed=2000&tab=net&net.mode={mode}")

PROBE = """() => {
  const d = window.__gdviz.diagram();
  const withParams = window.__gdviz.state.runs[0].withParams;
  return {draws: d ? d.draws : 0, ms: window.__gdviz.diagramDrawMs(), step: withParams ? withParams.step : 0};
}"""


def measure(page, base: str, hidden: str, mode: str, seconds: float) -> dict:
    page.goto(f"{base}/?{LINK.format(hidden=hidden, mode=mode)}")
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
    page.keyboard.press("Space")  # play
    page.wait_for_function("(window.__gdviz.diagram()?.draws ?? 0) > 2", timeout=60_000)
    start = page.evaluate(PROBE)
    t0 = page.evaluate("performance.now()")
    samples = []
    while page.evaluate("performance.now()") - t0 < seconds * 1000:
        page.wait_for_timeout(100)
        samples.append(page.evaluate(PROBE)["ms"])
    end = page.evaluate(PROBE)
    elapsed = (page.evaluate("performance.now()") - t0) / 1000
    page.keyboard.press("Space")  # pause
    return {"draws/s": (end["draws"] - start["draws"]) / elapsed,
            "ms/draw": median([s for s in samples if s]) if any(samples) else float("nan"),
            "steps/s": (end["step"] - start["step"]) / elapsed}


ALONE = """async (seconds) => {
  const d = window.__gdviz.diagramObject();
  const base = d.frame.params.slice();
  const grad = d.frame.grad ? d.frame.grad.slice() : base.map(() => 0.01);
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const start = d.draws, t0 = performance.now(), ms = [];
  for (let k = 1; performance.now() - t0 < seconds * 1000; k++) {
    d.setFrame({step: -k, params: base.map((v, i) => v * (1 + 1e-3 * Math.sin(k + i))), grad});
    await frame();
    ms.push(d.lastDrawMs);
  }
  ms.sort((a, b) => a - b);
  return {draws: (d.draws - start) / ((performance.now() - t0) / 1000), ms: ms[ms.length >> 1]};
}"""


def alone(page, seconds: float) -> dict:
    """The diagram fed new weights every other animation frame with the run paused: what
    the diagram itself can draw, with the stream and the other plots out of the way."""
    page.wait_for_function("document.body.dataset.status === 'paused'", timeout=30_000)
    r = page.evaluate(ALONE, seconds)
    return {"draws/s": r["draws"], "ms/draw": r["ms"], "steps/s": float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_server(port)
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--enable-unsafe-swiftshader", "--no-sandbox"])
            # bypass_csp: wait_for_function evaluates its predicate with eval()
            page = browser.new_page(viewport={"width": 1280, "height": 720}, bypass_csp=True)
            for _ in range(args.repeats):  # interleaved, so the machine's noise falls on all
                for name, hidden in NETS.items():
                    for mode in ("weights", "gradients"):
                        r = measure(page, f"http://{HOST}:{port}", hidden, mode, args.seconds)
                        results.setdefault((name, mode, "playing"), []).append(r)
                        results.setdefault((name, mode, "alone"), []).append(
                            alone(page, args.seconds))
            browser.close()
    finally:
        stop_server(proc)
    rows = [[f"{name}, {mode}, {how}", median([r["draws/s"] for r in rs]),
             median([r["ms/draw"] for r in rs]), median([r["steps/s"] for r in rs])]
            for (name, mode, how), rs in results.items()]
    table(["net, view, driven by", "draws/s", "ms/draw", "steps/s streamed"], rows,
          title=f"Network diagram while playing at 2,000 steps/s, 1280×720, "
                f"median of {args.repeats} × {args.seconds:g} s")


if __name__ == "__main__":
    main()
