"""Sweeps and basin maps: the real job path beside looped single runs and a bare-NumPy floor.

Four cases, each run the way ``POST /api/sweep`` / ``/api/basins`` runs it:
``gdviz.scenarios.landscape.finish(sweep_job(req))`` (or ``basins_job``), which
builds one ``Batch``, steps it chunk by chunk (``run_in_chunks``), labels the
ends (``sweep_result`` / ``basin_labels``) and builds the response dict:

* sweep  bowl        — plain GD from (1, 1), 200 lrs log-spaced 1e-3 … 3, 500 steps
* sweep  rosenbrock  — Adam from the surface's start, 200 lrs 1e-3 … 1, 500 steps
* basins himmelblau  — GD lr 0.01, 128 × 128 grid over the domain, 2,000 steps
* basins himmelblau  — SGD momentum 0.9, lr 0.01, same grid and steps

Each case is measured four ways, interleaved repeat by repeat (so noise from
the shared machine falls on all of them alike), and medians are printed:

* job     — the real job path above, timed as a whole and split into parts
            (timers wrap the ``gdviz.engine.landscape`` functions it calls; gdviz/
            is not changed);
* looped  — the same runs as one ``Batch`` per row (R = 1, built with the same
            ``sweep_batch``/``basin_batch`` call), for a subset of rows (evenly
            spaced lrs / a seeded random sample of grid starts), extrapolated
            by the subset's run-steps/s to the engine's run-steps;
* floor   — the same arithmetic as a bare NumPy loop over all rows for the
            full step budget: hand-written loss + gradient + update on x/y
            columns, no status checks, no early stop;
* HTTP    — ``TestClient`` ``POST /api/sweep`` / ``/api/basins`` with the same
            body (validation, worker-thread hops, response validation and JSON).

Runs that converge, diverge or oscillate stop early, so the engine takes fewer
run-steps than rows × steps. Its run-steps/s are counted as steps actually
taken (Σ end_step); the nominal rows × steps / s is printed beside them. The
floor always does the nominal count.

Checks (not timed): the floor's params match the engine's for every run at
that run's own end step (and, in the timed runs, the final params of the runs
that used the whole budget) to 1e-9; the looped single runs end with the same
status at the same step as the batch's rows.

Then the engine's time in each basin case is split with timers around the
Batch's parts (``bench/_common.instrument``).

Medians of several repeats; no assertions on time.
Run: ``python bench/landscape.py [--quick] [--repeats 3] [--no-http]``.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

import _common
from _common import median, no_gc, pc, table

import gdviz.engine.runs as runs_module
from gdviz.api.json import dumps
from gdviz.engine import landscape as engine_landscape
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.runs import Status
from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios import landscape as scen


# --- the cases --------------------------------------------------------------------

@dataclass
class Case:
    name: str
    kind: str  # "sweep" | "basins"
    body: dict  # the JSON body of the API request
    floor_surface: str
    floor_opt: str
    looped_n: int

    @property
    def request(self):
        model = scen.SweepRequest if self.kind == "sweep" else scen.BasinRequest
        return model.model_validate(self.body)

    def job(self, req):
        return (scen.sweep_job if self.kind == "sweep" else scen.basins_job)(req)


def make_cases(n_lrs: int, sweep_steps: int, grid: int, basin_steps: int,
               looped_sweep: int, looped_basins: int) -> list[Case]:
    def sweep(surface, run, lo, hi):
        return {"surface": surface, "run": run, "steps": sweep_steps,
                "lrs": {"min": lo, "max": hi, "count": n_lrs}}

    def basins(run):
        return {"surface": "himmelblau", "run": run, "steps": basin_steps, "grid": {"n": grid}}

    return [
        Case(f"sweep bowl GD ×{n_lrs}", "sweep",
             sweep("bowl", {"optimizer": "gd", "start": [1.0, 1.0]}, 1e-3, 3.0),
             "bowl", "gd", looped_sweep),
        Case(f"sweep rosenbrock Adam ×{n_lrs}", "sweep",
             sweep("rosenbrock", {"optimizer": "adam"}, 1e-3, 1.0),
             "rosenbrock", "adam", looped_sweep),
        Case(f"basins himmelblau GD {grid}²", "basins",
             basins({"optimizer": "gd", "lr": 0.01}), "himmelblau", "gd", looped_basins),
        Case(f"basins himmelblau mom 0.9 {grid}²", "basins",
             basins({"optimizer": "momentum", "lr": 0.01, "momentum": 0.9}),
             "himmelblau", "momentum", looped_basins),
    ]


# --- the job path, with timers around the engine functions it calls -----------------

_STEPPER = {"sweep": "sweep_batch", "basins": "basin_batch"}
_LABELLER = {"sweep": "sweep_result", "basins": "basin_labels"}


@contextlib.contextmanager
def probed(kind: str, timers: dict, grab: dict, on_batch: Callable | None = None):
    """Time the job's parts by wrapping ``gdviz.engine.landscape`` attributes (restored after)."""
    mod = engine_landscape
    names = [_STEPPER[kind], "run_in_chunks", _LABELLER[kind]]
    saved = {n: getattr(mod, n) for n in names}

    def build(*a, **k):
        t = pc()
        b = saved[_STEPPER[kind]](*a, **k)
        timers["build"] += pc() - t
        grab["batch"] = b
        if on_batch is not None:
            on_batch(b)
        return b

    def stepping(*a, **k):
        it = saved["run_in_chunks"](*a, **k)
        while True:
            t = pc()
            try:
                v = next(it)
            except StopIteration:
                timers["stepping"] += pc() - t
                return
            timers["stepping"] += pc() - t
            yield v

    def label(*a, **k):
        t = pc()
        out = saved[_LABELLER[kind]](*a, **k)
        timers["label"] += pc() - t
        return out

    mod.__dict__.update({_STEPPER[kind]: build, "run_in_chunks": stepping,
                         _LABELLER[kind]: label})
    try:
        yield
    finally:
        mod.__dict__.update(saved)


def job_path(case: Case, req, on_batch=None):
    """(timers: total/build/stepping/label/dict seconds, batch, result dict)."""
    timers, grab = defaultdict(float), {}
    with probed(case.kind, timers, grab, on_batch), no_gc():
        t = pc()
        out = scen.finish(case.job(req))
        timers["total"] = pc() - t
    timers["dict"] = timers["total"] - timers["build"] - timers["stepping"] - timers["label"]
    return timers, grab["batch"], out


# --- looped single runs ------------------------------------------------------------

def looped_rows(case: Case, req, batch) -> np.ndarray:
    """Which rows the looped variant runs: evenly spaced lrs / a seeded sample of starts."""
    R, n = batch.n_runs, min(case.looped_n, batch.n_runs)
    if case.kind == "sweep":
        return np.unique(np.linspace(0, R - 1, n).round().astype(int))
    return np.sort(np.random.default_rng(0).choice(R, n, replace=False))


def looped(case: Case, req, rows: np.ndarray):
    """One Batch per row, built as the job builds its batch; (seconds, run-steps, ends)."""
    s = SURFACES[req.surface]
    opt, hyper, opts = OPTIMIZERS[req.run.optimizer], req.run.hyper(), scen._options(req)
    if case.kind == "sweep":
        lrs, start = req.lr_values(), scen._start(req)
        make = [lambda i=i: engine_landscape.sweep_batch(s, opt, hyper, start, lrs[i:i + 1],
                                                          req.steps, **opts) for i in rows]
    else:
        _, _, starts = engine_landscape.grid_starts(req.grid.n, req.grid.box or s.domain)
        make = [lambda i=i: engine_landscape.basin_batch(s, opt, hyper, starts[i:i + 1],
                                                          req.steps, **opts) for i in rows]
    ends = []
    with no_gc():
        t = pc()
        for mk in make:
            b = mk()
            b.run()
            ends.append((int(b.status[0]), int(b.end_step[0]), b.params[0].copy()))
        dt = pc() - t
    return dt, sum(e[1] for e in ends), ends


# --- the bare-NumPy floor ------------------------------------------------------------
# The engine's expressions (gdviz/engine/surfaces.py, optimizers.py) on x/y columns.

def _bowl(x, y):
    return x * x + y * y, 2 * x, 2 * y


def _rosenbrock(x, y):
    r = y - x * x
    return (1 - x) ** 2 + 100 * r ** 2, -2 * (1 - x) - 400 * x * r, 200 * r


def _himmelblau(x, y):
    a, b = x * x + y - 11, x + y * y - 7
    return a ** 2 + b ** 2, 4 * x * a + 2 * b, 2 * a + 4 * y * b


FLOOR_SURFACES = {"bowl": _bowl, "rosenbrock": _rosenbrock, "himmelblau": _himmelblau}


def floor(case: Case, req, steps: int, snap_at: np.ndarray | None = None):
    """All rows, the full budget; (seconds, final params (R, 2), params at ``snap_at``).

    With ``snap_at`` (each row's end step) it also keeps each row's params at
    that step — the honesty check; that run is not the timed one."""
    s = SURFACES[req.surface]
    lg = FLOOR_SURFACES[case.floor_surface]
    hyper = req.run.hyper()
    if case.kind == "sweep":
        lr = req.lr_values().astype(float)
        x0 = np.full(lr.size, float(scen._start(req)[0]))
        y0 = np.full(lr.size, float(scen._start(req)[1]))
    else:
        _, _, starts = engine_landscape.grid_starts(req.grid.n, req.grid.box or s.domain)
        x0, y0 = starts[:, 0].copy(), starts[:, 1].copy()
        lr = np.full(x0.size, float(hyper["lr"]))
    assert not hyper.get("weight_decay"), "the floor has no weight decay"
    nlr = -lr
    x, y = x0.copy(), y0.copy()
    R = x.size
    snap = None
    if snap_at is not None:
        snap = np.full((R, 2), np.nan)
        by_step = {int(k): np.flatnonzero(snap_at == k) for k in np.unique(snap_at)}
    opt = case.floor_opt
    mu = float(hyper.get("momentum", 0.0))
    assert not hyper.get("dampening"), "the floor has no dampening"
    b1, b2 = (float(b) for b in hyper.get("betas", (0.9, 0.999)))
    eps = float(hyper.get("eps", 0.0))
    bx, by = np.zeros(R), np.zeros(R)  # momentum buffers / Adam's m
    vx, vy = np.zeros(R), np.zeros(R)  # Adam's v
    with no_gc(), np.errstate(all="ignore"):
        t0 = pc()
        for t in range(1, steps + 1):
            loss, gx, gy = lg(x, y)  # noqa: F841 (the engine computes the loss too)
            if opt == "gd":
                x = x + nlr * gx
                y = y + nlr * gy
            elif opt == "momentum":
                bx = mu * bx + gx
                by = mu * by + gy
                x = x + nlr * bx
                y = y + nlr * by
            else:  # adam
                bc1, bc2_sqrt = 1 - b1 ** t, np.sqrt(1 - b2 ** t)
                bx = b1 * bx + (1 - b1) * gx
                by = b1 * by + (1 - b1) * gy
                vx = b2 * vx + (1 - b2) * gx * gx
                vy = b2 * vy + (1 - b2) * gy * gy
                x = x + nlr * ((bx / bc1) / (np.sqrt(vx) / bc2_sqrt + eps))
                y = y + nlr * ((by / bc1) / (np.sqrt(vy) / bc2_sqrt + eps))
            if snap is not None and t in by_step:
                i = by_step[t]
                snap[i, 0], snap[i, 1] = x[i], y[i]
        dt = pc() - t0
    return dt, np.column_stack([x, y]), snap


def _match(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


# --- HTTP -------------------------------------------------------------------------------

def http_post(client, case: Case) -> float:
    with no_gc():
        t = pc()
        r = client.post(f"/api/{case.kind}", json=case.body)
        dt = pc() - t
    if r.status_code != 200:
        raise RuntimeError(f"POST /api/{case.kind}: {r.status_code} {r.text[:300]}")
    return dt


# --- where the engine's time goes ----------------------------------------------------

def profile(case: Case, req):
    """One instrumented job: the Batch's parts (and _take/_put) in seconds; the batch."""
    holder = {}

    def on_batch(b):
        holder["t"] = _common.instrument(b)

    saved = runs_module._take, runs_module._put
    tm = holder

    def timed(fn, key):
        def w(*a, **k):
            t = pc()
            out = fn(*a, **k)
            tm["t"][key] += pc() - t
            return out
        return w

    runs_module._take = timed(saved[0], "take/put (state gather/scatter)")
    runs_module._put = timed(saved[1], "take/put (state gather/scatter)")
    try:
        jt, batch, _ = job_path(case, req, on_batch)
    finally:
        runs_module._take, runs_module._put = saved
    return holder["t"], jt, batch


def profile_rows(tm, steps, opt_name):
    """The engine split in ms per step (``_common.split_rows`` gives µs)."""
    return [(n, us / 1000, pct) for n, us, pct in
            _common.split_rows(tm, steps, opt_name, take_put=True, total_label="advance")]


# --- main -----------------------------------------------------------------------------

def _git_rev() -> str:
    """HEAD's short hash, and whether gdviz/ differs from it in the working tree."""
    def git(*a):
        return subprocess.run(["git", "-C", _common.ROOT, *a], capture_output=True, text=True,
                              timeout=10).stdout
    try:
        rev = git("rev-parse", "--short", "HEAD").strip()
        if not rev:
            return "? (not a git checkout)"
        changed = [ln[3:] for ln in git("status", "--porcelain", "--", "gdviz").splitlines()]
    except (OSError, subprocess.SubprocessError):
        return "?"
    return rev + (f"; gdviz/ has uncommitted changes: {', '.join(changed)}" if changed else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="1 repeat, 64² basin grid, small looped subsets (~15 s)")
    ap.add_argument("--repeats", type=int, default=None, help="default 3 (--quick: 1)")
    ap.add_argument("--lrs", type=int, default=200, help="learning rates per sweep")
    ap.add_argument("--sweep-steps", type=int, default=500)
    ap.add_argument("--grid", type=int, default=None, help="basin starts per axis (default 128)")
    ap.add_argument("--basin-steps", type=int, default=2000)
    ap.add_argument("--looped-sweep", type=int, default=None,
                    help="sweep rows run one by one (default 40; --quick 10)")
    ap.add_argument("--looped-basins", type=int, default=None,
                    help="basin starts run one by one (default 64; --quick 16)")
    ap.add_argument("--no-http", action="store_true", help="skip the TestClient POSTs")
    args = ap.parse_args()
    q = args.quick
    repeats = args.repeats or (1 if q else 3)
    grid = args.grid or (64 if q else 128)
    cases = make_cases(args.lrs, args.sweep_steps, grid, args.basin_steps,
                       args.looped_sweep or (10 if q else 40),
                       args.looped_basins or (16 if q else 64))
    reqs = [c.request for c in cases]

    client = None
    if not args.no_http:
        import warnings
        warnings.filterwarnings("ignore", message=".*httpx.*")  # starlette's TestClient notice
        from fastapi.testclient import TestClient
        from gdviz.main import create_app
        client = TestClient(create_app(), base_url="http://127.0.0.1").__enter__()  # an allowed Host

    try:
        # warm-up (imports, pydantic, linalg) on tiny versions of every case
        for c in make_cases(4, 30, 6, 30, 2, 2):
            r = c.request
            _, b, _ = job_path(c, r)
            looped(c, r, looped_rows(c, r, b))
            floor(c, r, 30)
            if client is not None:
                http_post(client, c)

        # the rows for the looped variant and the honesty checks (untimed)
        first = [job_path(c, r) for c, r in zip(cases, reqs)]
        rows = [looped_rows(c, r, b) for c, r, (_, b, _) in zip(cases, reqs, first)]
        checks = []
        for c, r, (_, b, _) in zip(cases, reqs, first):
            _, _, snap = floor(c, r, r.steps, snap_at=b.end_step)
            checks.append(_match(snap, b.params))

        res = {c.name: {"job": [], "loop": [], "floor": [], "http": [], "dumps": []}
               for c in cases}
        loop_ok, floor_full_ok = {}, {}
        for _ in range(repeats):  # interleaved: machine noise falls on every variant alike
            for c, r, sub in zip(cases, reqs, rows):
                out = res[c.name]
                jt, b, result = job_path(c, r)
                out["job"].append(jt)
                out["batch"] = b
                t = pc()
                dumps(result)
                out["dumps"].append(pc() - t)
                dt, taken, ends = looped(c, r, sub)
                out["loop"].append((dt, taken))
                loop_ok[c.name] = all(
                    st == b.status[i] and e == b.end_step[i] and _match(p, b.params[i])
                    for i, (st, e, p) in zip(sub, ends))
                dt, final, _ = floor(c, r, r.steps)
                out["floor"].append(dt)
                full = b.end_step == r.steps
                floor_full_ok[c.name] = (int(full.sum()),
                                         _match(final[full], b.params[full]) if full.any()
                                         else None)
                if client is not None:
                    out["http"].append(http_post(client, c))

        # --- report ---------------------------------------------------------------------
        print(f"Sweeps and basin maps, median of {repeats} interleaved repeats "
              f"(app at {_git_rev()})")
        for c, r in zip(cases, reqs):
            b = res[c.name]["batch"]
            counts = np.bincount(b.status, minlength=len(Status))
            e = b.end_step
            print(f"  {c.name}: {b.n_runs:,} runs × {r.steps:,} steps; "
                  + ", ".join(f"{Status(i).label} {n:,}" for i, n in enumerate(counts) if n)
                  + f"; end step min/median/max {e.min()}/{int(np.median(e))}/{e.max()}")

        wall, thru, nominal_taken = [], [], []
        for c, r in zip(cases, reqs):
            o = res[c.name]
            b = o["batch"]
            R, S = b.n_runs, r.steps
            taken, nominal = int(b.end_step.sum()), R * S
            job = {k: median([jt[k] for jt in o["job"]])
                   for k in ("total", "build", "stepping", "label", "dict")}
            t_job = job["total"]
            loop_rate = median([tk / dt for dt, tk in o["loop"]])
            t_loop = taken / loop_rate
            t_floor = median(o["floor"])
            floor_rate = nominal / t_floor
            eng_rate = taken / t_job
            t_http = median(o["http"]) if o["http"] else float("nan")
            wall.append((c.name, t_job * 1e3, job["stepping"] * 1e3, job["label"] * 1e3,
                         (job["build"] + job["dict"]) * 1e3, median(o["dumps"]) * 1e3,
                         t_http * 1e3, t_loop * 1e3, t_floor * 1e3))
            nominal_taken.append((taken, nominal))
            thru.append((c.name, f"{taken:,} ({100 * taken / nominal:.1f} %)",
                         eng_rate, nominal / t_job, loop_rate, floor_rate,
                         f"{eng_rate / loop_rate:,.0f}", f"{eng_rate / floor_rate:.3g}",
                         f"{t_floor / t_job:.3g}"))

        table(["case", "job", "of it: stepping", "labelling", "build+dict", "JSON dumps",
               "HTTP POST", "looped*", "floor"], wall,
              title="Wall time (ms; median). job = finish(sweep_job/basins_job), "
                    "what the API runs; HTTP = TestClient POST incl. JSON")
        print("  * looped: one Batch(R=1) per row for a subset, extrapolated by its "
              "run-steps/s to the engine's run-steps")
        print("  floor: every row for the full budget (no early stop); job and looped "
              "stop each run when it ends")
        table(["case", "run-steps taken (% of nominal)", "job taken/s", "job nominal/s",
               "looped/s", "floor/s", "job ÷ looped", "job ÷ floor", "floor s ÷ job s"],
              thru, title="Throughput (run-steps/s; higher is better). "
                          "Ratios compare run-steps/s, except the last column (wall times)")
        print("  job ÷ floor = 0.01: a job run-step costs 100× a floor run-step. "
              "floor s ÷ job s < 1: the floor's full budget is done before the job's "
              "early-stopped work")
        print("  the floor always does rows × steps run-steps: "
              + ", ".join(f"×{n / t:.3g}" for t, n in nominal_taken)
              + " the job's, case by case")

        print("\nChecks (untimed):")
        for c, ok, sub in zip(cases, checks, rows):
            n_full, full_ok = floor_full_ok[c.name]
            print(f"  {c.name}: floor = engine at every run's own end step (1e-9): {ok}; "
                  f"at the full budget ({n_full:,} runs): "
                  f"{'n/a' if full_ok is None else full_ok}; "
                  f"looped ×{len(sub)} = batch rows (status, end step, params): "
                  f"{loop_ok[c.name]}")

        # --- where the engine's time goes in the basin cases ------------------------------
        for c, r in zip(cases, reqs):
            if c.kind != "basins":
                continue
            tm, jt, b = profile(c, r)
            S = b.step
            e = b.end_step
            stepping = np.array([(e >= k).sum() for k in range(1, S + 1)])  # rows stepping
            subset = int((stepping < b.n_runs).sum())
            table(["part", "ms/step", "% of advance"],
                  profile_rows(tm, S, OPTIMIZERS[r.run.optimizer].name),
                  title=f"Inside the engine: {c.name}, {S} steps (one instrumented job)")
            print(f"  rows stepping per step: mean {stepping.mean() / b.n_runs:.0%} of "
                  f"{b.n_runs:,}; {subset} of {S} steps take the partial-rows path "
                  f"(≥ 1 run ended); job {jt['total']:.2f} s = stepping "
                  f"{jt['stepping']:.2f} + labelling {jt['label'] * 1e3:.0f} ms + "
                  f"build/dict {(jt['build'] + jt['dict']) * 1e3:.0f} ms")
    finally:
        if client is not None:
            client.__exit__(None, None, None)


if __name__ == "__main__":
    main()
