"""What a stream adds for a kind with frame fields (a model): those fields, thin frames,
diagnosis, paths.

``ModelRuns`` is owned by a ``StreamSession`` while it streams a scenario whose kind has
``frame_fields`` (docs/models.md, docs/kinds.md). The session hands it every step's raw
record; it

* adds the kind's frame fields (accuracy, test loss, per-layer gradient norms,
  epoch, …) computed for all of a message's frames of a run at once;
* for a kind with ``thin_frames`` (networks: hundreds of weights), puts
  ``params``/``grad``/``update`` — and the kind's ``weight_fields``, e.g. a CNN's
  confusion matrix — only on the newest frame of each run in a message (and on frame
  0): hundreds of weights per step would flood a browser at 2,000 steps/s (41× the JSON,
  bench/README.md);
* feeds each run's ``RunWatch`` and says when a ``diagnosis`` is due (at most
  every ``DIAGNOSIS_INTERVAL`` seconds while playing, and whenever the run has
  ended or the stream is stepping), for a kind with the ``diagnosis`` capability;
* records each run's path (bounded, ``ThinPath``) for the PCA slice, for a kind with
  the ``slice`` capability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.engine.nets.diagnose import RunWatch
from gdviz.engine.nets.path import ThinPath
from gdviz.engine.runs import Batch, Status
from gdviz.scenarios.jsonsafe import num
from gdviz.scenarios.kinds import ObjectiveKind
from gdviz.scenarios.simulate import frame_dict
from gdviz.scenarios.step_terms import terms_json

DIAGNOSIS_INTERVAL = 0.5  # seconds between diagnosis messages of one run while playing
PATH_CAPACITY = 100  # a PCA path keeps 100 … 200 points


ALL = "all"  # ``record``'s terms for every weight (a 2-weight objective)


@dataclass
class Record:
    """One run's state after one step, as the engine left it (copies)."""

    run: int
    step: int
    params: np.ndarray
    loss: float
    grad: np.ndarray
    update: np.ndarray | None
    lr: float
    opt: dict | None = None  # the update term by term (scenarios/step_terms.py), if asked


def record(run: int, batch: Batch, update, terms=None) -> Record:
    """Run ``run``'s frame now; with ``terms`` — ``ALL`` or a list of weight indices — and
    an update, also the update's terms (``opt``) for those weights."""
    step = batch.step if batch.end_step[0] < 0 else batch.end_step[0]
    opt = None
    if terms is not None and update is not None:
        opt = terms_json(batch.step_terms(0, slice(None) if terms is ALL else terms,
                                          floats=True))
        if terms is not ALL:
            opt["weights"] = list(terms)
    return Record(run, int(step), batch.params[0].copy(), float(batch.loss[0]),
                  batch.grad[0].copy(), None if update is None else np.array(update, float),
                  batch.lr_of(0), opt)


def frame_dict_of(r: Record) -> dict:
    """A record as a stream frame (with its ``opt`` when it has one)."""
    f = frame_dict(r.step, r.params, r.loss, r.grad, r.update, r.lr)
    if r.opt is not None:
        f["opt"] = r.opt
    return f


class ModelRuns:
    def __init__(self, kind: ObjectiveKind, objective, runs: int,
                 run_objectives: list | None = None):
        """``run_objectives``: what each run steps on, where a run asks for a variant (a
        gradient rule, ``rK.grad_rule``): its diagnosis reads that one."""
        self.kind = kind
        self.objective = objective
        self.frame_fields = kind.frame_fields
        # bench/stream_network.py turns thinning off to compare
        self.thin_frames = kind.capabilities.thin_frames
        self.watches = [RunWatch(o) for o in (run_objectives or [objective] * runs)]
        self.paths = ([ThinPath(PATH_CAPACITY) for _ in range(runs)]
                      if kind.capabilities.slice else [])
        self._last_diagnosis = [-np.inf] * runs

    def frames(self, records: list[Record]) -> list[dict]:
        """One message's frames (in the records' order) with the model fields added; for
        networks thin: params/grad/update only on the newest frame of each run (and on
        frame 0) — the vectors are not even converted for the others."""
        out: list[dict | None] = [None] * len(records)
        by_run: dict[int, list[int]] = {}
        for k, r in enumerate(records):
            by_run.setdefault(r.run, []).append(k)
        newest = {idx[-1] for idx in by_run.values()}
        for run, idx in by_run.items():
            rs = [records[k] for k in idx]
            nan = np.full_like(rs[0].params, np.nan)
            extra = self.frame_fields(self.objective, np.array([r.step for r in rs]),
                                 np.array([r.params for r in rs]), np.array([r.grad for r in rs]),
                                 np.array([nan if r.update is None else r.update for r in rs]))
            lean = [self.thin_frames and k not in newest and r.step != 0 for k, r in zip(idx, rs)]
            if self.kind.weight_fields is not None:  # only on the frames with the weights
                full = [r for r, thin in zip(rs, lean) if not thin]
                more = iter(self.kind.weight_fields(self.objective,
                                                    np.array([r.params for r in full])))
                extra = [e if thin else {**e, **next(more)} for e, thin in zip(extra, lean)]
            for k, r, e, thin in zip(idx, rs, extra, lean):
                if thin:
                    f = {"step": r.step, "loss": num(r.loss), "lr": num(r.lr)}
                else:
                    f = frame_dict(r.step, r.params, r.loss, r.grad, r.update, r.lr)
                    if r.opt is not None:  # (with the update it explains)
                        f["opt"] = r.opt
                f = {"run": run, **f, **e}
                self.watches[run].observe(r.step, r.loss, e["rel_update"], e["grad_norm"],
                                          e.get("grad_norms"))
                if self.paths:
                    self.paths[run].add(r.step, r.params)
                out[k] = f
        return out

    def add_run(self, objective) -> None:
        """A run joined (a branch): its diagnosis and path start empty."""
        self.watches.append(RunWatch(objective))
        if self.kind.capabilities.slice:
            self.paths.append(ThinPath(PATH_CAPACITY))
        self._last_diagnosis.append(-np.inf)

    def whole(self, r: Record) -> dict:
        """One frame with every field — weights and the kind's fields — as a whole result
        has it (a ``past`` reply); nothing recorded."""
        nan = np.full_like(r.params, np.nan)
        f = frame_dict_of(r)
        f.update(self.frame_fields(self.objective, np.array([r.step]), r.params[None],
                                   r.grad[None], (nan if r.update is None else r.update)[None])[0])
        if self.kind.weight_fields is not None:
            f.update(self.kind.weight_fields(self.objective, r.params[None])[0])
        return {"run": r.run, **f}

    def diagnoses(self, batches: list[Batch], runs: set[int], now: float,
                  force: bool) -> list[dict]:
        """``diagnosis`` messages for the ``runs`` that moved, when due."""
        out = []
        if not self.kind.capabilities.diagnosis:
            return out
        for i in sorted(runs):
            b = batches[i]
            due = force or b.done or now - self._last_diagnosis[i] >= DIAGNOSIS_INTERVAL
            if not due:
                continue
            self._last_diagnosis[i] = now
            status = Status(int(b.status[0])).label if b.done else None
            findings = self.watches[i].findings(b.params[0], b.grad[0], status=status,
                                                lr=b.lr_of(0))
            out.append({"type": "diagnosis", "run": i, "step": int(b.step if b.end_step[0] < 0
                                                                   else b.end_step[0]),
                        "findings": [f.as_dict() for f in findings]})
        return out

    def path(self, run: int) -> tuple[np.ndarray, np.ndarray]:
        return self.paths[run].path()
