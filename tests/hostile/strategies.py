"""Hypothesis strategies for hostile WebSocket messages.

Every message type of /ws/run and /ws/landscape has a *valid* strategy (every value
in range, sizes kept small so a job costs milliseconds), which drives the session
deep into the engine: runs that start, play, step, change hyperparameters, slice a
network and finish jobs. ``hostile`` then damages a valid message at one random
place — a value replaced by random JSON or an edge number (NaN, ±Infinity, 1e308,
2**63, -0.0, …), a key removed, an unknown key added — and ``frames`` mixes valid,
damaged and random messages (JSON, text, binary frames).
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.surfaces import SURFACES

from corpus import ATTACKS, PATHOLOGICAL
from live import json_nodes

EXAMPLES = int(os.environ.get("GDVIZ_FUZZ_EXAMPLES", "40"))
DEEP = "GDVIZ_FUZZ_EXAMPLES" in os.environ  # a deliberate, longer run
# deterministic: the same examples every run (derandomize), and no example database
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), print_blob=True)

# -- any JSON ------------------------------------------------------------------------

EDGE_NUMBERS = [0, -0.0, -1, 1e-320, 5e-324, 1e308, -1e308, 2**31, 2**53 + 1, 2**63, 2**64,
                10**30, 1e-12, 0.5, float("nan"), float("inf"), float("-inf")]
numbers = st.one_of(st.integers(), st.floats(), st.sampled_from(EDGE_NUMBERS))
texts = st.one_of(st.text(max_size=20), st.sampled_from(
    [v for v in ATTACKS.values() if isinstance(v, str) and len(v) < 300]))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                     st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


def some(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """A dict with a random subset of ``fields``."""
    return st.fixed_dictionaries({}, optional=fields)


# -- valid messages ------------------------------------------------------------------

EXPRS = ["x^2 + y^2", "sin(x)*cos(y)", "(1-x)^2 + 100*(y-x^2)^2", "abs(x) + 3*y^2",
         "x^4 - 2*x^2 + y^2", "max(x, y) + x^2", *PATHOLOGICAL.values()]
coordinate = st.floats(-5, 5)


def axis(lo: float, hi: float) -> st.SearchStrategy[list[float]]:
    return st.tuples(st.floats(lo, hi - 1), st.floats(1, 4)).map(lambda t: [t[0], t[0] + t[1]])


box = st.tuples(axis(-5, 5), axis(-5, 5)).map(list)
surface_objective = st.fixed_dictionaries({"surface": st.sampled_from(list(SURFACES))})
expr_objective = st.fixed_dictionaries({"expr": st.sampled_from(EXPRS)},
                                       optional={"domain": box})
two_weight_model = st.one_of(
    some({"n": st.integers(10, 60), "noise": st.floats(0, 2), "seed": st.integers(0, 5),
          "random_targets": st.booleans()}).map(lambda d: {"kind": "linreg2", **d}),
    some({"n": st.integers(10, 60), "noise": st.floats(0.05, 2), "seed": st.integers(0, 5)})
    .map(lambda d: {"kind": "logreg2", **d}))
network = some({
    "dataset": st.sampled_from(["moons", "circles", "xor"]), "n": st.integers(20, 60),
    "hidden": st.lists(st.integers(1, 6), max_size=2), "seed": st.integers(0, 5),
    "activation": st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid"]),
    "head": st.sampled_from(["softmax_ce", "sigmoid_bce", "mse"]),
    "init": st.sampled_from(["xavier", "glorot", "he", "zeros", "large"]),
}).map(lambda d: {"kind": "mlp", **d})
objectives = st.one_of(surface_objective, expr_objective,
                       st.fixed_dictionaries({"model": two_weight_model}))


@st.composite
def runs(draw, networks: bool = False) -> dict:
    """One run: an optimizer and some of its own hyperparameters, all in range."""
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    run: dict = {"optimizer": name}
    for param, spec in OPTIMIZERS[name].params.items():
        if draw(st.booleans()):
            value = st.floats(max(spec.min, 1e-4), min(spec.max, 2.0)) if param == "lr" \
                else st.floats(spec.min, min(spec.max, 1.0))
            run[param] = draw(st.lists(value, min_size=2, max_size=2)) if param == "betas" \
                else draw(value)
    if not networks and draw(st.booleans()):
        run["start"] = draw(st.lists(coordinate, min_size=2, max_size=2))
    run.update(draw(some({
        "schedule": st.sampled_from(["constant", "step", "exponential", "cosine",
                                     "warmup_cosine"]),
        "step_size": st.integers(1, 20), "gamma": st.floats(0.5, 1), "T_max": st.integers(1, 40),
        "warmup_steps": st.integers(1, 10), "clip_norm": st.floats(0.1, 10),
        "noise": st.floats(0, 1)})))
    return run


scenarios = st.tuples(objectives, st.lists(runs(), min_size=1, max_size=3), some({
    "steps": st.integers(1, 60), "seed": st.integers(0, 9), "speed": st.floats(1, 2000)})
).map(lambda t: {**t[0], "runs": t[1], **t[2]})
network_scenarios = st.tuples(network, st.lists(runs(networks=True), min_size=1, max_size=2),
                              st.integers(1, 30)).map(
    lambda t: {"model": t[0], "runs": t[1], "steps": t[2]})
# every optimizer has lr and weight_decay; the others belong to some only
hyper_changes = st.one_of(
    st.fixed_dictionaries({"lr": st.floats(1e-4, 2)}, optional={"weight_decay": st.floats(0, 1)}),
    st.dictionaries(st.sampled_from(sorted({n for o in OPTIMIZERS.values()
                                            for n in o.params} - {"betas"})),
                    st.floats(1e-4, 0.99), min_size=1, max_size=3))

@st.composite
def replays(draw) -> dict:
    """A `replay`: a scenario, edits in step order up to the target, maybe paused."""
    scenario = draw(scenarios)
    target = draw(st.integers(0, scenario.get("steps", 60)))
    steps = sorted(draw(st.lists(st.integers(0, target), max_size=4)))
    edits = [{"run": draw(st.integers(0, len(scenario["runs"]) - 1)), "step": k,
              "changes": draw(hyper_changes)} for k in steps]
    return {"type": "replay", "scenario": scenario, "edits": edits, "step": target,
            **draw(some({"paused": st.booleans()}))}


VALID_RUN_MESSAGES = {
    "start": st.fixed_dictionaries({"type": st.just("start"), "scenario": scenarios},
                                   optional={"paused": st.booleans()}),
    "start a network": st.fixed_dictionaries({"type": st.just("start"),
                                              "scenario": network_scenarios},
                                             optional={"paused": st.booleans()}),
    "pause": st.just({"type": "pause"}),
    "play": st.just({"type": "play"}),
    "step": st.fixed_dictionaries({"type": st.just("step")},
                                  optional={"count": st.integers(1, 50)}),
    "set": st.fixed_dictionaries({"type": st.just("set"), "run": st.integers(0, 3),
                                  "changes": hyper_changes}),
    "speed": st.fixed_dictionaries({"type": st.just("speed"),
                                    "steps_per_second": st.floats(1, 2000)}),
    "slice": st.fixed_dictionaries({"type": st.just("slice")}, optional={
        "run": st.integers(0, 2), "plane": st.sampled_from(["random", "pca"]),
        "grid": st.integers(5, 12), "seed": st.integers(0, 5)}),
    "replay": replays(),
    "inspect": st.fixed_dictionaries({"type": st.just("inspect"), "run": st.integers(0, 2),
                                      "weights": st.lists(st.integers(0, 40), max_size=6)}),
}
landscape_objectives = st.one_of(surface_objective, expr_objective,
                                 st.fixed_dictionaries({"model": two_weight_model}))
# the sizes are always given (and small): the defaults (500 steps, a 64² basin map, 50
# learning rates) cost a fuzzed example half a second; damage may still remove them
_steps = {"steps": st.integers(1, 60)}
_landscape_common = {"run": runs(), "seed": st.integers(0, 9)}
LANDSCAPE_REQUESTS = {
    "sweep": st.fixed_dictionaries({**_steps, "lrs": st.one_of(
        st.lists(st.floats(1e-4, 2), min_size=1, max_size=8),
        st.tuples(st.floats(1e-4, 0.1), st.floats(0.2, 2), st.integers(2, 8)).map(
            lambda t: {"min": t[0], "max": t[1], "count": t[2]}))}, optional=_landscape_common),
    "basins": st.fixed_dictionaries({**_steps, "grid": st.fixed_dictionaries(
        {"n": st.integers(2, 8)}, optional={"box": box})}, optional=_landscape_common),
    "scatter": st.fixed_dictionaries({**_steps, "n": st.integers(1, 8)},
                                     optional={**_landscape_common, "box": box}),
}


@st.composite
def landscape_runs(draw) -> dict:
    kind = draw(st.sampled_from(list(LANDSCAPE_REQUESTS)))
    request = {**draw(landscape_objectives), **draw(LANDSCAPE_REQUESTS[kind])}
    return {"type": "run", "id": draw(st.integers(0, 10**6)), "kind": kind, "request": request}


VALID_LANDSCAPE_MESSAGES = {
    "run": landscape_runs(),
    "cancel": st.fixed_dictionaries({"type": st.just("cancel"), "id": st.integers(0, 10**6)}),
}

# -- damage --------------------------------------------------------------------------


@st.composite
def hostile(draw, shape: st.SearchStrategy[dict]) -> dict:
    """A valid message from ``shape``, damaged at one random place."""
    message = json.loads(json.dumps(draw(shape)))  # a private copy
    places = [(p, c) for p, c in json_nodes(message) if c and isinstance(c, (dict, list))]
    path, container = draw(st.sampled_from(places))
    keys = list(container) if isinstance(container, dict) else list(range(len(container)))
    key = draw(st.sampled_from(keys))
    how = draw(st.sampled_from(["replace", "replace", "edge", "remove", "add"]))
    if how == "replace":
        container[key] = draw(json_values)
    elif how == "edge":
        container[key] = draw(st.sampled_from(EDGE_NUMBERS))
    elif how == "remove":
        del container[key]
    elif isinstance(container, dict):
        container[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    else:
        container.append(draw(json_values))
    return message


# the messages that act on a live session are drawn twice as often as the others
FAVOURED = ("set", "slice", "step")


def encoded(messages: st.SearchStrategy[dict]) -> st.SearchStrategy[str]:
    """As Python's json writes it: NaN and Infinity become the literals browsers reject."""
    return messages.map(json.dumps)


def frames(valid: dict[str, st.SearchStrategy[dict]]) -> st.SearchStrategy[str | bytes]:
    """One WebSocket frame: mostly a valid or damaged message of one of the types, else
    random JSON, random text or random bytes (a binary frame)."""
    typed = st.one_of(*valid.values(), *[valid[k] for k in FAVOURED if k in valid])
    return st.one_of(encoded(typed), encoded(typed), encoded(typed), encoded(hostile(typed)),
                     encoded(hostile(typed)), json_values.map(json.dumps),
                     st.text(max_size=40), st.binary(max_size=40))


def sequences(valid: dict[str, st.SearchStrategy[dict]], first: str):
    """2–5 frames, the first a message of a type whose name begins with ``first`` (a
    start, a run), valid two times in three so that the rest meets a live session."""
    openings = st.one_of(*[v for k, v in valid.items() if k.startswith(first)])
    opening = st.one_of(encoded(openings), encoded(openings), encoded(hostile(openings)))
    return st.tuples(opening, st.lists(frames(valid), min_size=1, max_size=4)).map(
        lambda t: [t[0], *t[1]])
