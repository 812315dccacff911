"""The runs behind one WebSocket: control messages in, batched frames out.

Pure of I/O: ``handle(text, now)`` and ``tick(now)`` return the messages to
send, and ``next_tick(now)`` says when to call ``tick`` again, so the socket
loop in ``gdviz/api/stream.py`` stays thin and this logic is tested directly.

Pacing: while playing, each tick advances ``speed × elapsed`` steps (elapsed
capped at ``MAX_TICK_GAP``, so a client that fell behind is not flooded with a
backlog — it just sees a slower run). Ticks fall on one grid of the loop's clock
(``next_beat``), shared by every stream of the worker. Frames of one tick go out in one
``frames`` message of at most ``MAX_FRAMES_PER_MESSAGE`` frames.

The session owns its clock: ``StreamSession(clock=..., budget=...)``. A call that
computes (``handle``, ``tick``) stops once ``budget`` seconds of ``clock`` have gone
by since it began — checked after every *run-step* (one step of one run: the
largest network's takes a few ms) and after every run built by a ``start`` — and
goes on at the next tick: playback then runs slower and a ``step`` or a ``start``
is spread over several ticks, instead of blocking the event loop the other
streams share. Steps go out in lock-step: a message carries only steps that every
run has taken (a step cut short is kept and finished first next time). The socket
loop passes ``time.perf_counter``; the default clock stands still (nothing is
ever cut short), and tests pass a fake one, so no outcome depends on the
machine's load.

A ``replay`` (gdviz/streaming/replay.py) is built like a ``start`` and then stepped
quietly towards its target under the same budget.

Model scenarios (docs/models.md) add their kind's frame fields, thin network frames
and ``diagnosis`` messages through ``ModelRuns``; a ``slice`` request returns
a ``SliceJob`` for the socket loop to run in a worker process.

Scrub and branch (gdviz/streaming/branches.py): every run keeps a bounded
``RunHistory``, so ``past`` gives a run's whole frame at an earlier step and ``branch``
adds a run that goes on from a run's exact state at a step with other hyperparameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from pydantic import TypeAdapter, ValidationError

from gdviz.engine.explain import explain, stall_of
from gdviz.engine.runs import Batch, Status
from gdviz.scenarios.models import Scenario, check_changes
from gdviz.scenarios.kinds import KINDS, kind_of
from gdviz.scenarios.objectives import build_model, objective_of
from gdviz.scenarios.simulate import batch_for_run
from gdviz.scenarios.slice import SliceRequest, check_work, compute_slice
from gdviz.validation import summary

from .branches import Branches
from .model_runs import ALL, ModelRuns, frame_dict_of, record
from .protocol import (BadMessage, Branch, ClientMessage, Inspect, Past, Pause, Play, Replay,
                       Set, Speed, Start, Step, read_message)
from .replay import ReplayPlan, plan_of

TICK = 1 / 30  # seconds between batches while playing
MAX_TICK_GAP = 0.25  # at most this much wall time is caught up in one tick
MAX_FRAMES_PER_MESSAGE = 600
STEP_CHUNK = 100  # a `step` of more steps is sent over several ticks
MAX_DEFERRED = 16  # messages kept while a `start` builds its runs
MAX_TICK_COMPUTE = 0.02  # seconds of computing per call at most (then one more run-step)
_DIVERGED = int(Status.DIVERGED)  # an enum member lookup costs ~2 µs in Python 3.11


def next_beat(t: float) -> float:
    """The first point of the ``TICK`` grid (0, TICK, 2·TICK, … of the loop's clock) after
    a tick at ``t`` (one up to 0.1 % of a TICK early counts as on its point).

    Every playing stream of a worker ticks on this one grid, so a single wake-up of the
    event loop serves them all, back to back, instead of each stream waking it at its own
    phase: at 20 streams of 30 steps/s a streamed step cost 751–797 µs of server CPU
    on their own phases and 457–578 µs on the grid (bench/ws_message_cost.py) — the
    wake-ups, and the cold caches each one finds."""
    return (math.floor(t / TICK + 1e-3) + 1) * TICK


def STILL() -> float:
    """The default clock: it stands still, so a call is never cut short."""
    return 0.0


@dataclass
class SliceJob:
    """A loss-landscape slice to compute off the event loop: ``payload()`` is what the
    job pool's ``slice`` task takes (the network as its spec: a worker builds it);
    ``run()`` computes the reply here (tests)."""

    spec: object  # the scenario's model (a kind with the ``slice`` capability)
    shuffle_seed: int
    request: SliceRequest
    step: int
    centre: np.ndarray
    path_steps: np.ndarray
    path_points: np.ndarray

    def payload(self) -> tuple:
        return (self.spec, self.shuffle_seed, self.request, self.step, self.centre,
                self.path_steps, self.path_points)

    def run(self) -> dict:
        net = build_model(self.spec, self.shuffle_seed)
        try:
            return compute_slice(net, self.request, self.step, self.centre,
                                 self.path_steps, self.path_points)
        except ValueError as e:  # e.g. a PCA plane of a path that stays on a line
            return _error(f"plane: {e}; use the random plane or take more steps")

_adapter = TypeAdapter(ClientMessage)


class StreamSession:
    def __init__(self, max_message_bytes: int = 64 << 10, *,
                 clock: Callable[[], float] = STILL, budget: float = MAX_TICK_COMPUTE):
        self.max_message_bytes = max_message_bytes
        self.clock, self.budget = clock, budget
        self.scenario: Scenario | None = None
        self.batches: list[Batch] = []
        self.playing = False
        self.speed = 30.0
        self._credit = 0.0
        self._last_tick: float | None = None
        self._reported: set[int] = set()
        self._pending_steps = 0  # steps of a `step` message still to send
        self._partial: list = []  # records of a step some runs have taken, the rest not yet
        self._cursor = 0  # the run whose turn it is in that step
        self._building: Iterator[list[dict] | None] | None = None  # a start building runs
        self._deferred: list = []  # messages that came while it builds (or seeks): after it
        # a `past` or `branch` replaying its run's steps from a snapshot (Branches)
        self._seeking: Iterator[None] | None = None
        self._replay: ReplayPlan | None = None  # a `replay` on its way to its step
        self._began = 0.0  # clock reading when the current call began
        self.models: ModelRuns | None = None
        self._terms: list = []  # per run: the weights whose update terms frames carry
        self._now = 0.0
        self.branches = Branches(self)  # each run's past; `past` and `branch`

    # -- timing --------------------------------------------------------------

    def next_tick(self, now: float) -> float | None:
        """Seconds until ``tick`` should run (None: idle until a message arrives)."""
        if (self._pending_steps or self._building is not None or self._seeking is not None
                or self._replay is not None):
            return 0.0
        if not self.playing:
            return None
        if self._last_tick is None:
            return 0.0
        return max(0.0, next_beat(self._last_tick) - now)

    def tick(self, now: float) -> list[dict]:
        self._now = now
        self._began = self.clock()
        if self._building is not None:
            return self._build_more()
        if self._seeking is not None:
            return self._seek_more()
        if self._replay is not None:
            return self._replay_chunk()
        if self._pending_steps:
            return self._step_chunk()
        if not self.playing:
            return []
        elapsed = TICK if self._last_tick is None else min(now - self._last_tick, MAX_TICK_GAP)
        self._last_tick = now
        self._credit += self.speed * max(elapsed, 0.0)
        n = int(self._credit)
        self._credit -= n
        if not n:
            return []
        out, taken = self._advance(n)
        if taken < n:  # out of compute time: play slower rather than owe steps
            self._credit = 0.0
        return out

    # -- control -------------------------------------------------------------

    def handle(self, text: str | bytes | None, now: float) -> list[dict]:
        """Apply one client message; return the replies."""
        try:
            msg = _adapter.validate_python(read_message(text, self.max_message_bytes))
        except BadMessage as e:
            return [_error(str(e))]
        except ValidationError as e:
            return [_error(summary(e.errors()))]
        self._now = now
        self._began = self.clock()
        if isinstance(msg, Start):
            self._deferred, self._seeking = [], None
            self._building = self._start(msg.scenario, now, paused=msg.paused)
            return self._build_more()
        if isinstance(msg, Replay):
            try:
                plan = plan_of(msg)
            except ValueError as e:
                return [_error(str(e))]
            self._deferred, self._seeking = [], None
            self._building = self._start(msg.scenario, now, paused=True, replay=plan)
            return self._build_more()
        if isinstance(msg, Speed):  # (a start sets its scenario's speed before it builds)
            self.speed = msg.steps_per_second
            return [self._state()]
        if self._replay is not None:
            return [self._restoring(msg)]
        if self._building is not None or self._seeking is not None:  # in order, after it
            if len(self._deferred) >= MAX_DEFERRED:
                if self._building is not None:
                    return [_error(f"{msg.type}: the runs are still being set up and "
                                   f"{MAX_DEFERRED} messages are waiting for them; send it "
                                   "again once 'started' has arrived")]
                return [_error(f"{msg.type}: an earlier 'past' or 'branch' is still replaying "
                               f"its run and {MAX_DEFERRED} messages are waiting for it; send "
                               "it again once its reply has arrived")]
            self._deferred.append(msg)
            return []
        return self._apply(msg, now)

    def _restoring(self, msg) -> dict:
        return _error(f"{msg.type}: the runs are still being restored (step "
                      f"{self._step_now()} of {self._replay.target}); wait for 'replayed'")

    def _apply(self, msg, now: float) -> list[dict]:
        if self._replay is not None:
            return [self._restoring(msg)]
        if self.scenario is None:
            return [_error(f"{msg.type}: send a 'start' message with a scenario first")]
        if isinstance(msg, SliceRequest):
            return self._slice(msg)
        if isinstance(msg, Inspect):
            return self._inspect(msg)
        if isinstance(msg, (Past, Branch)):
            self._seeking = (self.branches.past if isinstance(msg, Past)
                             else self.branches.branch)(msg)
            return self._seek_more()
        if isinstance(msg, Pause):
            self.playing = False
            self._pending_steps = 0
        elif isinstance(msg, Play):
            self._pending_steps = 0
            self._play(now)
        elif isinstance(msg, Step):
            self.playing = False
            self._pending_steps = msg.count
            return self._step_chunk()
        elif isinstance(msg, Set):
            return self._set(msg)
        return [self._state()]

    def _step_chunk(self) -> list[dict]:
        """The next ≤ STEP_CHUNK steps of a `step` message; `state` once all are sent."""
        n = min(self._pending_steps, STEP_CHUNK)
        out, taken = self._advance(n)
        self._pending_steps -= taken
        if self._all_done():
            self._pending_steps = 0
        return out if self._pending_steps else out + [self._state()]

    def _build_more(self) -> list[dict]:
        """Build the next runs of a ``start`` until the budget is spent (at least one);
        the replies once the last is built."""
        for out in self._building:
            if out is not None:
                self._building = None
                return self._drain(out)
            if self._spent():
                return []
        raise RuntimeError("a start ended without its replies")

    def _seek_more(self) -> list[dict]:
        """Replay the steps of a ``past`` or ``branch`` (``Branches``) until the budget is
        spent (at least one); its replies once it has them, and then the messages that
        waited for it."""
        try:
            while True:
                next(self._seeking)
                if self._spent():
                    return []
        except StopIteration as done:
            self._seeking = None
            return self._drain(done.value)
        except BaseException:  # (a bug: the caller reports it; nothing is left half-sought)
            self._seeking = None
            raise

    def _drain(self, out: list[dict]) -> list[dict]:
        """``out`` and the replies to the messages that waited, applied in order until one
        starts work that waits again (a ``past``)."""
        while self._deferred and self._building is None and self._seeking is None:
            out += self._apply(self._deferred.pop(0), self._now)
        return out

    def _start(self, scenario: Scenario, now: float, paused: bool = False,
               replay: ReplayPlan | None = None) -> Iterator[list[dict] | None]:
        """Yields None after each run it builds (a large network's first loss and gradient
        take milliseconds), then the replies: started, frame 0 of each run, state. With
        ``replay``, the replay's first replies instead (the page has frame 0)."""
        self.scenario, self.batches = None, []
        self.speed = scenario.speed
        self.playing = False
        self._pending_steps = 0
        self._replay = replay  # (messages but `speed` wait for `replayed`)
        self._partial, self._cursor = [], 0
        built = []
        for i in range(len(scenario.runs)):
            built.append(batch_for_run(scenario, i))
            yield None
        self.scenario, self.batches = scenario, built
        self._reported = set()
        kind = kind_of(scenario)
        self.models = (ModelRuns(kind, objective_of(scenario), len(self.batches),
                                 [b.objective for b in self.batches])
                       if kind.frame_fields is not None else None)
        started = {"type": "started", "runs": [
            {"run": i, "optimizer": r.optimizer, "hyper": b.hyper_of(0)}
            for i, (r, b) in enumerate(zip(scenario.runs, self.batches))]}
        # a frame's `opt`: every weight, unless the kind sends its weights thin (a network's
        # on `inspect`)
        self._terms = [None if kind.capabilities.thin_frames else ALL] * len(self.batches)
        self.branches.started()
        records = [record(i, b, b.propose()[0], self._terms[i])
                   for i, b in enumerate(self.batches) if not self.branches.waiting(i)]
        records += self.branches.spawn_due()
        out = [started, *self._messages(records, force_diagnosis=True)] + self._ended()
        if replay is not None:  # frame 0 and any status at step 0: the page has them
            yield self._replay_chunk()
            return
        if not paused:
            self._play(now)
        yield out + [self._state()]

    def _play(self, now: float) -> None:
        if self._all_done():
            return
        self.playing = True
        self._last_tick = now - TICK
        self._credit = max(self._credit, 1.0)  # the first tick shows movement at once

    def _set(self, msg: Set) -> list[dict]:
        if msg.run >= len(self.batches):
            return [_error(f"run: {msg.run} does not exist (this scenario has "
                           f"{len(self.batches)} run{'s' if len(self.batches) != 1 else ''})")]
        spec = self.scenario.runs[msg.run]
        try:
            changes = check_changes(spec.optimizer, msg.changes)
        except ValueError as e:
            return [_error(str(e))]
        if self.branches.waiting(msg.run):
            return [_error(f"run: run {msg.run} is a branch that has not started yet; change "
                           "it once it has")]
        out = self._finish_step()  # a change applies between whole steps, for every run
        self.apply_edit(msg.run, changes)
        b = self.batches[msg.run]
        # `step`: the changes apply from the next one (a `replay` re-applies them there)
        return out + [{"type": "hyper", "run": msg.run, "hyper": b.hyper_of(0),
                       "step": self._step_now()}]

    def apply_edit(self, run: int, changes: dict) -> None:
        """Change run ``run``'s hyperparameters from its next step (and remember it: its
        past is replayed with it)."""
        self.batches[run].set_hyper(0, changes)
        self.branches.edited(run, self.batches[run].step, changes)

    def _run_step(self, run: int) -> int:
        b = self.batches[run]
        return int(b.step if b.end_step[0] < 0 else b.end_step[0])

    # -- replay (gdviz/streaming/replay.py) ----------------------------------

    def _replay_chunk(self) -> list[dict]:
        """Step towards the replay's target until the budget is spent, applying each edit
        at its step; `replayed` and `state` once there (else, now and then, `replaying`)."""
        plan = self._replay
        stepped = False
        while True:
            step = self._step_now()
            if not self._partial:
                plan.apply_due(step, self.apply_edit)
            if (step >= plan.target and not self._partial) or self._all_done():
                return self._replayed()
            if stepped and self._spent():
                return ([{"type": "replaying", "step": step, "of": plan.target}]
                        if plan.note_due(self._now) else [])
            self._advance(min(plan.next_stop(step) - step, STEP_CHUNK), quiet=True)
            stepped = True

    def _replayed(self) -> list[dict]:
        plan, self._replay = self._replay, None
        runs = []
        for i, b in enumerate(self.batches):
            if self.branches.waiting(i):
                continue  # a branch not yet started: the page has no frame of it either
            update = None if b.status[0] == _DIVERGED else b.propose()[0]
            run = {**frame_dict_of(record(i, b, update)), "run": i, "hyper": b.hyper_of(0)}
            if b.done:
                run.update(status=Status(int(b.status[0])).label, reason=explain(b, 0))
            runs.append(run)
        if not plan.paused:
            self._play(self._now)
        return [{"type": "replayed", "step": self._step_now(), "runs": runs}, self._state()]

    def _step_now(self) -> int:
        """The last step every run has taken (they advance in lock-step; an ended run stays
        at its last; a step only some runs have taken so far does not count; a branch made
        live from an earlier step is behind, one still waiting for its parent is not
        counted)."""
        return max((b.step for i, b in enumerate(self.batches)
                    if not self.branches.waiting(i)), default=0) - (1 if self._partial else 0)

    # -- stepping ------------------------------------------------------------

    def _spent(self) -> bool:
        return self.clock() - self._began > self.budget

    def _advance(self, n: int, quiet: bool = False) -> tuple[list[dict], int]:
        """Up to ``n`` steps of every unfinished run, run by run, stopping once the budget
        is spent (after at least one run-step): (the messages, the whole steps taken).
        A step only some runs have taken is kept and finished first next time. ``quiet``:
        a replay's steps — no messages (the page has these frames and statuses); a
        model's bookkeeping (diagnosis history, the PCA path) still sees them."""
        records = []
        ended: list[dict] = []
        taken, moved = 0, False
        while taken < n and not self._all_done():
            while self._cursor < len(self.batches):
                i = self._cursor
                b = self.batches[i]
                if not b.done and not self.branches.waiting(i):
                    if moved and self._spent():
                        return self._sent(records, ended, quiet), taken
                    b.advance()
                    self.branches.stepped(i)
                    update = None if b.status[0] == _DIVERGED else b.propose()[0]
                    self._partial.append(record(i, b, update, None if quiet else self._terms[i]))
                    moved = True
                self._cursor += 1
            records += self._partial
            self._partial, self._cursor = [], 0
            records += self.branches.spawn_due(quiet)
            taken += 1
            ended += self._ended()
        return self._sent(records, ended, quiet), taken

    def _sent(self, records: list, ended: list[dict], quiet: bool) -> list[dict]:
        """What ``_advance``'s whole steps send: their frames and diagnoses, then the runs
        that ended; nothing when ``quiet`` (the model's bookkeeping still sees them)."""
        if quiet:
            if self.models is not None:
                self.models.frames(records)  # its history and path, not sent
            return []
        return self._messages(records, force_diagnosis=not self.playing) + ended

    def _finish_step(self) -> list[dict]:
        """The rest of a step only some runs have taken (each call takes at least one
        run-step): what it sends."""
        out = []
        while self._partial:
            out += self._advance(1)[0]
        return out

    def _messages(self, records: list, force_diagnosis: bool) -> list[dict]:
        """``frames`` messages of ≤ MAX_FRAMES_PER_MESSAGE frames (model fields, thin
        network frames), then any due ``diagnosis``."""
        out = []
        for k in range(0, len(records), MAX_FRAMES_PER_MESSAGE):
            chunk = records[k:k + MAX_FRAMES_PER_MESSAGE]
            frames = (self.models.frames(chunk) if self.models is not None
                      else [dict(run=r.run, **frame_dict_of(r)) for r in chunk])
            out.append({"type": "frames", "frames": frames})
        if self.models is not None and records:
            out += self.models.diagnoses(self.batches, {r.run for r in records}, self._now,
                                         force_diagnosis)
        return out

    def _inspect(self, msg: Inspect) -> list[dict]:
        """From now on run ``msg.run``'s frames carry ``opt`` for ``msg.weights`` (a network;
        a 2-weight objective's carry both weights always); the reply is the terms of the
        update from the run's current frame."""
        if msg.run >= len(self.batches):
            return [_error(f"run: {msg.run} does not exist (this scenario has "
                           f"{len(self.batches)} run{'s' if len(self.batches) != 1 else ''})")]
        b = self.batches[msg.run]
        if any(k >= b.dim for k in msg.weights):
            return [_error(f"weights: this model has {b.dim} weights (0 … {b.dim - 1}), "
                           f"got {max(msg.weights)}")]
        if self._terms[msg.run] is not ALL:
            self._terms[msg.run] = sorted(set(msg.weights)) or None
        terms = self._terms[msg.run]
        diverged = b.status[0] == _DIVERGED
        r = record(msg.run, b, None if diverged else b.propose()[0], terms)
        return [{"type": "opt", "run": msg.run, "step": r.step,
                 "weights": list(range(b.dim)) if terms is ALL else terms or [],
                 "opt": None if r.opt is None else {k: v for k, v in r.opt.items()
                                                    if k != "weights"}}]

    def _slice(self, msg: SliceRequest) -> list:
        if self.models is None or not self.models.kind.capabilities.slice:
            sliced = " or ".join(k.id for k in KINDS.values() if k.capabilities.slice)
            return [_error(f"slice: only a network (model kind {sliced}) has a loss landscape "
                           "to slice; named surfaces and 2-weight models are drawn whole")]
        if msg.run >= len(self.batches):
            return [_error(f"run: {msg.run} does not exist (this scenario has "
                           f"{len(self.batches)} runs)")]
        net = self.models.objective
        problem = check_work(net, msg.grid)
        if problem:
            return [_error(problem)]
        steps, points = self.models.path(msg.run)
        b = self.batches[msg.run]
        if not np.isfinite(b.params[0]).all():
            return [_error(f"run: run {msg.run} has diverged; its weights are not finite")]
        return [SliceJob(self.scenario.model, self.scenario.seed, msg, int(steps[-1]),
                         b.params[0].copy(), steps, points)]

    def _ended(self) -> list[dict]:
        out = []
        for i, b in enumerate(self.batches):
            if b.done and i not in self._reported:
                self._reported.add(i)
                out.append({"type": "status", "run": i, "status": Status(int(b.status[0])).label,
                            "stall": stall_of(b, 0), "step": int(b.end_step[0]),
                            "reason": explain(b, 0)})
        if self.batches and self._all_done() and len(out):
            self.playing = False
            out.append({"type": "done", "runs": [
                {"status": Status(int(b.status[0])).label, "stall": stall_of(b, 0),
                 "reason": explain(b, 0)}
                for b in self.batches]})
        return out

    def _all_done(self) -> bool:
        return all(b.done for b in self.batches)  # (a waiting branch is not done)

    def _state(self) -> dict:
        return {"type": "state", "playing": self.playing, "speed": self.speed}


def _error(message: str) -> dict:
    return {"type": "error", "message": message}

