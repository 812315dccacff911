"""The objective a scenario trains: a named surface, or a model built from its spec.

Built models are cached by their canonical spec (a few hundred kB each at
most), so the stream, ``POST /api/run`` and the model description share one
data set and one set of workspaces instead of regenerating them per request.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pydantic import TypeAdapter

from gdviz.engine.nets.cnn import CNN
from gdviz.engine.nets.complex_linreg import make_complex_linreg
from gdviz.engine.nets.datasets import make_dataset
from gdviz.engine.nets.images import make_images
from gdviz.engine.nets.linear import make_linreg2, make_logreg2
from gdviz.engine.nets.mlp import MLP
from gdviz.engine.nets.network import Network
from gdviz.engine.expr import expr_surface
from gdviz.engine.surfaces import SURFACES

from .model_spec import (CnnSpec, ComplexLinregSpec, Linreg2Spec, Logreg2Spec, MlpSpec,
                         ModelSpec, NETWORK_SPECS)

CACHED_MODELS = 32
_SPEC = TypeAdapter(ModelSpec)


def build_model(spec, shuffle_seed: int = 0):
    """The engine objective for ``spec`` (cached): LinReg2/LogReg2/ComplexLinReg (Surfaces)
    or a network (MLP, CNN) whose minibatch order is seeded by ``shuffle_seed`` (the
    scenario's seed)."""
    if isinstance(spec, NETWORK_SPECS):
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
    if isinstance(spec, ComplexLinregSpec):
        return make_complex_linreg(n=spec.n, noise=spec.noise, phase=spec.phase,
                                   spread=spec.spread, seed=spec.seed)
    if isinstance(spec, CnnSpec):
        options = {"n": spec.n, "classes": spec.n_classes, "test_fraction": spec.test_fraction,
                   "seed": spec.seed, "size": spec.image_size,
                   "noise": 0.0 if spec.noise is None else spec.noise}
        return CNN(make_images(spec.dataset, **options), spec.kernels, spec.padding,
                   spec.activation, batch_size=spec.batch_size, shuffle_seed=shuffle_seed)
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
    return isinstance(objective, Network)


def objective_for_run(scenario, index: int):
    """The objective run ``index`` steps on: the scenario's, or a variant the run asks
    for — a complex weight's ``complex_grad`` rule (the mistake that drops the conjugate)."""
    objective = objective_of(scenario)
    rule = scenario.runs[index].complex_grad
    if rule is not None:
        objective = objective.with_rule(rule)
    return objective


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


def dimension(scenario) -> int:
    objective = objective_of(scenario)
    return objective.dim if is_network(objective) else 2
