"""Reading the step counter of a paused page.

The badge says "paused" as soon as the page sends `pause`, but frames the server sent
before it read that message are still on their way: for a moment the counter can still
move. A test that wants "the step we paused at" waits until it has stopped moving.
"""

from __future__ import annotations

_SETTLED = """(quiet) => {
    const s = document.body.dataset.step, now = performance.now();
    const w = window.__stepSettle;
    if (w.s !== s) { w.s = s; w.t = now; return false; }
    return now - w.t >= quiet ? {step: Number(s)} : false;
}"""


def settled_step(target, quiet_ms: int = 500, timeout: float = 15_000) -> int:
    """The step once no frame has arrived for `quiet_ms` (a page or a frame)."""
    target.evaluate("() => { window.__stepSettle = {s: undefined, t: 0}; }")
    handle = target.wait_for_function(_SETTLED, arg=quiet_ms, polling=50, timeout=timeout)
    return int(handle.json_value()["step"])


def play_pause_step(keys, target, at_least: int = 3) -> int:
    """Space (play) until step ≥ `at_least`, Space (pause), → (one step), pressed on `keys`
    (a page's keyboard) and read on `target` (the page or a frame in it); the step after →."""
    keys.keyboard.press("Space")
    target.wait_for_function("document.body.dataset.status === 'running'")
    target.wait_for_function(f"Number(document.body.dataset.step) >= {at_least}")
    keys.keyboard.press("Space")
    target.wait_for_function("document.body.dataset.status === 'paused'")
    paused_at = settled_step(target)
    keys.keyboard.press("ArrowRight")
    target.wait_for_function(f"Number(document.body.dataset.step) === {paused_at + 1}")
    return paused_at + 1
