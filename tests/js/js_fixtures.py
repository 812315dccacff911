"""What the JS unit tests (tests/js/*.test.mjs) check the page's pure modules against,
computed by the Python they mirror: the link schema (GET /api/schema), links written by
gdviz/scenarios/url.py and view.py, numbers spelt as links spell them, and a network's
class scores from gdviz/engine/nets/mlp.py.

    python tests/js/js_fixtures.py > fixtures.json   (tests/test_js_units.py does this)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gdviz.scenarios.kinds import Source, kind_of  # noqa: E402
from gdviz.scenarios.models import Scenario  # noqa: E402
from gdviz.scenarios.objectives import objective_of  # noqa: E402
from gdviz.scenarios.presets import PRESETS  # noqa: E402
from gdviz.scenarios.schema import link_schema  # noqa: E402
from gdviz.scenarios.url import fmt_number, scenario_of_link, scenario_to_query  # noqa: E402
from gdviz.scenarios.view import View, resolve, view_to_query  # noqa: E402

SCENARIOS = [
    {"surface": "rosenbrock", "steps": 500, "seed": 3, "speed": 2.5,
     "runs": [{"optimizer": "adam", "start": [-1.5, 2], "lr": 1e-05, "betas": [0.9, 0.999]},
              {"optimizer": "gd", "lr": 0.001, "schedule": "cosine", "T_max": 500,
               "clip_norm": 10, "noise": 0.5, "start": [0.1, -2e-07]}]},
    {"expr": "x^2 + 10*y^2 * (1 - x)", "domain": [[-1, 1.5], [-2e-3, 1e4]], "runs": [{"lr": 0.1}]},
    {"expr": "sin(x)*cos(y)", "runs": [{"optimizer": "rmsprop", "lr": 123456789.0 / 1e9}]},
    {"model": {"kind": "linreg2", "random_targets": True, "noise": 0.3}, "runs": [{"lr": 0.05}]},
    {"model": {"kind": "logreg2"}, "runs": [{"optimizer": "momentum", "momentum": 0.95}]},
    {"model": {"kind": "mlp", "dataset": "spiral", "classes": 4, "hidden": [], "batch_size": 16},
     "runs": [{"optimizer": "adamw", "init": "he", "weight_decay": 0.01}, {"init": "zeros"}]},
]
VIEWS = [
    {}, {"tab": "basins", "basins_n": 128, "hide": [1, 2], "loss_log": False},
    {"sweep_min": 1e-3, "sweep_max": 3, "sweep_n": 80, "tab": "sweep", "select": 1},
    {"controls": "none", "autoplay": True, "theme": "dark", "scale": 1.5,
     "show": ["main", "loss", "grad"]},
    {"slice_plane": "pca", "slice_grid": 64, "scatter_n": 64, "preset": "ravine-momentum"},
    {"tab": "why", "show": ["main", "tab"]},
]
NUMBERS = [0.0, 1.0, -3.0, 0.5, 0.1 + 0.2, 1e-4, 9.99e-5, 1e-05, 1.5e-07, 123456.0, 1e15, 1e16,
           1.234e16, 1e22, 2.5e-300, 1 / 3, -0.001, 4096.0]


def page_scenario(s: Scenario) -> dict:
    """The scenario as the page holds it (the server's data-scenario JSON)."""
    return s.model_dump(mode="json", exclude_none=True)


def forward_cases() -> list[dict]:
    rng = np.random.default_rng(0)
    cases = []
    for activation, head, hidden in [("tanh", "softmax_ce", [4, 3]), ("relu", "sigmoid_bce", [5]),
                                     ("leaky_relu", "mse", [3, 3]), ("sigmoid", "softmax_ce", []),
                                     ("relu", "softmax_ce", [6])]:
        spec = {"kind": "mlp", "dataset": "blobs" if head != "sigmoid_bce" else "moons", "n": 40,
                "hidden": hidden, "activation": activation, "head": head}
        net = objective_of(Source(model=Scenario.model_validate({"model": spec}).model))
        params = rng.normal(0, 1.5, size=(1, net.dim))
        xs, ys = np.linspace(-2, 2, 5), np.linspace(-1.5, 1, 4)
        scores = net.predict_proba_grid(params, xs, ys)[0]
        cases.append({"net": {"sizes": list(net.sizes), "activation": activation, "head": head},
                      "params": params[0].tolist(), "xs": xs.tolist(), "ys": ys.tolist(),
                      "scores": scores.reshape(-1).tolist(), "classes": scores.shape[-1],
                      "dim": net.dim})
    return cases


def page_run(result: dict) -> dict:
    """A run's result (POST /api/run) as the page holds it (static/js/runs.js)."""
    frames = result["frames"]
    coord = lambda f, i: f["params"][i] if f["params"] and len(f["params"]) > i else None  # noqa: E731
    return {"status": result["status"], "steps": [f["step"] for f in frames],
            "losses": [f["loss"] for f in frames], "accs": [f.get("accuracy") for f in frames],
            "xs": [coord(f, 0) for f in frames], "ys": [coord(f, 1) for f in frames]}


CHECKED = {"1d-slope": [{}, {0: {"lr": 0.45}}], "1d-learning-rates": [{}, {0: {"lr": 0.5}}],
           "plateau": [{}, {0: {"lr": 1.9}}], "saddle-escape": [{}, {0: {"start": [1.5, 0.01]}}]}


def course_checks() -> list[dict]:
    """Guided-path goals, each on the step as it opens and after a change that meets it, with
    course.py's verdict (static/js/guide/checks.js must agree); and an accuracy goal on a
    made-up run."""
    from gdviz.scenarios.course import STEPS, Check, met
    from gdviz.scenarios.simulate import simulate
    cases = []
    for pid, changes in CHECKED.items():
        check = STEPS[pid].check
        for change in changes:
            d = PRESETS[pid].scenario.model_dump(exclude_none=True)
            for run, fields in change.items():
                d["runs"][run].update(fields)
            scenario = Scenario.model_validate(d)
            result = simulate(scenario)[check.run]
            lr = scenario.runs[check.run].lr
            cases.append({"check": {k: v for k, v in vars(check).items() if v is not None},
                          "run": page_run(result), "lr": lr, "met": met(check, result, lr)})
    frames = [{"step": k, "params": None, "loss": 1.0, "accuracy": a}
              for k, a in enumerate([0.5, 0.8, 0.96, 0.9])]
    for by in (1, 2):
        check = Check("accuracy_at_least", value=0.95, by=by)
        result = {"status": "max_steps", "frames": frames}
        cases.append({"check": {k: v for k, v in vars(check).items() if v is not None},
                      "run": page_run(result), "lr": 0.1, "met": met(check, result, 0.1)})
    return cases


def preset_links() -> list[dict]:
    """Each preset as GET /api/presets gives it (``scenario``) and the scenario its own link
    opens on the page (``opened``: the server's data-scenario for ``url``)."""
    out = []
    for p in PRESETS.values():
        query = dict(parse_qsl(urlsplit(p.url).query, keep_blank_values=True))
        opened, warnings = scenario_of_link(query, PRESETS)
        assert not warnings, (p.id, warnings)
        out.append({"id": p.id, "url": p.url, "scenario": p.scenario.model_dump(exclude_none=True),
                    "opened": page_scenario(opened)})
    return out


def fixtures() -> dict:
    scenarios = [Scenario.model_validate(s) for s in SCENARIOS]
    scenarios += [p.scenario for p in PRESETS.values()]
    views = [View(**v) for v in VIEWS] + [p.view for p in PRESETS.values()]
    return {
        "schema": link_schema(),
        "links": [{"scenario": page_scenario(s), "kind": kind_of(s).id,
                   "query": list(scenario_to_query(s).items())} for s in scenarios],
        "views": [{"view": v.model_dump(mode="json"), "embed": embed,
                   "resolved": resolve(v, embed=embed).model_dump(mode="json"),
                   "query": list(view_to_query(v, embed=embed).items())}
                  for v in views for embed in (False, True)],
        "numbers": [[x, fmt_number(x)] for x in NUMBERS],
        "forward": forward_cases(),
        "course_checks": course_checks(),
        "presets": preset_links(),
    }


if __name__ == "__main__":
    json.dump(fixtures(), sys.stdout, allow_nan=False)
