"""The objective a scenario trains: a named surface, or a model built from its spec.

Built models are cached by their canonical spec (a few hundred kB each at
most), so the stream, ``POST /api/run`` and the model description share one
data set and one set of workspaces instead of regenerating them per request.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pydantic import TypeAdapter

from gdviz.engine.nets.datasets import make_dataset
from gdviz.engine.nets.linear import make_linreg2, make_logreg2
from gdviz.engine.nets.mlp import MLP
from gdviz.engine.expr import expr_surface
from gdviz.engine.surfaces import SURFACES

from .model_spec import Linreg2Spec, Logreg2Spec, MlpSpec, ModelSpec
from .models import RunSpec

CACHED_MODELS = 32
_SPEC = TypeAdapter(ModelSpec)


def build_model(spec: Linreg2Spec | Logreg2Spec | MlpSpec, shuffle_seed: int = 0):
    """The engine objective for ``spec`` (cached): LinReg2/LogReg2 (Surfaces) or an MLP
    whose minibatch order is seeded by ``shuffle_seed`` (the scenario's seed)."""
    if isinstance(spec, MlpSpec):
        return _build(spec.key(), int(shuffle_seed))
    return _build(spec.key(), 0)


@lru_cache(maxsize=CACHED_MODELS)
def _build(key: str, shuffle_seed: int):
    spec = _SPEC.validate_json(key)
    if isinstance(spec, Linreg2Spec):
        return make_linreg2(n=spec.n, noise=spec.noise, seed=spec.seed,
                            random_targets=spec.random_targets)
    if isinstance(spec, Logreg2Spec):
        return make_logreg2(n=spec.n, noise=spec.noise, seed=spec.seed)
    options = {"n": spec.n, "test_fraction": spec.test_fraction, "seed": spec.seed}
    if spec.noise is not None:
        options["noise"] = spec.noise
    if spec.classes is not None:
        options["classes"] = spec.classes
    data = make_dataset(spec.dataset, **options)
    return MLP(data, hidden=spec.hidden, activation=spec.activation, head=spec.head,
               batch_size=spec.batch_size, shuffle_seed=shuffle_seed)


def objective_of(scenario):
    """The surface, custom f(x, y) or model ``scenario`` trains."""
    if scenario.model is not None:
        return build_model(scenario.model, scenario.seed)
    if scenario.expr is not None:
        return expr_surface(scenario.expr, scenario.domain)  # cached by (text, domain)
    return SURFACES[scenario.surface]


def is_network(objective) -> bool:
    return isinstance(objective, MLP)


def start_of(scenario, index: int) -> np.ndarray:
    """Run ``index``'s start (P,): its ``start`` if given, else the surface's suggested
    start, else (networks) the weights drawn by the run's ``init`` (or the model's),
    seeded by the scenario's seed — the same for every run with the same init."""
    run = scenario.runs[index]
    objective = objective_of(scenario)
    if run.start is not None:
        return np.asarray(run.start, dtype=float)
    if is_network(objective):
        init = run.init or scenario.model.init
        return objective.init_params(init, scenario.seed)[0]
    return np.asarray(objective.start, dtype=float)


def with_suggestions(scenario):
    """``scenario`` with each run's missing ``start`` and ``lr`` set to its objective's
    suggested ones — a named surface's, a typed f(x, y)'s or a 2-weight model's ``start``
    and ``lr`` (a stable, visible plain-GD rate; gdviz/engine/surfaces.py). A network has
    neither (its runs start from their init; a run without ``lr`` keeps the optimizer's
    default). Links and exports apply it, so ``/?surface=rosenbrock`` runs at
    Rosenbrock's η, not at another surface's."""
    if isinstance(scenario.model, MlpSpec):
        return scenario
    objective = objective_of(scenario)
    start, lr = [float(v) for v in objective.start], float(objective.lr)
    # no runs given: the default run (plain GD), at this objective's η
    given = scenario.runs if "runs" in scenario.model_fields_set else [RunSpec()]
    runs = [run.model_copy(update={"start": start if run.start is None else run.start,
                                   "lr": lr if run.lr is None else run.lr})
            for run in given]
    return scenario.model_copy(update={"runs": runs})


def dimension(scenario) -> int:
    objective = objective_of(scenario)
    return objective.dim if is_network(objective) else 2
