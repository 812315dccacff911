import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios.models import RunSpec, Scenario
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.simulate import simulate
from gdviz.scenarios.url import scenario_from_query, scenario_to_query, with_suggestions


def test_defaults_from_empty_query():
    s, warnings = scenario_from_query({})
    assert s == with_suggestions(Scenario()) and warnings == []
    assert s.surface == "himmelblau" and s.runs[0].start == [-0.5, 0.0] and s.runs[0].lr == 0.01


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_a_run_without_start_or_lr_takes_the_surfaces_own(surface):
    """/?surface=rosenbrock must not run at another surface's η (it diverged at step 4)."""
    own = SURFACES[surface]
    for query in ({"surface": surface}, {"surface": surface, "r0": "adam"},
                  {"surface": surface, "r0": "gd", "r1": "momentum", "r1.lr": "0.5"}):
        s, warnings = scenario_from_query(query)
        assert warnings == []
        assert s.runs[0].start == list(own.start) and s.runs[0].lr == own.lr
    assert s.runs[1].lr == 0.5  # what a link gives is kept


def test_a_typed_f_and_a_two_weight_model_suggest_theirs_a_network_does_not():
    s, _ = scenario_from_query({"expr": "x^2 + 10*y^2", "domain": "-1,1,-1,1"})
    own = objective_of(s)
    assert s.runs[0].start == list(own.start) and s.runs[0].lr == own.lr
    s, _ = scenario_from_query({"model": "linreg2"})
    assert s.runs[0].start == [2.0, 3.0] and s.runs[0].lr == 0.1
    s, _ = scenario_from_query({"model": "mlp", "r0": "adam"})
    assert s.runs[0].start is None and s.runs[0].lr is None  # init draws the start; torch's lr
    s, _ = scenario_from_query({"model": "mlp"})
    assert s.runs == Scenario().runs
    # every plane kind suggests (by its capabilities, not its name): the complex weight too
    s, _ = scenario_from_query({"model": "complex_linreg", "r0": "gd", "r1": "gd", "r1.grad_rule": "no_conjugate"})
    own = objective_of(s)
    assert [(r.start, r.lr) for r in s.runs] == [(list(own.start), own.lr)] * 2
    s, _ = scenario_from_query({"model": "cnn", "r0": "adam"})
    assert s.runs[0].start is None and s.runs[0].lr is None


def test_rosenbrock_by_its_name_alone_does_not_diverge():
    s, _ = scenario_from_query({"surface": "rosenbrock"})
    (run,) = simulate(s)
    assert run["status"] != "diverged"


def test_readable_query():
    s, w = scenario_from_query({"v": "1", "surface": "rosenbrock", "r0": "adam", "r0.lr": "0.01",
                                "r0.start": "-1.5,2", "r1": "gd", "r1.lr": "0.001"})
    assert w == []
    assert s.surface == "rosenbrock" and [r.optimizer for r in s.runs] == ["adam", "gd"]
    assert s.runs[0].start == [-1.5, 2.0] and s.runs[1].lr == 0.001


def test_bad_fields_fall_back_one_by_one():
    s, w = scenario_from_query({"surface": "nope", "steps": "99999", "r0": "adam",
                                "r0.lr": "abc", "r0.momentum": "0.9", "r0.betas": "0.9",
                                "zzz": "1", "r9": "gd"})
    assert s.surface == "himmelblau" and s.steps == 500
    assert s.runs[0].optimizer == "adam" and s.runs[0].lr == SURFACES["himmelblau"].lr  # the surface's η
    text = " | ".join(w)
    for part in ["surface: unknown surface", "steps:", "r0.lr:", "r0.momentum:",
                 "not a hyperparameter of adam", "r0.betas:", "zzz: unknown parameter", "r9:"]:
        assert part in text


_hp = {
    "lr": st.floats(1e-8, 1e6), "momentum": st.floats(0, 0.9999),
    "dampening": st.floats(0, 0.9999), "weight_decay": st.floats(0, 10),
    "alpha": st.floats(0, 0.9999), "eps": st.floats(1e-12, 1.0), "lr_decay": st.floats(0, 10),
    "initial_accumulator_value": st.floats(0, 1e3),
    "betas": st.tuples(st.floats(0, 0.9999), st.floats(0, 0.9999)),
}


@st.composite
def run_specs(draw):
    opt = draw(st.sampled_from(sorted(OPTIMIZERS)))
    names = draw(st.lists(st.sampled_from(sorted(OPTIMIZERS[opt].params)), unique=True))
    fields = {n: draw(_hp[n]) for n in names}
    if draw(st.booleans()):
        fields["schedule"] = draw(st.sampled_from(["constant", "step", "exponential", "cosine",
                                                   "warmup_cosine"]))
        fields["step_size"] = draw(st.integers(1, 10_000))
        fields["gamma"] = draw(st.floats(0.5, 1.0))
        fields["T_max"] = draw(st.integers(1, 10_000))
        fields["eta_min"] = draw(st.floats(0, 1e6))
        fields["warmup_steps"] = draw(st.integers(1, 10_000))
    if draw(st.booleans()):
        fields["clip_norm"] = draw(st.floats(1e-6, 1e6))
        fields["noise"] = draw(st.floats(0, 1e3))
    if draw(st.booleans()):
        fields["start"] = draw(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)))
    return RunSpec(optimizer=opt, **fields)


@st.composite
def scenarios(draw):
    return Scenario(surface=draw(st.sampled_from(sorted(SURFACES))),
                    runs=draw(st.lists(run_specs(), min_size=1, max_size=6)),
                    steps=draw(st.integers(1, 10_000)), seed=draw(st.integers(0, 2**32 - 1)),
                    speed=draw(st.floats(1, 2000)))


@st.composite
def model_specs(draw):
    kind = draw(st.sampled_from(["linreg2", "logreg2", "mlp"]))
    seed = draw(st.integers(0, 2**32 - 1))
    if kind == "linreg2":
        return {"kind": kind, "n": draw(st.integers(10, 2048)), "noise": draw(st.floats(0, 10)),
                "seed": seed, "random_targets": draw(st.booleans())}
    if kind == "logreg2":
        return {"kind": kind, "n": draw(st.integers(10, 2048)),
                "noise": draw(st.floats(0.05, 5)), "seed": seed}
    dataset = draw(st.sampled_from(["moons", "circles", "xor", "spiral", "blobs"]))
    spec = {"kind": kind, "dataset": dataset, "n": draw(st.integers(10, 300)), "seed": seed,
            "test_fraction": draw(st.floats(0, 0.5)),  # ≥ 5 training points for batch_size ≤ 5
            "hidden": draw(st.lists(st.integers(1, 32), max_size=4)),
            "activation": draw(st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid"])),
            "init": draw(st.sampled_from(["xavier", "glorot", "he", "zeros", "large"])),
            "head": draw(st.sampled_from(["softmax_ce", "mse"]))}
    if draw(st.booleans()):
        spec["noise"] = draw(st.floats(0, 2))
    if dataset in ("spiral", "blobs") and draw(st.booleans()):
        spec["classes"] = draw(st.integers(2, 8))
    if draw(st.booleans()):
        spec["batch_size"] = draw(st.integers(1, 5))
    return spec


@st.composite
def model_scenarios(draw):
    model = draw(model_specs())
    runs = draw(st.lists(run_specs(), min_size=1, max_size=6))
    runs = [r.model_dump(exclude_none=True) for r in runs]
    for r in runs:
        if model["kind"] == "mlp":
            r.pop("start", None)
            if draw(st.booleans()):
                r["init"] = draw(st.sampled_from(["xavier", "he", "zeros"]))
    return Scenario.model_validate({"model": model, "runs": runs,
                                    "steps": draw(st.integers(1, 10_000)),
                                    "seed": draw(st.integers(0, 2**32 - 1))})


EXPRESSIONS = ["x**2 + 3*y**2", "sin(x)*cos(y) + 0.1*(x^2 + y^2)", "(1 - x)**2 + 100*(y - x**2)**2",
               "log(1 + x**2) + abs(y)", "-exp(-(x**2 + y**2)/2)", "tanh(x*y) + sigmoid(x) - y/3"]


@st.composite
def expr_scenarios(draw):
    domain = None
    if draw(st.booleans()):
        x0, y0 = draw(st.floats(-1e4, 9e3)), draw(st.floats(-1e4, 9e3))
        domain = [[x0, x0 + draw(st.floats(1e-3, 1e3))], [y0, y0 + draw(st.floats(1e-3, 1e3))]]
    return Scenario.model_validate({
        "expr": draw(st.sampled_from(EXPRESSIONS)), "domain": domain,
        "runs": [r.model_dump(exclude_none=True)
                 for r in draw(st.lists(run_specs(), min_size=1, max_size=6))],
        "steps": draw(st.integers(1, 10_000)), "seed": draw(st.integers(0, 2**32 - 1))})


@settings(max_examples=300, deadline=None)
@given(st.one_of(scenarios(), model_scenarios(), expr_scenarios()))
def test_scenario_url_round_trip_is_identity(s):
    """Identity for every field a scenario gives; a run's start or lr left out reads back
    as the objective's suggested one (what a link without them means)."""
    back, warnings = scenario_from_query(scenario_to_query(s))
    assert warnings == []
    assert back == with_suggestions(s)


def test_model_links_read_field_by_field():
    s, w = scenario_from_query({"v": "1", "model": "mlp", "model.dataset": "xor",
                                "model.hidden": "8,8,8,8", "model.activation": "sigmoid",
                                "r0": "adam", "r0.lr": "0.01", "r1": "gd", "r1.init": "zeros"})
    assert w == []
    assert s.surface is None and s.model.dataset == "xor" and s.model.hidden == [8, 8, 8, 8]
    assert s.runs[1].init == "zeros"


def test_bad_model_fields_fall_back_one_by_one():
    s, w = scenario_from_query({"model": "mlp", "model.hidden": "16,99", "model.head": "nope",
                                "model.dataset": "spiral", "surface": "bowl"})
    assert s.model.dataset == "spiral" and s.model.hidden == [16, 16] and s.model.head == "softmax_ce"
    assert any(x.startswith("model.hidden:") for x in w)
    assert any(x.startswith("model.head:") for x in w)
    assert any(x.startswith("surface:") and "model" in x for x in w)


def test_unknown_model_kind_shows_the_default_surface():
    s, w = scenario_from_query({"model": "rnn", "model.n": "5"})
    assert s.surface == "himmelblau" and s.model is None
    assert w and w[0].startswith("model: unknown kind 'rnn'")


def test_a_network_start_of_the_wrong_length_is_dropped_with_a_warning():
    s, w = scenario_from_query({"model": "mlp", "r0": "gd", "r0.start": "1,2"})
    assert s.runs[0].start is None and any("354 weights" in x for x in w)


def test_model_fields_do_not_depend_on_their_order_in_the_link():
    s, w = scenario_from_query({"model": "mlp", "model.classes": "4", "model.batch_size": "300",
                                "model.dataset": "blobs", "model.n": "600"})
    assert w == [] and (s.model.dataset, s.model.classes, s.model.batch_size) == ("blobs", 4, 300)


def test_expr_links_read_field_by_field():
    s, w = scenario_from_query({"v": "1", "expr": "x**2 + 3*sin(y)", "domain": "-2,2,-1,4",
                                "r0": "adam", "r0.lr": "0.1"})
    assert w == [] and s.surface is None and s.expr == "x**2 + 3*sin(y)"
    assert s.domain == ((-2, 2), (-1, 4))
    assert scenario_to_query(s)["domain"] == "-2,2,-1,4"
    s, w = scenario_from_query({"expr": "x +* y", "domain": "0,1,2"})
    assert s.surface == "himmelblau" and s.expr is None and s.domain is None
    assert w[0].startswith("expr: ") and "using the default surface" in w[0]
    assert w[1].startswith("domain: give four numbers xmin,xmax,ymin,ymax (got 3)")
    s, w = scenario_from_query({"surface": "bowl", "expr": "x*y"})
    assert (s.surface, s.expr) == (None, "x*y") and w == ["surface: the link also gives an expr; showing the expr"]
    s, w = scenario_from_query({"domain": "0,1,0,1"})
    assert s.surface == "himmelblau" and w == ["domain: only a custom expr takes a domain; ignored"]
