"""Preset lessons: named scenarios, each teaching one thing, with the text a student
reads beside the plots.

Every number in a lesson was read off a run of the scenario itself (seeded, so it
is the same run every time), and ``tests/scenarios/test_presets.py`` runs each
preset and checks that it still shows what its lesson says.

``PRESETS`` maps the id used in links (``/s/{id}``, ``gdviz export {id}``) to the
preset, in teaching order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from .models import Scenario
from .url import scenario_to_query, with_suggestions
from .view import View, view_to_query


@dataclass(frozen=True)
class Preset:
    """A scenario with a title, a 2–4 sentence lesson, and what the page shows of it
    (``view``: e.g. the basin map's tab; its ``preset`` is the preset's id)."""

    id: str
    title: str
    lesson: str
    scenario: Scenario
    view: View = field(default_factory=View)

    @property
    def view_keys(self) -> dict[str, str]:
        """The link's view keys beside ``preset`` (``{}`` or e.g. ``{"tab": "basins"}``)."""
        keys = view_to_query(self.view)
        keys.pop("preset", None)
        return keys

    @property
    def url(self) -> str:
        """The playground link that opens this scenario with its lesson beside the plots
        (commas left readable)."""
        return self.url_with()

    def is_own(self, scenario: Scenario) -> bool:
        """Whether ``scenario`` is this preset's own, as links write them (its speed aside):
        else the lesson's numbers (its η, its step counts) are not about it, and a page or
        an export that shows the lesson beside it says so (``LESSON_CHANGED``; the page's
        url.js ``sameScenario`` asks the same of the links)."""
        def spelled(s: Scenario) -> dict:
            return {k: v for k, v in scenario_to_query(s).items() if k != "speed"}
        return spelled(scenario) == spelled(self.scenario)

    def url_with(self, **view) -> str:
        """The link with more view keys (``guide=True``: a step of the guided path)."""
        query = {**scenario_to_query(self.scenario),
                 **view_to_query(self.view.model_copy(update=view))}
        return "/?" + urlencode(query, safe=",")


LESSON_CHANGED = "the text below is about the lesson's own settings, not these runs"
"""What a lesson shown beside a scenario that is not its preset's own says first."""


def _preset(id: str, title: str, lesson: str, view: dict | None = None, **scenario) -> Preset:
    """A preset whose scenario is what its link reads back: a run without a start or an η
    takes its objective's (``with_suggestions``)."""
    return Preset(id, title, " ".join(lesson.split()), with_suggestions(Scenario.model_validate(scenario)),
                  View(preset=id, **(view or {})))


BOWL_START = [1.5, 1.0]
RAVINE_START = [-1.8, 0.6]

F1D_QUADRATIC = {"kind": "f1d", "f": "quadratic"}

_ALL = [
    _preset(
        "1d-slope", "1D: the slope says which way, and how far",
        """On f(x) = x² the slope is f′(x) = 2x: at the start x = 1.5 the tangent climbs to
        the right with slope 3, so GD steps left, against the slope, by η times it:
        x ← 1.5 − 0.1 × 3 = 1.2. The slope shrinks as the curve flattens, and so do the
        steps — each one multiplies x by 1 − 2η = 0.8 — until, after 64 steps, the slope is
        too small to matter and the run has converged at the minimum x = 0.""",
        model=F1D_QUADRATIC, steps=100, speed=4,
        runs=[{"optimizer": "gd", "lr": 0.1, "start": [1.5]}]),
    _preset(
        "1d-learning-rates", "1D: three learning rates on one curve",
        """x² bends by f″ = 2 everywhere, so GD is stable for η < 2/f″ = 1. η = 0.1 creeps
        down one side (each step × 0.8). η = 0.9 overshoots to the other side at every step
        (× −0.8) yet also converges in 64 steps. η = 1.1 > 1 overshoots by more than it
        corrects (× −1.2): the loss grows every step and gdviz stops the run at step 42
        (the η sweep tab draws the bound).""",
        model=F1D_QUADRATIC, steps=100, speed=4,
        runs=[{"optimizer": "gd", "lr": 0.1, "start": [1.5]},
              {"optimizer": "gd", "lr": 0.9, "start": [1.5]},
              {"optimizer": "gd", "lr": 1.1, "start": [1.5]}],
        view={"tab": "sweep", "sweep_min": 0.01, "sweep_max": 2.0}),
    _preset(
        "lr-too-small", "Learning rate too small: a crawl",
        """On the bowl f = x² + y² every GD step multiplies the distance to the minimum by
        1 − 2η; with η = 0.001 that is 0.998. After 300 steps the loss has only fallen from
        3.25 to 0.98 — nothing is wrong except patience: at this pace the run needs about 6,900
        more steps to converge. Try η = 0.3.""",
        surface="bowl", steps=300, speed=60,
        runs=[{"optimizer": "gd", "lr": 0.001, "start": BOWL_START}]),
    _preset(
        "lr-just-right", "Learning rate just right",
        """Same bowl, same start, η = 0.3: each step multiplies the distance to the minimum
        by 1 − 2η = 0.4, so the run goes straight down and converges in 16 steps. At
        η = 0.5 = 1/λ it would land in one step; between 0.5 and 1 each step overshoots the
        minimum but still comes back a little closer.""",
        surface="bowl", steps=300, speed=5,
        runs=[{"optimizer": "gd", "lr": 0.3, "start": BOWL_START}]),
    _preset(
        "lr-oscillating", "Oscillating at η = 2/λ_max",
        """The bowl curves by λ = 2 in every direction, and GD is stable only for
        η < 2/λ_max = 1. At exactly η = 1 each step multiplies the position by 1 − 2η = −1:
        the run jumps from (1.5, 1) to (−1.5, −1) and back, forever, with the loss stuck at
        3.25. It neither converges nor diverges — it sits on the edge.""",
        surface="bowl", steps=300, speed=4,
        runs=[{"optimizer": "gd", "lr": 1.0, "start": BOWL_START}],
        view={'tab': 'stability'}),
    _preset(
        "lr-diverging", "Diverging: from overshoot to NaN",
        """With η = 1.1 > 2/λ_max = 1 each step multiplies the position by 1 − 2η = −1.2:
        it overshoots by more than it corrects, and the loss grows 1.44× per step (3.25,
        4.68, 6.74, …). By step 41 it is 10 million and gdviz stops the run. Left alone the
        numbers overflow to infinity and the loss becomes NaN — what "loss: nan" in a
        training log usually means.""",
        surface="bowl", steps=300, speed=8,
        runs=[{"optimizer": "gd", "lr": 1.1, "start": BOWL_START}],
        view={'tab': 'sweep', 'sweep_min': 0.01, 'sweep_max': 2.0}),
    _preset(
        "ravine-momentum", "The ravine zig-zag, and how momentum fixes it",
        """On f = x² + 10y² the walls (λ = 20) are 10× steeper than the floor (λ = 2), so GD
        must keep η below 2/20 = 0.1. At η = 0.095 every step throws y to the other wall
        (factor 1 − 20η = −0.9) and GD needs 127 steps. Momentum with μ = 0.3 and the same η
        adds up the steady pushes along the floor and cancels the alternating kicks across
        it: 35 steps (the usual μ = 0.9 is too much for a ravine this mild — it circles for
        256).""",
        surface="ravine", steps=300, speed=15,
        runs=[{"optimizer": "gd", "lr": 0.095, "start": RAVINE_START},
              {"optimizer": "momentum", "lr": 0.095, "momentum": 0.3, "start": RAVINE_START}]),
    _preset(
        "saddle-escape", "Saddle point: stuck, or escape",
        """f = x² − y² curves up along x and down along y: at (0, 0) the gradient is zero,
        yet it is no minimum. Both runs start on the ridge y = 0; exact GD (η = 0.05) never
        leaves it and stalls at the saddle after 135 steps. The second run adds a little
        gradient noise (σ = 0.01, as a mini-batch would): it slows to ‖∇L‖ = 0.06 near the
        saddle around step 40, then its tiny y grows 1 + 2η = 1.1× per step and it slides
        off downhill.""",
        surface="saddle", steps=150, speed=15,
        runs=[{"optimizer": "gd", "lr": 0.05, "start": [1.5, 0.0]},
              {"optimizer": "gd", "lr": 0.05, "start": [1.5, 0.0], "noise": 0.01}]),
    _preset(
        "plateau", "The plateau: my loss is not moving",
        """Far from the centre of f = 1 − exp(−(x² + y²)/2) the surface is almost flat: at
        (3, 2.5) the gradient is 0.0019, so GD with η = 0.5 moves about 0.001 per step. For
        250 steps the loss changes only in the third decimal (0.9995 → 0.997) — it looks
        stuck, yet this is no minimum, and by step 345 it has dropped to 0. Adam (η = 0.05)
        divides each step by the gradient's size, so it crosses the flat part at full speed
        and is off the plateau by step 40.""",
        surface="plateau", steps=400, speed=40,
        runs=[{"optimizer": "gd", "lr": 0.5, "start": [3.0, 2.5]},
              {"optimizer": "adam", "lr": 0.05, "start": [3.0, 2.5]}]),
    _preset(
        "local-minimum", "Trapped in a local minimum",
        """f = (x² − 1)² + 0.3x + y² has two wells: the global minimum at (−1.04, 0) with
        loss −0.305, and a shallower one at (0.96, 0) with loss 0.294. Started at (1.8, 1),
        GD (η = 0.05) rolls into the nearer, right-hand well and converges there in 125
        steps: its gradient is zero, so nothing pushes it out. Gradient descent only goes
        downhill from where it starts — start it left of the ridge at x = 0.075 and it finds
        the global minimum.""",
        surface="two_wells", steps=300, speed=20,
        runs=[{"optimizer": "gd", "lr": 0.05, "start": [1.8, 1.0]}],
        view={'tab': 'basins'}),
    _preset(
        "rastrigin", "Rastrigin: a minimum in every cell",
        """f = 20 + x² − 10cos 2πx + y² − 10cos 2πy has a local minimum near every
        integer point: 121 of them in this square. Four GD runs (η = 0.002) each stop
        within 15 steps in the minimum nearest their start — near (2, −3) with loss 12.9,
        (−1, 2) with 4.97 and (4, 1) with 16.9 — and only the one started at (0.4, 0.3)
        reaches the global minimum, 0. Where GD ends depends on where it starts, not on how
        long it runs.""",
        surface="rastrigin", steps=300, speed=5,
        runs=[{"optimizer": "gd", "lr": 0.002, "start": s}
              for s in ([2.2, -3.1], [-1.3, 2.4], [3.6, 0.8], [0.4, 0.3])],
        view={'tab': 'scatter'}),
    _preset(
        "rosenbrock-adam", "Rosenbrock's valley: GD vs Adam",
        """Near its minimum (1, 1) the Rosenbrock valley is 2,500× steeper across than
        along (λ = 1002 vs 0.4), so GD must keep η below 2/λ_max = 0.002. At η = 0.001 it
        crawls along the flat floor: after 1,000 steps it is at (−0.66, 0.44) with loss 2.8.
        Adam (η = 0.05) scales each coordinate's step by its recent gradient size, so the
        floor gets full-size steps: loss 0.0003 at (0.98, 0.96) in the same 1,000 steps.""",
        surface="rosenbrock", steps=1000, speed=100,
        runs=[{"optimizer": "gd", "lr": 0.001, "start": [-1.5, 2.0]},
              {"optimizer": "adam", "lr": 0.05, "start": [-1.5, 2.0]}]),
    _preset(
        "himmelblau-basins", "Himmelblau: four minima, four basins",
        """Himmelblau's function has four minima, all with loss 0: (3, 2), (−2.81, 3.13),
        (−3.78, −3.28) and (3.58, −1.85). These four GD runs (η = 0.01) start within 1.2 of
        each other — (−1, −1), (−0.5, −0.5), (0, −0.5) and (0, −1) — and end in four
        different minima. They start around the hilltop at (−0.27, −0.92), where the four
        basins meet, so a small change of start decides the answer.""",
        surface="himmelblau", steps=200, speed=15,
        runs=[{"optimizer": "gd", "lr": 0.01, "start": s}
              for s in ([-1.0, -1.0], [-0.5, -0.5], [0.0, -0.5], [0.0, -1.0])],
        view={'tab': 'basins', 'basins_n': 128}),
    _preset(
        "linreg2", "Linear regression with two weights",
        """The model ŷ = w1·x1 + w2·x2 is fit by mean squared error to 100 points made by
        y = 1·x1 − 2·x2 plus noise (σ = 0.1). Its loss is a quadratic bowl in (w1, w2) with
        curvatures 1.32 and 0.21, so GD with η = 0.1 (far below 2/λ_max = 1.52) slides
        downhill and the loss falls at every single step: 12.8 → 0.0123 in 650 steps. It
        ends at w = (0.979, −2.001), not exactly (1, −2): the noise in the data decides where
        the best fit is.""",
        model={"kind": "linreg2"}, steps=700, speed=60,
        runs=[{"optimizer": "gd", "lr": 0.1, "start": [2.0, 3.0]}],
        view={'tab': 'fit'}),
    _preset(
        "init-compared", "Initialisation compared",
        """Four copies of one network (3 hidden layers of 16 relu units, on moons), trained
        by the same GD with η = 0.5 and differing only in their initial weights. Xavier and
        He start small and well scaled and reach 100 % accuracy (He by step 50, xavier by
        step 100). Zeros never moves: every unit computes the same thing, no weight gets a
        gradient and accuracy stays at 50 %, chance. Large N(0, 1) weights start with
        first-layer gradients 50× xavier's (1.38 vs 0.029), and the same η explodes at step 8.""",
        model={"kind": "mlp", "dataset": "moons", "hidden": [16, 16, 16], "activation": "relu"},
        steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.5, "init": i}
              for i in ("xavier", "he", "zeros", "large")]),
    _preset(
        "vanishing-gradients", "Vanishing gradients in a deep sigmoid net",
        """Four hidden layers of 8 sigmoid units learn xor from xavier weights. Backpropagation
        multiplies by σ′ ≤ 0.25 at every layer, so at the start the first layer's gradient is
        1.3e-6 while the last layer's is 0.024 — 18,000× smaller (see the per-layer gradient
        norms). Plain GD (η = 0.5) hardly moves the early layers and the loss stays at
        ln 2 = 0.693, a coin flip, for all 300 steps; Adam (η = 0.01) rescales every weight's
        step by its own gradient size and learns xor (99 % by step 150).""",
        model={"kind": "mlp", "dataset": "xor", "hidden": [8, 8, 8, 8],
               "activation": "sigmoid", "init": "xavier"},
        steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.5}, {"optimizer": "adam", "lr": 0.01}],
        view={'tab': 'why'}),
    _preset(
        "vanishing-diagram", "Vanishing gradients, seen in the network",
        """The same deep sigmoid net on xor, in the network diagram's gradients view: a line
        is as thick as log |∂L/∂w| (over 4 decades) and a neuron greys as |∂L/∂b| falls, both
        against the largest at step 0, one scale for every step. At the start the first
        layer's largest |∂L/∂w| is 7.5e-7, about 10,000× below the last layer's 0.0077: its
        lines have faded out, every layer back from the output is thinner, and the whole
        first hidden layer is grey (below a thousandth). Plain GD is stuck: by step 300 its
        largest |∂L/∂w| is 2.5e-6, about 3,000× below the start's, so every line is a
        hairline or gone and every neuron grey. Select run 2 (Adam): by step 150, when it
        has learned xor, the first layer's lines are the thickest.""",
        model={"kind": "mlp", "dataset": "xor", "hidden": [8, 8, 8, 8],
               "activation": "sigmoid", "init": "xavier"},
        steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.5}, {"optimizer": "adam", "lr": 0.01}],
        view={"tab": "net", "net_mode": "gradients"}),
    _preset(
        "backprop-xor", "Backprop, one step by hand",
        """A 2-2-1 tanh network with a sigmoid output learns xor (95 % by step 74, GD with
        η = 2); the Backprop tab walks its first step for point 0 at (0.26, 0.79), class 1.
        Forward: hidden unit 1 gets z = 0.540 and a = tanh z = 0.493; the output gives
        p = σ(−0.246) = 0.439 and the loss −log 0.439 = 0.824. Backward: δ = p − y = −0.561
        at the output, times the weight −0.536 and tanh′ = 1 − 0.493² = 0.757, gives
        δ = 0.228 at hidden unit 1, so ∂ℓ/∂W1[1, 1] = x1·δ = 0.259 × 0.228 = 0.0589. The step
        uses the mean over all 40 points, 0.0107 (this point adds 0.00147), and moves
        W1[1, 1] from 0.126 to 0.104.""",
        model={"kind": "mlp", "dataset": "xor", "n": 40, "test_fraction": 0.0, "hidden": [2],
               "activation": "tanh", "head": "sigmoid_bce", "init": "he", "seed": 1},
        steps=300, speed=10,
        runs=[{"optimizer": "gd", "lr": 2.0}],
        view={"tab": "backprop", "point": 0}),
    _preset(
        "softmax-ce", "Softmax and cross-entropy, with numbers",
        """Softmax turns a network's scores z into probabilities pₖ = e^zₖ / Σⱼ e^zⱼ, and
        cross-entropy charges −log p of the true class. Point 1 is class 0; at the start its
        5 scores (−0.222, 0.473, 0.080, 0.204, 0.306) are nearly equal, so p₀ = 0.132, the loss
        is −log 0.132 = 2.03, and ∂ℓ/∂z = p − onehot = (−0.868, 0.264, 0.178, 0.202, 0.224)
        pushes z₀ up and the others down. "Type your own scores" does the course's example
        (0.2, 1.3, 25.7, −11, 102): p = 1 for 102 and 6.15e-45 for 0.2 — and e^102 overflows
        float32, which is why the max is subtracted first. GD (η = 0.5) takes the mean loss
        from 1.64 (about ln 5 = 1.61, a 5-way guess) to 0.31 in 300 steps.""",
        model={"kind": "mlp", "dataset": "blobs", "classes": 5, "hidden": [16],
               "activation": "tanh"},
        steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.5}],
        view={"tab": "head", "point": 1}),
    _preset(
        "batch-noise", "Batch size and noise",
        """A mini-batch gradient is the true gradient plus noise that shrinks like 1/√B, so
        these four GD runs (η = 0.1, on the bowl) add Gaussian noise σ to the gradient: σ = 0
        is the full batch, and each doubling of σ stands for a batch 4× smaller. The exact run
        converges in 65 steps; the noisy ones get down just as fast but keep jittering
        around the minimum at a noise floor, a mean loss near ησ²/(2(1 − η)) = 0.014, 0.056
        and 0.22 for σ = 0.5, 1 and 2 (over their last 160 steps: 0.014, 0.043 and 0.20). Smaller batches, higher noise floor — unless the learning rate
        decays (see the schedules lesson).""",
        surface="bowl", steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.1, "start": BOWL_START, "noise": s}
              for s in (0.0, 0.5, 1.0, 2.0)]),
    _preset(
        "minibatch-sgd", "Steps, batches and epochs: mini-batch SGD",
        """This network (2 hidden layers of 16 tanh units, 320 training points of moons) takes
        one GD step per batch of 8 points, so 40 steps make one epoch — one pass over the
        data. Each step sees a different batch, and the full training loss goes up on 172
        of the 400 steps, yet it falls from 0.70 to 0.19 in these 10 epochs. Full-batch GD
        with the same η = 0.1 needs 400 epochs to reach 0.17: many cheap, noisy steps beat a
        few exact ones.""",
        model={"kind": "mlp", "dataset": "moons", "batch_size": 8},
        steps=400, speed=40,
        runs=[{"optimizer": "gd", "lr": 0.1}]),
    _preset(
        "schedules", "Learning-rate schedules: settle down",
        """Both runs do GD with η = 0.09 on the ravine f = x² + 10y² with noisy gradients
        (σ = 1, like small mini-batches). With a constant rate the run reaches the valley but
        keeps bouncing around it, at a loss of about 0.2 — the noise floor grows with η. The
        cosine schedule lowers η smoothly from 0.09 to 0 over the 300 steps, so the bouncing
        dies down and it settles at loss 0.002: big steps early, small steps late.""",
        surface="ravine", steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.09, "start": RAVINE_START, "noise": 1.0},
              {"optimizer": "gd", "lr": 0.09, "start": RAVINE_START, "noise": 1.0,
               "schedule": "cosine", "T_max": 300}]),
    _preset(
        "cnn-digits", "A tiny CNN learns handwritten digits",
        """Eight 3×3 kernels, a 2×2 max-pool and one dense layer — 810 weights — learn the 8×8
        digits from 256 training images with Adam (η = 0.01). The loss falls from 2.85 to
        0.016 in 200 steps and training accuracy reaches 100 %, while the 64 held-out digits
        stop at 90.6 %: the confusion matrix shows which ones it mixes up. Pick an image to
        watch each kernel slide over it, the feature maps it makes, the pool's winners and
        the softmax against the one-hot target.""",
        model={"kind": "cnn"}, steps=200, speed=20,
        runs=[{"optimizer": "adam", "lr": 0.01}], view={"tab": "confusion"}),
    _preset(
        "maxpool-routing", "Max-pooling routes the gradient",
        """Each 2×2 max-pool keeps the largest of four relu outputs: 9 of the 36 pixels of
        every 6×6 map. Going back, the gradient that arrives at the 3×3 pooled map goes to
        those 9 winners unchanged and the other 27 get exactly 0 — the gradient of the
        maximum is 1, of the others 0 — so each kernel learns only from the patches that
        won. A window of equal values (25 % of them at the start: four zeros after relu)
        sends it to its first pixel, top-left, as torch does, and there relu′(0) = 0 stops
        it.""",
        model={"kind": "cnn"}, steps=200, speed=10,
        runs=[{"optimizer": "adam", "lr": 0.01}], view={"cnn_mode": "backward"}),
    _preset(
        "kernels-learn-edges", "Kernels learn edges",
        """Four 3×3 kernels start as random noise and learn from 640 clean images of bars,
        diagonals, crosses and squares (AdamW, η = 0.02, weight decay 0.1 pulling every
        weight towards 0, so only what helps survives). By step 400 kernel 3 is a horizontal
        edge detector — its rows read −0.8, +0.8 and +0.4 across — and the test accuracy is
        98.8 %. Set the data's noise to 1 and the strokes drown: no kernel becomes an edge,
        test accuracy never passes 52 % and the run ends oscillating at step 199.""",
        model={"kind": "cnn", "dataset": "shapes", "n": 800, "kernels": [4], "init": "xavier"},
        steps=400, speed=30,
        runs=[{"optimizer": "adamw", "lr": 0.02, "weight_decay": 0.1}]),
    _preset(
        "complex-gradient", "A complex weight: the missing conjugate",
        """One complex weight w fits ŷ = w·x to complex data by GD (η = 0.05). Run 1 steps
        along torch's gradient 2·mean((ŷ − y)·x̄) and walks straight down to w* = 0.989 +
        1.01i in 111 steps. Run 2 uses the hand-derived 2·mean((ŷ − y)·x) — the conjugate
        dropped: its first step points 89° away from downhill, so w circles the minimum,
        spiralling out, and after 300 steps its loss has risen from 9.52 to 71.6.""",
        model={"kind": "complex_linreg"}, steps=300, speed=30,
        runs=[{"optimizer": "gd", "lr": 0.05},
              {"optimizer": "gd", "lr": 0.05, "grad_rule": "no_conjugate"}]),
]

PRESETS: dict[str, Preset] = {p.id: p for p in _ALL}
assert len(PRESETS) == len(_ALL), "preset ids must be unique"

