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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gdviz.scenarios.kinds import Source, kind_of  # noqa: E402
from gdviz.scenarios.models import Scenario  # noqa: E402
from gdviz.scenarios.objectives import objective_of  # noqa: E402
from gdviz.scenarios.presets import PRESETS  # noqa: E402
from gdviz.scenarios.schema import link_schema  # noqa: E402
from gdviz.scenarios.url import fmt_number, scenario_to_query  # noqa: E402
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
    }


if __name__ == "__main__":
    json.dump(fixtures(), sys.stdout, allow_nan=False)
