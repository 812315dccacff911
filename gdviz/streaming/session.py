"""The runs behind one WebSocket: control messages in, batched frames out.

Pure of I/O: ``handle(text, now)`` and ``tick(now)`` return the messages to
send, and ``next_tick(now)`` says when to call ``tick`` again, so the socket
loop in ``gdviz/api/stream.py`` stays thin and this logic is tested directly.

Pacing: while playing, each tick advances ``speed × elapsed`` steps (elapsed
capped at ``MAX_TICK_GAP``, so a client that fell behind is not flooded with a
backlog — it just sees a slower run). Frames of one tick go out in one
``frames`` message of at most ``MAX_FRAMES_PER_MESSAGE`` frames. A tick also
stops computing after ``MAX_TICK_COMPUTE`` seconds of work (a large network
steps in milliseconds): playback then runs slower instead of blocking the
event loop, and the rest of a ``step`` goes out on the next ticks.

Model scenarios (docs/models.md) add model frame fields, thin network frames
and ``diagnosis`` messages through ``ModelRuns``; a ``slice`` request returns
a ``SliceJob`` for the socket loop to run in a worker thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from pydantic import TypeAdapter, ValidationError

from gdviz.engine.explain import explain, stall_of
from gdviz.engine.runs import Batch, Status
from gdviz.scenarios.models import Scenario, check_changes
from gdviz.scenarios.kinds import KINDS, kind_of
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.simulate import batches, frame_dict
from gdviz.scenarios.slice import SliceRequest, check_work, compute_slice
from gdviz.validation import summary

from .model_runs import ALL, ModelRuns, record
from .protocol import (BadMessage, ClientMessage, Inspect, Pause, Play, Replay, Set, Speed,
                       Start, Step, read_message)
from .replay import ReplayPlan, plan_of

TICK = 1 / 30  # seconds between batches while playing
MAX_TICK_GAP = 0.25  # at most this much wall time is caught up in one tick
MAX_FRAMES_PER_MESSAGE = 600
STEP_CHUNK = 100  # a `step` of more steps is sent over several ticks
MAX_TICK_COMPUTE = 0.05  # seconds of stepping per tick at most
_DIVERGED = int(Status.DIVERGED)  # an enum member lookup costs ~2 µs in Python 3.11


@dataclass
class SliceJob:
    """A loss-landscape slice to compute off the event loop: ``run()`` gives the reply."""

    net: object
    request: SliceRequest
    step: int
    centre: np.ndarray
    path_steps: np.ndarray
    path_points: np.ndarray

    def run(self) -> dict:
        try:
            return compute_slice(self.net, self.request, self.step, self.centre,
                                 self.path_steps, self.path_points)
        except ValueError as e:  # e.g. a PCA plane of a path that stays on a line
            return _error(f"plane: {e}; use the random plane or take more steps")

_adapter = TypeAdapter(ClientMessage)


class StreamSession:
    def __init__(self, max_message_bytes: int = 64 << 10):
        self.max_message_bytes = max_message_bytes
        self.scenario: Scenario | None = None
        self.batches: list[Batch] = []
        self.playing = False
        self.speed = 30.0
        self._credit = 0.0
        self._last_tick: float | None = None
        self._reported: set[int] = set()
        self._pending_steps = 0  # steps of a `step` message still to send
        self.models: ModelRuns | None = None
        self._terms: list = []  # per run: the weights whose update terms frames carry
        self._now = 0.0
        self._replay: ReplayPlan | None = None  # a `replay` on its way to its step

    # -- timing --------------------------------------------------------------

    def next_tick(self, now: float) -> float | None:
        """Seconds until ``tick`` should run (None: idle until a message arrives)."""
        if self._pending_steps or self._replay is not None:
            return 0.0
        if not self.playing:
            return None
        if self._last_tick is None:
            return 0.0
        return max(0.0, self._last_tick + TICK - now)

    def tick(self, now: float) -> list[dict]:
        self._now = now
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
        if isinstance(msg, Start):
            return self._start(msg.scenario, now, paused=msg.paused)
        if isinstance(msg, Replay):
            return self._begin_replay(msg, now)
        if self._replay is not None and not isinstance(msg, Speed):
            return [_error(f"{msg.type}: the runs are still being restored (step "
                           f"{self._step_now()} of {self._replay.target}); wait for "
                           "'replayed'")]
        if self.scenario is None and not isinstance(msg, Speed):
            return [_error(f"{msg.type}: send a 'start' message with a scenario first")]
        if isinstance(msg, SliceRequest):
            return self._slice(msg)
        if isinstance(msg, Inspect):
            return self._inspect(msg)
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
        elif isinstance(msg, Speed):
            self.speed = msg.steps_per_second
        return [self._state()]

    def _step_chunk(self) -> list[dict]:
        """The next ≤ STEP_CHUNK steps of a `step` message; `state` once all are sent."""
        n = min(self._pending_steps, STEP_CHUNK)
        out, taken = self._advance(n)
        self._pending_steps -= taken
        if self._all_done():
            self._pending_steps = 0
        return out if self._pending_steps else out + [self._state()]

    def _start(self, scenario: Scenario, now: float, paused: bool = False) -> list[dict]:
        self.scenario = scenario
        self._pending_steps = 0
        self._replay = None
        self.batches = batches(scenario)
        self.speed = scenario.speed
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
        records = [record(i, b, b.propose()[0], self._terms[i])
                   for i, b in enumerate(self.batches)]
        out = [started, *self._messages(records, force_diagnosis=True)] + self._ended()
        self.playing = False
        if not paused:
            self._play(now)
        return out + [self._state()]

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
        self.batches[msg.run].set_hyper(0, changes)
        b = self.batches[msg.run]
        # `step`: the changes apply from the next one (a `replay` re-applies them there)
        return [{"type": "hyper", "run": msg.run, "hyper": b.hyper_of(0),
                 "step": self._step_now()}]

    # -- replay (gdviz/streaming/replay.py) ----------------------------------

    def _begin_replay(self, msg: Replay, now: float) -> list[dict]:
        try:
            plan = plan_of(msg)
        except ValueError as e:
            return [_error(str(e))]
        self._start(msg.scenario, now, paused=True)  # its frame 0: the page has it
        self._replay = plan
        return self._replay_chunk()

    def _replay_chunk(self) -> list[dict]:
        """Step towards the replay's target for at most MAX_TICK_COMPUTE seconds, applying
        each edit at its step; `replayed` and `state` once there."""
        plan = self._replay
        began, stepped = time.perf_counter(), False
        while True:
            step = self._step_now()
            plan.apply_due(step, self.batches)
            if step >= plan.target or self._all_done():
                return self._replayed()
            if stepped and time.perf_counter() - began > MAX_TICK_COMPUTE:
                return ([{"type": "replaying", "step": step, "of": plan.target}]
                        if plan.note_due(self._now) else [])
            self._advance(min(plan.next_stop(step) - step, STEP_CHUNK), quiet=True)
            stepped = True

    def _replayed(self) -> list[dict]:
        plan, self._replay = self._replay, None
        runs = []
        for i, b in enumerate(self.batches):
            update = None if b.status[0] == _DIVERGED else b.propose()[0]
            run = {**frame_dict_of(record(i, b, update)), "run": i, "hyper": b.hyper_of(0)}
            if b.done:
                run.update(status=Status(int(b.status[0])).label, reason=explain(b, 0))
            runs.append(run)
        if not plan.paused:
            self._play(self._now)
        return [{"type": "replayed", "step": self._step_now(), "runs": runs}, self._state()]

    def _step_now(self) -> int:
        """The step the runs are at (they advance in lock-step; an ended run stays at
        its last)."""
        return max((b.step for b in self.batches), default=0)

    # -- stepping ------------------------------------------------------------

    def _advance(self, n: int, quiet: bool = False) -> tuple[list[dict], int]:
        """Up to ``n`` steps of every unfinished run (fewer once MAX_TICK_COMPUTE seconds
        are spent): (the messages, the number of steps taken). ``quiet``: a replay's
        steps — no messages (the page has these frames and statuses); a model's
        bookkeeping (diagnosis history, the PCA path) still sees them."""
        records = []
        ended: list[dict] = []
        began, taken = time.perf_counter(), 0
        for _ in range(n):
            if self._all_done() or (taken and time.perf_counter() - began > MAX_TICK_COMPUTE):
                break
            for i, b in enumerate(self.batches):
                if b.done:
                    continue
                b.advance()
                update = None if b.status[0] == _DIVERGED else b.propose()[0]
                records.append(record(i, b, update, None if quiet else self._terms[i]))
            taken += 1
            ended += self._ended()
        if quiet:
            if self.models is not None:
                self.models.frames(records)  # its history and path, not sent
            return [], taken
        return self._messages(records, force_diagnosis=not self.playing) + ended, taken

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
            return [_error(f"slice: only a network (model kind {sliced}) has a loss landscape to "
                           "slice; named surfaces and 2-weight models are drawn whole")]
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
        return [SliceJob(net, msg, int(steps[-1]), b.params[0].copy(), steps, points)]

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
        return all(b.done for b in self.batches)

    def _state(self) -> dict:
        return {"type": "state", "playing": self.playing, "speed": self.speed}


def frame_dict_of(r) -> dict:
    f = frame_dict(r.step, r.params, r.loss, r.grad, r.update, r.lr)
    if r.opt is not None:
        f["opt"] = r.opt
    return f


def _error(message: str) -> dict:
    return {"type": "error", "message": message}

