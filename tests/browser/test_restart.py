"""Nothing lost on a restart: the worker under a playing page is killed (SIGKILL) and a
new `python -m gdviz serve` starts on the same port; the page reconnects, replays its
scenario with its live learning-rate change up to the step it showed, finds the
replayed frame equal to the one it holds, and goes on — playing, or paused, as before.
Its frames afterwards are those of one uninterrupted run (checked against a fresh
replay on the server)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

from stepping import settled_step

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root
from bench._common import free_port, start_server, stop_server  # noqa: E402

pytestmark = pytest.mark.browser

# two runs that go on for thousands of steps (neither ends while the test watches); the
# stability tab, not the 3D view, so that software WebGL leaves the page time to read
LINK = ("?v=1&surface=rosenbrock&steps=10000&speed=60&r0=momentum&r0.lr=0.0002&r0.start=1.5,-0.5"
        "&r1=gd&r1.lr=0.0005&r1.start=-1,1.5&tab=stability")
POLL = {"polling": 100}  # ms between checks (not every animation frame: a busy page)


@pytest.fixture
def worker():
    """A real server on a free port; ``restart()`` kills it (SIGKILL: no goodbye to
    any socket) and starts a new one on the same port."""
    port = free_port()

    class Worker:
        url = f"http://127.0.0.1:{port}"
        proc = start_server(port)

        def kill(self):
            self.proc.kill()
            self.proc.wait(10)

        def start(self):
            self.proc = start_server(port)

    w = Worker()
    yield w
    stop_server(w.proc)


def held(page) -> dict:
    """Each run's frames as the page holds them: steps, losses, path."""
    return page.evaluate("""() => window.__gdviz.state.runs.map((r) => ({
        steps: r.steps.slice(), losses: r.losses.slice(), xs: r.xs.slice(), ys: r.ys.slice(),
        status: r.status }))""")


def server_replay(worker, request: dict, step: int) -> dict:
    """What a fresh session on the server gives for the page's replay up to ``step``."""
    with connect(f"ws://127.0.0.1:{worker.url.rsplit(':', 1)[1]}/ws/run") as ws:
        ws.send(json.dumps({**request, "step": step}))
        while True:
            msg = json.loads(ws.recv(timeout=60))
            assert msg["type"] != "error", msg
            if msg["type"] == "replayed":
                return msg


def restores(page) -> int:
    return page.evaluate("window.__gdviz.replay().restores")


def wait_restored(page, before: int) -> str:
    """The outcome of the next restore after the ``before``-th."""
    page.wait_for_function("(n) => window.__gdviz.replay().restores > n", arg=before,
                           timeout=90_000, **POLL)
    return page.evaluate("window.__gdviz.replay().outcome")


def test_a_killed_worker_loses_nothing_of_a_playing_or_paused_page(browser_context, worker):
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    page.goto(worker.url + "/" + LINK)
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'", **POLL)
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.body.dataset.step) > 40", **POLL)
    page.fill("#lr-input", "0.0004")  # a live change of run 1's learning rate
    page.press("#lr-input", "Enter")
    page.wait_for_function("window.__gdviz.replay().request.edits.length > 0", **POLL)
    page.wait_for_function("Number(document.body.dataset.step) > 120", **POLL)

    # -- killed under a playing page ---------------------------------------------------
    worker.kill()
    page.wait_for_function("document.body.dataset.status === 'offline'", **POLL)
    before, done = held(page), restores(page)
    shown = max(r["steps"][-1] for r in before)
    worker.start()
    assert wait_restored(page, done) == f"restored at {shown}"
    page.wait_for_function(f"Number(document.body.dataset.step) > {shown + 30}", **POLL)
    assert page.evaluate("window.__gdviz.state.playing") is True
    page.click("#btn-play")  # pause (frames already on their way still come)
    after = held(page)
    for b, a in zip(before, after):
        n = len(b["steps"])
        assert a["steps"] == list(range(len(a["steps"])))  # one run: no restart, no gap
        assert (a["losses"][:n], a["xs"][:n], a["ys"][:n]) == (b["losses"], b["xs"], b["ys"])
    # and what came after the restart is what an uninterrupted run gives
    request = page.evaluate("window.__gdviz.replay().request")
    assert any(e["step"] > 0 and e["changes"]["lr"] == 0.0004 for e in request["edits"])
    m = min(len(a["steps"]) for a in after) - 1
    truth = server_replay(worker, request, m)
    for run in truth["runs"]:
        a = after[run["run"]]
        assert run["step"] == a["steps"][m] == m > shown
        assert (a["losses"][m], a["xs"][m], a["ys"][m]) == (run["loss"], *run["params"])

    # -- killed under a paused page: it comes back paused at the same step ------------
    settled_step(page)
    worker.kill()
    page.wait_for_function("document.body.dataset.status === 'offline'", **POLL)
    paused_at = max(r["steps"][-1] for r in held(page))
    done = restores(page)
    worker.start()
    assert wait_restored(page, done) == f"restored at {paused_at}"
    assert page.evaluate("window.__gdviz.state.playing") is False
    assert page.evaluate("document.body.dataset.status") == "paused"
    assert page.evaluate("document.body.dataset.step") == str(paused_at)
    page.click("#btn-step")  # one step on from there
    page.wait_for_function(f"document.body.dataset.step === '{paused_at + 1}'", **POLL)
    if os.environ.get("GDVIZ_SHOTS"):  # to look at, not compared
        page.screenshot(path=os.path.join(os.environ["GDVIZ_SHOTS"], "restored.png"))
    page.close()
