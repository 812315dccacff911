"""A fixed corpus of runs whose every frame is fingerprinted, to prove that a change
to how a step is put together (gradient noise, clipping, the schedule, the optimizer:
``gdviz/engine/transforms.py``) leaves every number bit for bit as it was.

Each scenario is run to its end with ``run_to_end(terms=True)``. Its fingerprint is
each run's status and end step, and one SHA-256 (first 16 hex digits) over the raw
float64 bytes of every frame field of every run, over the run's own frames 0 …
end_step — params, loss, ∇L, update, lr — and of the step terms the Step tab shows
(the gradient the optimizer sees, its state before and after, the update). Bytes, not
rounded decimals: a change in the last bit changes the hash. ``--fields NAME`` prints
one scenario's hashes field by field, to diff main's against yours.

The corpus: every optimizer × {no schedule, each schedule} × {plain, clip, noise,
weight decay, all three} on four surfaces, three runs per batch with different
learning rates and starts (so runs end at different steps and the batch steps a
subset of its runs), plus the mlp and cnn kinds as the app builds them (one run per
batch, from a link) for every optimizer with and without a schedule, clip, noise and
weight decay. Schedules keep T_max ≥ the step budget, where every version of the
cosine formulas agrees.

``tests/engine/fixtures/chain_main.json`` holds these fingerprints as main's code
computed them. Regenerate it from a checkout of main (not from your branch)::

    git archive main | tar -x -C /tmp/gdviz-main
    PYTHONPATH=/tmp/gdviz-main python tests/engine/chain_corpus.py \\
        > tests/engine/fixtures/chain_main.json

(the corpus uses only ``Batch``'s public constructor, ``run_to_end`` and the link
parser, so this file runs against main's package). Do it when main's numbers change
on purpose — e.g. new run-status rules move where runs end. Its ``_machine`` entry
(``machine()``) fingerprints this machine's float kernels; on a machine whose kernels
round differently the comparison is skipped, not failed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status, run_to_end
from gdviz.engine.schedules import Schedule
from gdviz.engine.surfaces import SURFACES

STEPS = 40
NET_STEPS = 6
SCHEDULES = {
    "none": None,
    "step": Schedule("step", step_size=7, gamma=0.5),
    "exponential": Schedule("exponential", gamma=0.93),
    "cosine": Schedule("cosine", T_max=STEPS, eta_min=1e-4),
    "warmup_cosine": Schedule("warmup_cosine", warmup_steps=5, T_max=STEPS, eta_min=1e-4),
    "constant": Schedule("constant"),
}
EXTRAS = {
    "plain": {},
    "clip": {"clip_norm": 0.7},
    "noise": {"noise": 0.3},
    "wd": {"weight_decay": 0.05},
    "all": {"clip_norm": 0.7, "noise": 0.3, "weight_decay": 0.05},
}
SURFACE_CASES = [  # surface, starts, base lr per optimizer family (× 0.3, 1, 3 across runs)
    ("bowl", [(1.5, -1.0), (-0.8, 0.6), (0.2, 1.9)]),
    ("rosenbrock", [(-1.5, 2.0), (0.0, 0.5), (1.2, 1.2)]),
    ("himmelblau", [(0.0, 0.0), (-4.0, 4.0), (4.0, -1.0)]),
    ("rastrigin", [(2.2, -1.3), (0.4, 0.6), (-3.1, 2.0)]),
]
BASE_LR = {"gd": 0.01, "momentum": 0.005, "nesterov": 0.005, "adagrad": 0.3,
           "rmsprop": 0.05, "adam": 0.1, "adamw": 0.1}
NET_LINKS = {
    "mlp": "model=mlp&model.dataset=moons&model.n=60&model.hidden=5,4&model.batch_size=16",
    "cnn": "model=cnn&model.n=40&model.kernels=2",
}


def _bytes(a) -> bytes:
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes()


def _terms_bytes(t) -> bytes:
    """One frame's step terms (``Batch.step_terms``; None once a run diverged)."""
    if t is None:
        return b"none"
    parts = [_bytes(t.g)]
    for side in (t.before, t.after):
        for name in sorted(side):
            parts += [name.encode(), _bytes(side[name])]
    return b"".join(parts + [_bytes(t.update)])


def fields(batch: Batch) -> list[dict[str, str]]:
    """Per run, a SHA-256 (first 16 hex digits) of each frame field over the run's
    frames 0 … end_step, with its status and end step (the step terms are run 0's)."""
    traj = run_to_end(batch, terms=True)
    out = []
    for r in range(batch.n_runs):
        end = int(traj.end_step[r])
        f = slice(0, end + 1)
        raw = {"params": _bytes(traj.params[f, r]), "loss": _bytes(traj.loss[f, r]),
               "grad": _bytes(traj.grad[f, r]), "update": _bytes(traj.update[f, r]),
               "lr": _bytes(traj.lr[f, r])}
        if r == 0:
            raw["terms"] = b"".join(_terms_bytes(t) for t in traj.terms[:end + 1])
        row = {"status": Status(int(traj.status[r])).label, "end": str(end)}
        row.update({k: hashlib.sha256(v).hexdigest()[:16] for k, v in raw.items()})
        out.append(row)
    return out


def fingerprint(batch: Batch) -> str:
    """``status/end`` of each run, then one hash of every field of every run."""
    rows = fields(batch)
    ends = " ".join(f"{r['status']}/{r['end']}" for r in rows)
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]
    return f"{ends} {digest}"


def surface_batch(surface: str, starts, optimizer: str, schedule: str, extra: str,
                  seed: int) -> Batch:
    options = dict(EXTRAS[extra])
    wd = options.pop("weight_decay", None)
    rows = []
    for scale in (0.3, 1.0, 3.0):
        h = defaults(optimizer)
        h["lr"] = BASE_LR[optimizer] * scale
        if wd is not None:
            h["weight_decay"] = wd
        rows.append(h)
    return Batch(SURFACES[surface], OPTIMIZERS[optimizer], hyper_arrays(rows),
                 np.array(starts, float), STEPS, schedule=SCHEDULES[schedule], seed=seed,
                 **options)


def net_batch(kind: str, optimizer: str, extra: str, schedule: str) -> Batch:
    from gdviz.scenarios.simulate import batch_for_run
    from gdviz.scenarios.url import scenario_from_query

    query = dict(p.split("=", 1) for p in NET_LINKS[kind].split("&"))
    query.update({"v": "1", "steps": str(NET_STEPS), "seed": "5", "r0": optimizer,
                  "r0.lr": str(BASE_LR[optimizer])})
    for name, value in EXTRAS[extra].items():
        query[f"r0.{name}"] = str(value)
    if schedule == "cosine":
        query.update({"r0.schedule": "cosine", "r0.T_max": str(NET_STEPS)})
    elif schedule == "step":
        query.update({"r0.schedule": "step", "r0.step_size": "2", "r0.gamma": "0.5"})
    scenario, warnings = scenario_from_query(query)
    assert not warnings, warnings
    return batch_for_run(scenario, 0)


def scenarios():
    """(name, make_batch) for the whole corpus, in a fixed order."""
    seed = 0
    for surface, starts in SURFACE_CASES:
        for optimizer in OPTIMIZERS:
            for schedule in SCHEDULES:
                for extra in EXTRAS:
                    seed += 1
                    yield (f"{surface}/{optimizer}/{schedule}/{extra}",
                           lambda s=surface, st=starts, o=optimizer, sc=schedule, e=extra,
                           k=seed: surface_batch(s, st, o, sc, e, k))
    for kind in NET_LINKS:
        for optimizer in OPTIMIZERS:
            for schedule, extra in (("none", "plain"), ("cosine", "all"), ("step", "clip"),
                                    ("none", "noise"), ("none", "wd")):
                yield (f"{kind}/{optimizer}/{schedule}/{extra}",
                       lambda k=kind, o=optimizer, e=extra, sc=schedule: net_batch(k, o, e, sc))


def machine() -> str:
    """A hash of the floating-point kernels the corpus leans on (libm / SIMD ufuncs, BLAS)
    on fixed inputs: where it differs from the fixture's, the fixture was made on a machine
    whose last bits differ, and the corpus cannot be compared bit for bit there."""
    x = np.random.default_rng(0).standard_normal((64, 64))
    outs = [np.cos(x), np.sin(x), np.exp(x), np.log1p(x * x), np.tanh(x), np.sqrt(x * x),
            np.power(0.93, np.abs(x)), x @ x, x @ x[:, :3], np.linalg.norm(x, axis=1)]
    return hashlib.sha256(b"".join(_bytes(o) for o in outs)).hexdigest()[:16]


def assert_matches_fixture(fixture, compute, hint: str = "") -> None:
    """Fingerprints ``compute()`` (a corpus's) equal the fixture's, as main computed them;
    skipped on a machine whose float kernels round differently from the fixture's
    (``machine()``). ``hint``: how to look closer at a scenario that differs."""
    import pytest

    want = json.loads(Path(fixture).read_text())
    if machine() != want["_machine"]:
        pytest.skip("the fixture was made on a machine whose float kernels (libm, SIMD, BLAS) "
                    "round differently: regenerate it here from main")
    got = compute()
    assert sorted(got) == sorted(want), "the corpus changed: regenerate the fixture from main"
    differ = [f"{name}: main {want[name]!r}, now {got[name]!r}"
              for name in want if got[name] != want[name]]
    assert not differ, (f"{len(differ)} of {len(want)} scenarios differ{hint}:\n"
                        + "\n".join(differ[:20]))


def compute() -> dict[str, str]:
    with np.errstate(all="ignore"):
        out = {name: fingerprint(make()) for name, make in scenarios()}
    out["_machine"] = machine()
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fields":  # one scenario, field by field
        make = dict(scenarios())[sys.argv[2]]
        with np.errstate(all="ignore"):
            json.dump(fields(make()), sys.stdout, indent=1)
    else:
        json.dump(compute(), sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")
