"""Diagnostics ("why isn't my loss moving?"): each check fires on its textbook case, with
the right numbers, stays quiet on healthy runs, and its suggested fix actually helps."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from gdviz.engine import stability
from gdviz.engine.nets.datasets import moons, xor
from gdviz.engine.nets.diagnose import WINDOW, Finding, RunWatch
from gdviz.engine.nets.linear import make_linreg2, make_logreg2
from gdviz.engine.nets.mlp import MLP
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status
from gdviz.engine.surfaces import SURFACES

MOONS = moons(n=200, noise=0.1, test_fraction=0.2, seed=0)
XOR = xor(n=200, seed=0)
LIN = make_linreg2()
LOG = make_logreg2()


def watch_run(objective, optimizer, lr, start, steps, every=10):
    """Run one start with a Batch, feeding every frame to a RunWatch as the stream would
    (rel_update = ‖update taken from the frame‖ / ‖params‖). Returns the batch, the watch,
    the findings asked for every ``every`` steps {step: [Finding]} and the final findings."""
    hyper = hyper_arrays([{**defaults(optimizer), "lr": lr}])
    b = Batch(objective, OPTIMIZERS[optimizer], hyper, np.asarray(start, float).reshape(1, -1),
              steps)
    w = RunWatch(objective)
    during: dict[int, list[Finding]] = {}
    while True:
        update, params = b.propose()[0], b.params[0]
        with np.errstate(all="ignore"):
            rel = float(np.linalg.norm(update) / np.linalg.norm(params))
        w.observe(b.step, float(b.loss[0]), rel if np.isfinite(rel) else None,
                  float(np.linalg.norm(b.grad[0])))
        if b.done:
            break
        if b.step % every == 0:
            during[b.step] = w.findings(b.params[0], b.grad[0], None, lr)
        b.advance()
    final = w.findings(b.params[0], b.grad[0], Status(int(b.status[0])).label, lr)
    return b, w, during, final


def by_id(findings) -> dict[str, Finding]:
    return {f.id: f for f in findings}


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def suggested_lr(fix: str) -> float:
    return float(re.search(r"lr to about ([\d.e-]+)", fix).group(1))


# --- symmetric -----------------------------------------------------------------------------

def test_zeros_init_is_symmetric_and_xavier_is_not():
    net = MLP(MOONS, (6, 5), "tanh")
    zeros = RunWatch(net).findings(net.init_params("zeros", 0)[0], np.zeros(net.dim))
    f = by_id(zeros)["symmetric"]
    assert f.severity == "error" and zeros[0] is f
    assert "hidden layer 1 (6 units)" in f.detail and "hidden layer 2 (5 units)" in f.detail
    assert "xavier" in f.fix
    assert "symmetric" not in by_id(RunWatch(net).findings(net.init_params("xavier", 0)[0],
                                                           np.zeros(net.dim)))


def test_symmetric_needs_identical_outgoing_weights_too():
    # units with the same inputs but different outgoing weights get different gradients
    # and separate: that is not the symmetry trap
    net = MLP(MOONS, (4,), "sigmoid")
    (w1, b1), (w2, b2) = net.unpack(net.init_params("zeros", 0))
    w2[0] = np.arange(8).reshape(4, 2)
    assert "symmetric" not in by_id(RunWatch(net).findings(net.pack([(w1, b1), (w2, b2)])[0],
                                                           np.zeros(net.dim)))
    w2[0] = 0.3  # same nonzero outgoing weights: trapped again
    assert "symmetric" in by_id(RunWatch(net).findings(net.pack([(w1, b1), (w2, b2)])[0],
                                                       np.zeros(net.dim)))


def test_zeros_init_stays_symmetric_through_training():
    # sigmoid(0) = ½ ≠ 0, so the hidden weights do move — yet every unit moves alike
    net = MLP(MOONS, (6, 5), "sigmoid")
    b, _, _, final = watch_run(net, "adam", 0.05, net.init_params("zeros", 0), 50)
    assert "symmetric" in by_id(final)


# --- vanishing -----------------------------------------------------------------------------

@pytest.mark.parametrize("hidden", [(8, 8, 8, 8), (16, 16)])
def test_sigmoid_nets_on_xor_have_vanishing_gradients_with_the_layer_norms(hidden):
    # 4 × 8: the known answer (first/last ≈ 5e-4); 2 × 16: a milder 0.026
    net = MLP(XOR, hidden, "sigmoid")
    params = net.init_params("xavier", 0)
    norms = net.grad_norms(params)[0]
    assert norms[0] < 0.1 * norms[-1]  # the known answer
    found = RunWatch(net).findings(params[0], net.loss_and_grad(params)[1][0])
    f = by_id(found)["vanishing"]
    assert f.severity == "warn"
    listed = numbers(f.detail.split("first → last:")[1])
    np.testing.assert_allclose(listed, norms, rtol=5e-3)
    ratio = numbers(f.detail)[1]
    assert ratio == pytest.approx(norms[0] / norms[-1], rel=5e-3) and ratio < 0.1
    assert "instead of sigmoid" in f.fix


@pytest.mark.parametrize("activation, init", [("tanh", "he"), ("tanh", "xavier"),
                                               ("relu", "he")])
def test_tanh_and_relu_nets_do_not_vanish(activation, init):
    net = MLP(XOR, (8, 8, 8, 8), activation)
    for seed in range(3):
        params = net.init_params(init, seed)
        assert "vanishing" not in by_id(RunWatch(net).findings(params[0], np.zeros(net.dim)))


# --- dead relu -----------------------------------------------------------------------------

def test_a_huge_learning_rate_kills_relu_units_and_the_count_matches_hidden_activity():
    net = MLP(MOONS, (8, 8), "relu")
    b, _, _, final = watch_run(net, "gd", 5.0, net.init_params("he", 0), 60)
    f = by_id(final)["dead_relu"]
    frac = net.hidden_activity(b.params)[0]
    dead = np.rint(frac * 8).astype(int)
    assert dead.sum() > 0
    assert f"{dead.sum()} of 16 hidden relu units" in f.detail
    assert f"layer 1: {dead[0]}/8, layer 2: {dead[1]}/8" in f.detail
    assert f.severity == ("error" if (dead == 8).any() else
                          "warn" if dead.sum() >= 4 else "info")
    assert "leaky_relu" in f.fix


@pytest.mark.parametrize("kill, severity", [((1, 0), "info"), ((3, 1), "warn"),
                                            ((0, 8), "error"), ((0, 0), None)])
def test_dead_relu_severity_follows_the_share_of_dead_units(kill, severity):
    net = MLP(MOONS, (8, 8), "relu")
    layers = net.unpack(net.init_params("he", 0))
    for l, k in enumerate(kill):  # a bias of −1e3 keeps a unit off on every point
        layers[l][1][0, :k] = -1e3
    params = net.pack(layers)
    np.testing.assert_allclose(net.hidden_activity(params)[0], np.array(kill) / 8)
    found = by_id(RunWatch(net).findings(params[0], np.zeros(net.dim)))
    assert (found["dead_relu"].severity if "dead_relu" in found else None) == severity


def test_leaky_relu_units_do_not_die():
    net = MLP(MOONS, (8, 8), "leaky_relu")
    layers = net.unpack(net.init_params("he", 0))
    layers[0][1][0, :] = -1e3
    found = RunWatch(net).findings(net.pack(layers)[0], np.zeros(net.dim))
    assert "dead_relu" not in by_id(found)


# --- learning rate too small ---------------------------------------------------------------

def test_lr_1e_minus_6_on_linreg2_is_too_small_and_the_suggested_lr_moves():
    _, _, during, final = watch_run(LIN, "gd", 1e-6, LIN.start, 200)
    f = by_id(final)["lr_too_small"]
    assert f.severity == "warn"
    assert "lr 1e-6" in f.detail and "1.57e-6" in f.detail  # ‖Δw‖/‖w‖ = lr·‖g‖/‖w‖
    assert all("lr_too_small" in by_id(fs) for step, fs in during.items() if step >= 10)
    lr = suggested_lr(f.fix)
    assert lr == pytest.approx(1e-3)
    _, _, _, after = watch_run(LIN, "gd", lr, LIN.start, 200)
    assert "lr_too_small" not in by_id(after)


def test_lr_0_1_on_linreg2_finds_nothing_at_any_step():
    b, _, during, final = watch_run(LIN, "gd", 0.1, LIN.start, 500, every=5)
    assert final == []
    assert all(fs == [] for fs in during.values()), {s: fs for s, fs in during.items() if fs}


@pytest.mark.parametrize("model", [LIN, LOG], ids=["linreg2", "logreg2"])
def test_starting_next_to_the_minimum_is_not_too_slow(model):
    # the steps are tiny because the gradient is, not the lr; the Hessian tells them apart
    start = np.array(model.minima[0]) + 1e-2
    b, _, during, final = watch_run(model, "gd", model.lr, start, 300, every=5)
    assert Status(int(b.status[0])) == Status.CONVERGED
    assert final == [] and all(fs == [] for fs in during.values())


def test_a_trained_network_is_not_too_slow():
    net = MLP(MOONS, (16, 16), "tanh")
    trained, *_ = watch_run(net, "adam", 0.01, net.init_params("xavier", 0), 400)
    assert trained.loss[0] < 0.01
    _, _, during, final = watch_run(net, "gd", 0.1, trained.params[0], 150)
    assert final == [] and all(fs == [] for fs in during.values())


@pytest.mark.parametrize("loss_end, grad_end, slow", [(0.7, 0.5, True), (0.7, 0.01, False),
                                                      (0.2, 0.5, False)])
def test_tiny_steps_are_too_slow_only_while_the_run_has_got_nowhere(loss_end, grad_end, slow):
    # a network (no Hessian): tiny steps after the gradient shrank 10× (converging) or
    # after the loss halved (it got somewhere) are not blamed on the lr
    net = MLP(MOONS, (8,), "tanh")
    w = RunWatch(net)
    for k in range(60):
        late = k >= 5
        w.observe(k, loss_end if late else 0.7, 1e-5, grad_end if late else 0.5)
    found = w.findings(net.init_params("xavier", 0)[0], np.zeros(net.dim), None, 0.01)
    assert ("lr_too_small" in by_id(found)) == slow


def test_tiny_adam_steps_on_a_network_are_too_small():
    net = MLP(MOONS, (16, 16), "tanh")
    _, _, _, final = watch_run(net, "adam", 1e-6, net.init_params("xavier", 0), 60)
    assert "lr_too_small" in by_id(final)


# --- exploding -----------------------------------------------------------------------------

@pytest.mark.parametrize("lr", [2.0, 50.0])
def test_a_diverging_linreg2_run_is_an_exploding_error_and_the_suggested_lr_converges(lr):
    b, _, _, final = watch_run(LIN, "gd", lr, LIN.start, 300)
    assert Status(int(b.status[0])) == Status.DIVERGED
    assert final[0].id == "exploding" and final[0].severity == "error"
    assert [f.id for f in final] == ["exploding"]  # nothing else is worth reading then
    calmer = suggested_lr(final[0].fix)
    assert calmer <= lr / 10
    b2, _, _, after = watch_run(LIN, "gd", calmer, LIN.start, 2000)
    assert Status(int(b2.status[0])) in (Status.CONVERGED, Status.MAX_STEPS)
    assert "exploding" not in by_id(after)


def test_non_finite_numbers_are_an_exploding_error():
    w = RunWatch(LIN)
    for k, loss in enumerate([12.8, 1e5, 1e200, float("inf"), float("nan")]):
        w.observe(k, loss, None, 1.0)
    found = w.findings(np.array([np.inf, 1.0]), np.array([np.nan, 0.0]), "diverged", 0.1)
    assert [f.id for f in found] == ["exploding"]
    assert "overflowed" in found[0].detail and "step 3" in found[0].detail


def test_a_slowly_growing_gradient_warns_before_the_run_diverges():
    lam = stability.curvature(LIN.hessian(np.array([LIN.start]))[0]).lam_max
    b, _, during, final = watch_run(LIN, "gd", 1.05 * 2 / lam, LIN.start, 2000, every=1)
    assert Status(int(b.status[0])) == Status.DIVERGED
    warned = [s for s, fs in during.items()
              if by_id(fs).get("exploding", Finding("", "", "", "", "")).severity == "warn"]
    assert warned and min(warned) < b.end_step[0] - 5
    assert "×" in by_id(during[min(warned)])["exploding"].detail


def test_running_off_downhill_is_not_called_an_overshoot():
    s = SURFACES["saddle"]
    b, _, during, final = watch_run(s, "gd", 0.05, s.start, 500)
    assert Status(int(b.status[0])) == Status.DIVERGED
    assert by_id(final)["exploding"].severity == "error"
    assert "downhill" in by_id(final)["exploding"].detail
    assert not any("exploding" in by_id(fs) for fs in during.values())  # loss fell throughout


# --- plateau -------------------------------------------------------------------------------

def test_a_network_stuck_at_chance_loss_is_a_plateau_with_the_ln2_remark():
    # 4 sigmoid layers on xor: the gradient vanishes and GD sits at loss ln 2
    net = MLP(XOR, (8, 8, 8, 8), "sigmoid")
    b, _, during, final = watch_run(net, "gd", 0.5, net.init_params("xavier", 0), 200)
    assert abs(b.loss[0] - np.log(2)) < 1e-3
    f = by_id(final)["plateau"]
    assert f.severity == "warn"
    assert "ln 2 = 0.693" in f.detail and "guesses at random" in f.detail
    assert not any("plateau" in by_id(fs) for s, fs in during.items() if s < 100)


def test_tiny_lr_on_a_network_is_a_plateau_whose_fix_points_at_the_lr():
    net = MLP(MOONS, (16, 16), "tanh")
    _, _, _, final = watch_run(net, "gd", 1e-6, net.init_params("xavier", 0), 200)
    found = by_id(final)
    assert {"plateau", "lr_too_small"} <= set(found)
    assert "ln 2" in found["plateau"].detail
    assert "learning rate" in found["plateau"].fix


def test_a_linreg2_plateau_has_no_chance_remark():
    _, _, _, final = watch_run(LIN, "gd", 1e-6, LIN.start, 200)
    f = by_id(final)["plateau"]
    assert "ln" not in f.detail and "random" not in f.detail
    assert f.detail.startswith("The loss moved by only")


def test_finishing_off_a_minimum_is_not_a_plateau():
    # logreg2 with GD: the loss flattens as it reaches the minimum; the Hessian says so
    _, _, during, final = watch_run(LOG, "gd", 0.05, LOG.start, 1500, every=50)
    assert all("plateau" not in by_id(fs) for fs in [*during.values(), final])


def test_the_plateau_surface_is_a_plateau():
    s = SURFACES["plateau"]
    _, _, during, _ = watch_run(s, "gd", s.lr, s.start, 150)
    assert "plateau" in by_id(during[140])


# --- healthy runs --------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, lr, activation, init", [
    ("adam", 0.01, "tanh", "xavier"), ("gd", 0.5, "tanh", "xavier"),
    ("momentum", 0.1, "relu", "he")])
def test_healthy_networks_get_no_warnings(optimizer, lr, activation, init):
    net = MLP(MOONS, (16, 16), activation)
    b, _, during, final = watch_run(net, optimizer, lr, net.init_params(init, 0), 300)
    assert b.loss[0] < 0.3 * b.loss0[0]
    for step, fs in [*during.items(), (300, final)]:
        assert all(f.severity == "info" for f in fs), (step, fs)


def test_healthy_surface_runs_find_nothing():
    for sid in ("bowl", "ravine", "himmelblau"):
        s = SURFACES[sid]
        _, _, during, final = watch_run(s, "gd", s.lr, s.start, 300)
        assert final == [] and all(fs == [] for fs in during.values()), sid


# --- the watch itself ----------------------------------------------------------------------

def test_memory_is_bounded_and_a_new_run_starts_over():
    w = RunWatch(LIN)
    for k in range(3 * WINDOW):
        w.observe(k, 1.0, 1e-2, 1.0)
    assert len(w._frames) == WINDOW
    w.observe(3 * WINDOW - 1, 5.0, 1e-2, 1.0)  # the same frame again: ignored
    assert w._frames[-1][1] == 1.0
    w.observe(0, 2.0, None, 1.0)  # step 0 again: a new run
    assert len(w._frames) == 1 and w._first == (0, 2.0, 1.0)


def flat_watch(frames=150, loss=12.8, rel=1e-7, grad_norm=5.0) -> RunWatch:
    """A linreg2 watch fed ``frames`` identical frames: a run that is not moving."""
    w = RunWatch(LIN)
    for k in range(frames):
        w.observe(k, loss, rel, grad_norm)
    return w


def test_no_frames_and_no_lr_still_answer():
    assert RunWatch(LIN).findings(np.array(LIN.start), np.zeros(2)) == []
    f = by_id(flat_watch().findings(np.array(LIN.start), np.array([5.0, 0.0])))["lr_too_small"]
    assert f.fix.startswith("Raise the learning rate about ×1000") and "with lr" not in f.detail


def test_findings_come_most_severe_first():
    net = MLP(MOONS, (8, 8), "relu")
    layers = net.unpack(net.init_params("zeros", 0))
    layers[0][1][0, :] = -1.0  # layer 1 dead (error), and still symmetric (error)
    w = RunWatch(net)
    for k in range(150):
        w.observe(k, 0.7, 1e-7, 0.1)
    found = w.findings(net.pack(layers)[0], np.full(net.dim, 0.1), None, 1e-3)
    ranks = [("error", "warn", "info").index(f.severity) for f in found]
    assert ranks == sorted(ranks) and found[0].severity == "error"


def every_kind() -> list[Finding]:
    """At least one finding of each id, some from non-finite inputs."""
    out = []
    net = MLP(MOONS, (6, 5), "relu")
    out += RunWatch(net).findings(net.init_params("zeros", 0)[0], np.zeros(net.dim))
    deep = MLP(XOR, (8, 8, 8, 8), "sigmoid")
    out += RunWatch(deep).findings(deep.init_params("xavier", 0)[0], np.zeros(deep.dim))
    out += flat_watch().findings(np.array(LIN.start), np.array([5.0, 0.0]), None, 1e-6)
    out += flat_watch(rel=float("nan")).findings(np.array(LIN.start), np.ones(2))
    w = flat_watch(frames=3)
    w.observe(3, float("inf"), float("inf"), float("nan"))
    out += w.findings(np.array([np.nan, np.inf]), np.array([np.inf, -np.inf]), "diverged", 1e300)
    return out


def test_every_finding_is_strict_json():
    found = every_kind()
    assert {f.id for f in found} == {"lr_too_small", "vanishing", "dead_relu", "exploding",
                                     "plateau", "symmetric"}
    for f in found:
        d = f.as_dict()
        assert set(d) == {"id", "severity", "title", "detail", "fix"}
        assert d["severity"] in ("info", "warn", "error")
        assert all(isinstance(v, str) and v for v in d.values())
        json.dumps(d, allow_nan=False)
