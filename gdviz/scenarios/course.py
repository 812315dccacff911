"""The guided path, "Start here": an ordered course through the preset lessons.

Each ``CourseStep`` is a preset (its link is the step's link, so a lecturer can send any
one) with a one-line goal the student can try. Most goals are checked live: a ``Check``
says what a run must show — converge by a step (with at least some η), get its loss or
accuracy below/above a value by a step, or end far from a point — and the page ticks the
step when the selected run shows it (static/js/guide/checks.js reads the same fields).
A goal with no check asks the student to look and read (the step's numbers are in its
lesson); the page ticks it when they move on.

Every goal is true and achievable: ``tests/scenarios/test_course.py`` runs, for each
checked goal, a change a student can make with the page's controls (an η on the slider,
a start inside the domain, another optimizer) and shows it meets the check — and that
the preset as it opens does not, so the goal asks for something.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from .presets import PRESETS

LR_SLIDER = (1e-4, 10.0)
"""The learning-rate slider's range on the page (log scale, values rounded to 3 significant
digits); a goal that asks for an η is reachable within it."""

CheckKind = Literal["converged", "loss_below", "accuracy_at_least", "beyond"]


@dataclass(frozen=True)
class Check:
    """What run ``run`` must show for the goal to be met.

    * ``converged``: status ``converged`` at a step ≤ ``by`` (and, with ``lr_min``, with an
      η ≥ ``lr_min``: "just below the bound", "overshooting but converging");
    * ``loss_below``: some frame at a step ≤ ``by`` has loss < ``value``;
    * ``accuracy_at_least``: some frame at a step ≤ ``by`` has accuracy ≥ ``value``;
    * ``beyond``: some frame has |weight ``index``| ≥ ``value`` (slid off the ridge y = 0).
    """

    kind: CheckKind
    run: int = 0
    by: int | None = None
    value: float | None = None
    lr_min: float | None = None
    index: int | None = None


@dataclass(frozen=True)
class CourseStep:
    preset: str
    chapter: str
    goal: str
    check: Check | None = None

    def public(self) -> dict:
        """The step as the page and ``GET /api/course`` give it."""
        p = PRESETS[self.preset]
        return {"preset": self.preset, "title": p.title, "chapter": self.chapter,
                "goal": self.goal, "check": None if self.check is None else _compact(self.check),
                "url": guide_url(self.preset)}


def _compact(check: Check) -> dict:
    return {k: v for k, v in asdict(check).items() if v is not None}


def guide_url(preset_id: str) -> str:
    """A step's link: the preset's playground link with the guide bar shown (``guide=1``)."""
    return PRESETS[preset_id].url_with(guide=True)


COURSE: tuple[CourseStep, ...] = (
    CourseStep("1d-slope", "One variable",
               "Make it converge in under 10 steps.",
               Check("converged", by=9)),
    CourseStep("1d-learning-rates", "One variable",
               "Give run 1 the η that lands on the minimum in a single step.",
               # it lands at step 1; "converged" is said at step 2, once it has stayed there
               Check("converged", run=0, by=2)),
    CourseStep("lr-too-small", "Learning rates",
               "Make it converge in under 20 steps.",
               Check("converged", by=19)),
    CourseStep("lr-just-right", "Learning rates",
               "Find an η that overshoots the minimum at every step yet converges in under "
               "20 steps.",
               Check("converged", by=19, lr_min=0.51)),
    CourseStep("lr-oscillating", "Learning rates",
               "Lower η just a little — to no less than 0.9 — and make it converge.",
               Check("converged", by=300, lr_min=0.9)),
    CourseStep("lr-diverging", "Learning rates",
               "Open η sweep, read the bound 2/λ_max, and converge with an η of at least 0.95.",
               Check("converged", by=300, lr_min=0.95)),
    CourseStep("ravine-momentum", "Hard landscapes",
               "Tune plain GD's η (run 1) so it converges in under 100 steps.",
               Check("converged", run=0, by=99)),
    CourseStep("saddle-escape", "Hard landscapes",
               "Start run 1 just off the ridge (y ≠ 0) and watch it slide off the saddle.",
               Check("beyond", run=0, index=1, value=1.0)),
    CourseStep("plateau", "Hard landscapes",
               "Give GD (run 1) an η that gets it off the plateau — loss below 0.01 by step 100.",
               Check("loss_below", run=0, value=0.01, by=100)),
    CourseStep("local-minimum", "Hard landscapes",
               "Move the start so GD ends in the global minimum (loss −0.305).",
               Check("loss_below", run=0, value=-0.3, by=300)),
    CourseStep("rosenbrock-adam", "Optimizers",
               "Raise Adam's η (run 2) until its loss is below 0.0001 within the 1,000 steps.",
               Check("loss_below", run=1, value=1e-4, by=1000)),
    CourseStep("linreg2", "Networks",
               "Make the regression converge in under 100 steps (its bound is 2/λ_max = 1.52).",
               Check("converged", by=99)),
    CourseStep("minibatch-sgd", "Networks",
               "Raise η until the training loss is below 0.1 by step 200.",
               Check("loss_below", value=0.1, by=200)),
    CourseStep("vanishing-gradients", "Networks",
               "Switch run 1 from GD to Adam, η = 0.01 as run 2's, and watch it learn xor "
               "(95 % accuracy).",
               Check("accuracy_at_least", run=0, value=0.95, by=300)),
    CourseStep("backprop-xor", "Inside the network",
               "Change η so the network learns xor (95 % accuracy) in under 50 steps.",
               Check("accuracy_at_least", value=0.95, by=49)),
    CourseStep("softmax-ce", "Inside the network",
               "Type the scores 0.2, 1.3, 25.7, −11, 102 in “Type your own scores”: which "
               "class gets p = 1?"),
)

STEPS: dict[str, CourseStep] = {s.preset: s for s in COURSE}
assert len(STEPS) == len(COURSE), "a preset appears once in the course"
assert all(s.preset in PRESETS for s in COURSE), "every step is a preset"


def met(check: Check, run: dict, lr: float) -> bool:
    """Whether one run's result (``POST /api/run``'s ``{status, frames}``), trained with
    learning rate ``lr``, meets ``check`` — the rule the page applies live to the frames it
    has (static/js/guide/checks.js; tests/test_js_units.py keeps the two in step)."""
    frames = [f for f in run["frames"] if check.by is None or f["step"] <= check.by]
    if check.kind == "converged":
        return (run["status"] == "converged" and run["frames"][-1]["step"] <= check.by
                and (check.lr_min is None or lr >= check.lr_min))
    if check.kind == "loss_below":
        return any(f["loss"] is not None and f["loss"] < check.value for f in frames)
    if check.kind == "accuracy_at_least":
        return any(f.get("accuracy") is not None and f["accuracy"] >= check.value for f in frames)
    return any(f["params"] is not None and f["params"][check.index] is not None
               and abs(f["params"][check.index]) >= check.value for f in frames)


def course() -> list[dict]:
    """The course in order, as the page and ``GET /api/course`` give it."""
    return [s.public() for s in COURSE]
