"""`replay`: a page whose server went away (a worker killed and restarted) asks the new
one to rebuild its runs up to the step it had shown — nothing lost.

Runs are deterministic (seeded starts, data, minibatches and noise; the engine is
pure NumPy), so the scenario the page started plus every live `set`, each applied at
the step the server applied it (the step its `hyper` reply named), give back the same
numbers. The session steps the runs towards the target in its usual ticks — at most
``MAX_TICK_COMPUTE`` seconds per tick, so other sockets keep flowing — sending no
frames (the page has them), only a `replaying` progress note now and then and, at the
end, `replayed` with every run's frame at that step, for the page to check against the
one it holds. docs/protocol.md has the messages.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from gdviz.scenarios.models import check_changes

from .protocol import Replay

PROGRESS_INTERVAL = 0.5  # seconds between `replaying` notes


@dataclass
class ReplayPlan:
    """Where a replay is going: the target step, the edits still to apply (in order:
    (step, run, changes)), and how to go on once there."""

    target: int
    edits: deque = field(default_factory=deque)
    paused: bool = False
    last_note: float = float("-inf")

    def apply_due(self, step: int, batches) -> None:
        """Apply every edit made at or before ``step`` (they take effect from the next
        step, as the live `set` did)."""
        while self.edits and self.edits[0][0] <= step:
            _, run, changes = self.edits.popleft()
            batches[run].set_hyper(0, changes)

    def next_stop(self, step: int) -> int:
        """The step to advance to before looking again: the next edit's, or the target."""
        return min(self.edits[0][0], self.target) if self.edits else self.target

    def note_due(self, now: float) -> bool:
        if now - self.last_note < PROGRESS_INTERVAL:
            return False
        self.last_note = now
        return True


def plan_of(msg: Replay) -> ReplayPlan:
    """The plan for a `replay` message; ``ValueError`` naming the field if the edits
    cannot have happened in this scenario (their order, their steps, their runs, their
    values — checked as `set` checks them)."""
    scenario = msg.scenario
    if msg.step > scenario.steps:
        raise ValueError(f"replay.step: {msg.step} is past the scenario's last step "
                         f"({scenario.steps})")
    edits: deque = deque()
    previous = 0
    for k, e in enumerate(msg.edits):
        where = f"replay.edits.{k}"
        if e.step < previous:
            raise ValueError(f"{where}.step: edits go in the order they were made "
                             f"(step {e.step} after step {previous})")
        if e.step > msg.step:
            raise ValueError(f"{where}.step: {e.step} is after the step to replay to "
                             f"({msg.step})")
        if e.run >= len(scenario.runs):
            raise ValueError(f"{where}.run: {e.run} does not exist (this scenario has "
                             f"{len(scenario.runs)} run(s))")
        try:
            changes = check_changes(scenario.runs[e.run].optimizer, e.changes)
        except ValueError as err:
            raise ValueError(f"{where}.{err}") from None
        edits.append((e.step, e.run, changes))
        previous = e.step
    return ReplayPlan(msg.step, edits, msg.paused)
