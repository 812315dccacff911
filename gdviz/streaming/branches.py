"""Scrub and branch for one stream: each run's past (``past``) and new runs that go on from
a run's exact state at an earlier step (``branch``); docs/protocol.md.

``Branches`` belongs to a ``StreamSession``. It keeps a ``RunHistory`` per run (bounded:
``SNAPSHOT_BYTES`` of snapshots per run, and a replay of at most ``interval`` ≈
2 × steps / 64 steps per ``past``; gdviz/engine/history.py) and answers

* ``past``: run K's whole frame at step k (weights, gradient, update, the kind's fields) —
  what a page that kept the frame thin (a network's) needs to show step k;
* ``branch``: a new run, appended to the scenario as ``branch_of``/``branch_at`` with its
  hyperparameters and schedule, that is bit for bit the parent run to step k and then
  those: what ``POST /api/run`` of the new scenario gives (gdviz/scenarios/simulate.py).
  At most ``MAX_RUNS`` runs in all, branches included.

A scenario that *starts* with branches (a link) holds each branch back until its parent
reaches the branch's step, so the branch leaves its parent on screen there.
"""

from __future__ import annotations

import weakref
from collections.abc import Generator

from pydantic import ValidationError

from gdviz.engine.history import RunHistory, go_on
from gdviz.engine.runs import Status
from gdviz.scenarios.models import MAX_RUNS, SCHEDULE_FIELDS, RunSpec, Scenario
from gdviz.validation import field_path, summary

from .model_runs import frame_dict_of, record
from .protocol import Branch, Past

_SCHEDULE_KEYS = ("schedule", *SCHEDULE_FIELDS)
_DIVERGED = int(Status.DIVERGED)


class Branches:
    def __init__(self, session):
        # a weak reference: the session owns this, and a cycle between them would keep
        # a closed stream's runs until a full pass of the cyclic collector — one pass of
        # 166–199 ms on the event loop when 150 streams end together (bench/README.md);
        # without it they go back the moment the socket's loop lets go of the session
        self.s = weakref.proxy(session)
        self.histories: list[RunHistory] = []
        self._waiting: dict[int, int] = {}  # branch run → the step its parent must reach

    # -- the session's hooks -------------------------------------------------

    def started(self) -> None:
        """A scenario started: a history per run; its branches wait for their parents."""
        self.histories = [RunHistory.of(b) for b in self.s.batches]
        self._waiting = {i: r.branch_at for i, r in enumerate(self.s.scenario.runs)
                         if r.branch_of is not None}

    def waiting(self, run: int) -> bool:
        return run in self._waiting

    def stepped(self, run: int) -> None:
        self.histories[run].record(self.s.batches[run])

    def edited(self, run: int, step: int, changes: dict) -> None:
        self.histories[run].edit(step, changes)

    def spawn_due(self, quiet: bool = False) -> list:
        """Records of the waiting branches whose parent has reached their step (or ended)."""
        out = []
        for i, at in list(self._waiting.items()):
            p = self.s.scenario.runs[i].branch_of
            parent = self.s.batches[p]
            if p in self._waiting or (parent.step < at and not parent.done):
                continue
            del self._waiting[i]
            b = self.s.batches[i]
            update = None if b.status[0] == _DIVERGED else b.propose()[0]
            out.append(record(i, b, update, None if quiet else self.s._terms[i]))
        return out

    # -- messages ------------------------------------------------------------

    # ``past`` and ``branch`` replay up to ``interval`` − 1 steps from a snapshot (a large
    # network's: seconds): each yields None after every step it replays, so the session
    # spreads them over its ticks (``StreamSession._seek_more``), and returns its replies

    def past(self, msg: Past) -> Generator[None, None, list[dict]]:
        problem = self._check_run(msg.run) or self._check_step("past", msg.run, msg.step)
        if problem:
            return [_error(problem)]
        try:
            b = yield from self.histories[msg.run].walk(msg.step)
        except ValueError as e:
            return [_error(f"past.step: {e}")]
        update = None if b.status[0] == _DIVERGED else b.propose()[0]
        r = record(msg.run, b, update, self.s._terms[msg.run])
        models = self.s.models
        frame = models.whole(r) if models is not None else {"run": msg.run, **frame_dict_of(r)}
        return [{"type": "past", "run": msg.run, "step": msg.step, "frame": frame}]

    def branch(self, msg: Branch) -> Generator[None, None, list[dict]]:
        s = self.s
        problem = self._check_run(msg.run) or self._check_step("branch", msg.run, msg.step)
        if problem:
            return [_error(problem)]
        if len(s.batches) >= MAX_RUNS:
            return [_error(f"branch: this stream has {len(s.batches)} runs, the limit "
                           f"(runs ≤ {MAX_RUNS}, as in a scenario); remove a run to branch "
                           "again")]
        if msg.step >= s.scenario.steps:
            return [_error(f"branch.step: {msg.step} is not before the last step "
                           f"({s.scenario.steps})")]
        try:
            state = yield from self.histories[msg.run].walk(msg.step)
        except ValueError as e:
            return [_error(f"branch.step: {e}")]
        try:
            spec = self._spec(msg, state.hyper_of(0))
            scenario = Scenario.model_validate(
                {**s.scenario.model_dump(exclude_none=True),
                 "runs": [*(r.model_dump(exclude_none=True) for r in s.scenario.runs),
                          spec.model_dump(exclude_none=True)]})
            batch = go_on(state, spec.hyper(), spec.schedule_spec())
        except ValueError as e:
            return [_error(str(e))]
        new = len(s.batches)
        s.scenario = scenario
        s.batches.append(batch)
        s._terms.append(s._terms[msg.run])
        self.histories.append(RunHistory.of(batch))
        if s.models is not None:
            s.models.add_run(batch.objective)
        update = batch.propose()[0]
        branched = {"type": "branched", "run": new, "of": msg.run, "step": msg.step,
                    "spec": spec.model_dump(mode="json", exclude_none=True),
                    "hyper": batch.hyper_of(0)}
        return [branched, *s._messages([record(new, batch, update, s._terms[new])],
                                       force_diagnosis=True), s._state()]

    def _spec(self, msg: Branch, hyper: dict) -> RunSpec:
        """The branch's run: its parent's, with the hyperparameters in force at the step,
        then ``changes`` (a schedule given replaces the parent's whole schedule)."""
        spec = self.s.scenario.runs[msg.run]
        parent = spec.model_dump(exclude_none=True)
        if any(k in msg.changes for k in _SCHEDULE_KEYS):
            for k in _SCHEDULE_KEYS:
                parent.pop(k, None)
        linked = {k: list(v) if isinstance(v, tuple) else v for k, v in spec.hyper().items()}
        live = {k: v for k, v in hyper.items() if v != linked[k]}  # changed by `set`s
        fields = {**parent, **live, **msg.changes, "branch_of": msg.run,
                  "branch_at": msg.step}
        for name in msg.changes:
            if name not in hyper and name not in _SCHEDULE_KEYS:
                where = field_path(("changes", name))
                raise ValueError(f"{where}: a branch changes its optimizer's hyperparameters "
                                 f"({', '.join(hyper)}) or its schedule "
                                 f"({', '.join(_SCHEDULE_KEYS)}), not {where[8:]}")
        try:
            return RunSpec.model_validate(fields)
        except ValidationError as e:
            raise ValueError(summary([{**err, "loc": ("changes", *err.get("loc", ()))}
                                      for err in e.errors()])) from None

    def _check_step(self, what: str, run: int, step: int) -> str | None:
        now = self.s._run_step(run)
        if step > now:
            return (f"{what}.step: {step} is past this run's newest step ({now}); choose a "
                    "step it has taken")
        return None

    def _check_run(self, run: int) -> str | None:
        n = len(self.s.batches)
        if run >= n:
            return f"run: {run} does not exist (this stream has {n} run{'s' if n != 1 else ''})"
        if run in self._waiting:
            return (f"run: run {run} is a branch that has not started yet (it leaves run "
                    f"{self.s.scenario.runs[run].branch_of} at step {self._waiting[run]})")
        return None


def _error(message: str) -> dict:
    return {"type": "error", "message": message}
