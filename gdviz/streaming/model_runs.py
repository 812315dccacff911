"""What a stream adds for model scenarios: model frame fields, thin frames, diagnosis, paths.

``ModelRuns`` is owned by a ``StreamSession`` while it streams a ``model``
scenario (docs/models.md). The session hands it every step's raw record; it

* adds the model fields (accuracy, test loss, per-layer gradient norms,
  epoch, …) computed for all of a message's frames of a run at once;
* for networks, puts ``params``/``grad``/``update`` only on the newest frame
  of each run in a message (and on frame 0): hundreds of weights per step
  would flood a browser at 2,000 steps/s (41× the JSON, bench/README.md);
* feeds each run's ``RunWatch`` and says when a ``diagnosis`` is due (at most
  every ``DIAGNOSIS_INTERVAL`` seconds while playing, and whenever the run has
  ended or the stream is stepping);
* records each network run's path (bounded, ``ThinPath``) for the PCA slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.engine.nets.diagnose import RunWatch
from gdviz.engine.nets.path import ThinPath
from gdviz.engine.runs import Batch, Status
from gdviz.scenarios.model_frames import model_fields
from gdviz.scenarios.objectives import is_network
from gdviz.scenarios.jsonsafe import num
from gdviz.scenarios.simulate import frame_dict

DIAGNOSIS_INTERVAL = 0.5  # seconds between diagnosis messages of one run while playing
PATH_CAPACITY = 100  # a PCA path keeps 100 … 200 points


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


def record(run: int, batch: Batch, update) -> Record:
    step = batch.step if batch.end_step[0] < 0 else batch.end_step[0]
    return Record(run, int(step), batch.params[0].copy(), float(batch.loss[0]),
                  batch.grad[0].copy(), None if update is None else np.array(update, float),
                  float(batch.lr_now()[0]))


class ModelRuns:
    def __init__(self, objective, runs: int):
        self.objective = objective
        self.network = is_network(objective)
        self.thin_frames = self.network  # bench/stream_network.py turns it off to compare
        self.watches = [RunWatch(objective) for _ in range(runs)]
        self.paths = [ThinPath(PATH_CAPACITY) for _ in range(runs)] if self.network else []
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
            extra = model_fields(self.objective, np.array([r.step for r in rs]),
                                 np.array([r.params for r in rs]), np.array([r.grad for r in rs]),
                                 np.array([nan if r.update is None else r.update for r in rs]))
            for k, r, e in zip(idx, rs, extra):
                if self.thin_frames and k not in newest and r.step != 0:
                    f = {"step": r.step, "loss": num(r.loss), "lr": num(r.lr)}
                else:
                    f = frame_dict(r.step, r.params, r.loss, r.grad, r.update, r.lr)
                f = {"run": run, **f, **e}
                self.watches[run].observe(r.step, r.loss, e["rel_update"], e["grad_norm"],
                                          e.get("grad_norms"))
                if self.network:
                    self.paths[run].add(r.step, r.params)
                out[k] = f
        return out

    def diagnoses(self, batches: list[Batch], runs: set[int], now: float,
                  force: bool) -> list[dict]:
        """``diagnosis`` messages for the ``runs`` that moved, when due."""
        out = []
        for i in sorted(runs):
            b = batches[i]
            due = force or b.done or now - self._last_diagnosis[i] >= DIAGNOSIS_INTERVAL
            if not due:
                continue
            self._last_diagnosis[i] = now
            status = Status(int(b.status[0])).label if b.done else None
            findings = self.watches[i].findings(b.params[0], b.grad[0], status=status,
                                                lr=float(b.lr_now()[0]))
            out.append({"type": "diagnosis", "run": i, "step": int(b.step if b.end_step[0] < 0
                                                                   else b.end_step[0]),
                        "findings": [f.as_dict() for f in findings]})
        return out

    def path(self, run: int) -> tuple[np.ndarray, np.ndarray]:
        return self.paths[run].path()
