from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.optimizers import OPTIMIZERS
from app.engine.surfaces import SURFACES
from app.scenarios.models import RunSpec, Scenario
from app.scenarios.url import scenario_from_query, scenario_to_query


def test_defaults_from_empty_query():
    s, warnings = scenario_from_query({})
    assert s == Scenario() and warnings == []


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
    assert s.runs[0].optimizer == "adam" and s.runs[0].lr is None
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


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_scenario_url_round_trip_is_identity(s):
    back, warnings = scenario_from_query(scenario_to_query(s))
    assert warnings == []
    assert back == s
