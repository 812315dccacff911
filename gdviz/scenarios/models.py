"""The Scenario: everything that defines what a page, a link or a request runs.

One pydantic model serves ``POST /api/run``, the WebSocket ``start`` message
and the page's query string. Unknown fields are refused, every number is
finite and bounded, and each hyperparameter must belong to its run's
optimizer — so a bad request fails with a message naming the field and limit.
Hyperparameter ranges come from the optimizer registry (one source of truth).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, ConfigDict, Field, ValidationError,
                      field_validator, model_validator)
from pydantic_core import PydanticCustomError

from gdviz.engine.nets.init import INITS
from gdviz.engine.optimizers import OPTIMIZERS, HyperParam
from gdviz.engine.schedules import KINDS as SCHEDULES, Schedule
from gdviz.engine.expr import ExprError
from gdviz.engine.expr.surface import DomainError, expr_surface
from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios.numbers import Model
from gdviz.validation import field_path, summary

from .kinds import DEFAULT_SURFACE, KINDS, ModelSpec, kind_of
from .objectives import objective_of

MAX_RUNS = 6
MAX_STEPS = 10_000
MAX_COORD = 1e4
MAX_SPEED = 2000.0
MIN_WEIGHTS = min(k.capabilities.min_weights for k in KINDS.values())
MAX_WEIGHTS = max(k.capabilities.max_weights for k in KINDS.values())
"""The fewest and the most weights any objective has (a run's ``start`` is that long)."""
GRAD_RULES = tuple(dict.fromkeys(r for k in KINDS.values() for r in k.capabilities.grad_rules))
"""The gradient rules some kind's runs may choose (``rK.grad_rule``)."""


def _spec(name: str) -> HyperParam:
    """The registry's range for ``name`` (the same for every optimizer that has it)."""
    specs = {(p.min, p.max) for o in OPTIMIZERS.values() for n, p in o.params.items() if n == name}
    assert len(specs) == 1, f"optimizers disagree on the range of {name}"
    lo, hi = specs.pop()
    return HyperParam(0.0, lo, hi)


def _hp(name: str):
    s = _spec(name)
    return Annotated[float | None, Field(default=None, ge=s.min, le=s.max, allow_inf_nan=False)]


def unknown_surface(v: str) -> str:
    """The message for a surface id that is not in the registry."""
    return f"unknown surface {v!r}; choose one of {', '.join(SURFACES)}"


def _known_surface(v: str) -> str:
    if v not in SURFACES:
        raise ValueError(unknown_surface(v))
    return v


SurfaceId = Annotated[str, AfterValidator(_known_surface),
                      Field(description="one of " + ", ".join(SURFACES))]
Coordinate = Annotated[float, Field(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]
Beta = Annotated[float, Field(ge=_spec("betas").min, le=_spec("betas").max, allow_inf_nan=False)]
HYPER_NAMES = sorted({n for o in OPTIMIZERS.values() for n in o.params})
SCHEDULE_FIELDS = ("step_size", "gamma", "T_max", "eta_min", "warmup_steps")
BRANCH_INHERITS = ("start", "init", "clip_norm", "noise", "grad_rule")
"""A branch's fields that must be its parent's (they shaped the path it goes on from)."""


class RunSpec(Model):
    """One run: an optimizer, its hyperparameters (torch's names) and a start point."""

    model_config = ConfigDict(extra="forbid")

    optimizer: str = Field("gd", description="one of " + ", ".join(OPTIMIZERS))
    start: list[Coordinate] | None = Field(
        None, min_length=MIN_WEIGHTS, max_length=MAX_WEIGHTS,  # Scenario checks the objective's
        description="start point [x, y] (a network: every weight); default: the surface's "
                    "suggested start, or for a network the weights drawn by `init`")
    init: Literal[INITS] | None = Field(
        None, description="networks only: this run's initialisation (default: the model's)")
    lr: _hp("lr")
    momentum: _hp("momentum")
    dampening: _hp("dampening")
    weight_decay: _hp("weight_decay")
    alpha: _hp("alpha")
    eps: _hp("eps")
    lr_decay: _hp("lr_decay")
    initial_accumulator_value: _hp("initial_accumulator_value")
    betas: tuple[Beta, Beta] | None = None
    # learning-rate schedule (torch.optim.lr_scheduler formulas; see gdviz/engine/schedules.py)
    schedule: Literal[SCHEDULES] | None = Field(None, description="one of " + ", ".join(SCHEDULES))
    step_size: int | None = Field(None, ge=1, le=MAX_STEPS, description="step: decay every k")
    gamma: float | None = Field(None, ge=0.5, le=1.0, allow_inf_nan=False,
                                description="step/exponential: decay factor γ")
    T_max: int | None = Field(None, ge=1, le=MAX_STEPS, description="cosine: period")
    eta_min: float | None = Field(None, ge=0, le=1e6, allow_inf_nan=False,
                                  description="cosine: final learning rate")
    warmup_steps: int | None = Field(None, ge=1, le=MAX_STEPS, description="warm-up length")
    # gradient transforms
    clip_norm: float | None = Field(None, gt=0, le=1e6, allow_inf_nan=False,
                                    description="clip each gradient to this norm")
    noise: float | None = Field(None, ge=0, le=1e3, allow_inf_nan=False,
                                description="σ of seeded Gaussian noise added to the gradient")
    grad_rule: Literal[GRAD_RULES] | None = Field(
        None, description="the gradient this run steps with, where the objective offers "
                          "more than ∇L (complex_linreg: conjugate — torch's 2·mean((ŷ−y)·x̄), "
                          "the default — or no_conjugate, the mistake 2·mean((ŷ−y)·x))")
    # a branch (docs/protocol.md, `branch`): run `branch_of` up to step `branch_at`, then on
    # with this run's hyperparameters and schedule
    branch_of: int | None = Field(
        None, ge=0, lt=MAX_RUNS,
        description="a branch: the run (an earlier one) whose exact state at step "
                    "`branch_at` — weights and optimizer state — this run goes on from")
    branch_at: int | None = Field(None, ge=0, le=MAX_STEPS,
                                  description="a branch: the step it leaves its parent at")

    @field_validator("optimizer")
    @classmethod
    def _known_optimizer(cls, v: str) -> str:
        if v not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {v!r}; choose one of {', '.join(OPTIMIZERS)}")
        return v

    @model_validator(mode="after")
    def _hyper_belong_to_optimizer(self) -> "RunSpec":
        allowed = OPTIMIZERS[self.optimizer].params
        for name in HYPER_NAMES:
            if getattr(self, name) is not None and name not in allowed:
                raise ValueError(f"{name} is not a hyperparameter of {self.optimizer} "
                                 f"(it takes {', '.join(allowed)})")
        return self

    def schedule_spec(self) -> Schedule | None:
        if self.schedule in (None, "constant"):
            return None
        given = {k: getattr(self, k) for k in SCHEDULE_FIELDS if getattr(self, k) is not None}
        return Schedule(kind=self.schedule, **given)

    def hyper(self) -> dict[str, Any]:
        """Every hyperparameter of the optimizer, defaults filled in."""
        out = {}
        for name, p in OPTIMIZERS[self.optimizer].params.items():
            v = getattr(self, name)
            out[name] = p.default if v is None else v
        return out


def _check_expr(text: str) -> str:
    """A custom f(x, y) that parses (docs/expressions.md); a refused one is a validation
    error whose context carries the offending token's columns, for the page to underline."""
    try:
        expr_surface(text)
    except ExprError as e:
        raise PydanticCustomError("expr", "{message}", e.as_dict()) from None
    except DomainError:
        pass  # the default domain is always valid
    return text


Domain = tuple[tuple[Coordinate, Coordinate], tuple[Coordinate, Coordinate]]
ExprText = Annotated[str, AfterValidator(_check_expr)]


def check_objective(request) -> list[str]:
    """The objective fields ``request`` (a Scenario or a landscape request) names, after
    checking it names at most one and that a ``domain`` goes with an ``expr`` it fits."""
    named = [k for k in ("surface", "expr", "model")
             if k in request.model_fields_set and getattr(request, k, None) is not None]
    if len(named) > 1:
        raise ValueError(f"give one objective — surface, expr or model — not {' and '.join(named)}")
    if request.domain is not None:
        if request.expr is None:
            raise ValueError("domain: only a custom expr takes a domain (a named surface has "
                             "its own); leave it out")
        try:
            expr_surface(request.expr, request.domain)
        except (DomainError, ExprError) as e:
            raise ValueError(f"domain: {e}") from None
    return named


class Scenario(Model):
    """An objective (a named surface, a custom f(x, y) or a model) and up to six runs on
    it, with the step budget, seed and speed. With none of ``surface``, ``expr`` and
    ``model``, the surface is himmelblau."""

    model_config = ConfigDict(extra="forbid")

    surface: SurfaceId | None = None
    expr: ExprText | None = Field(
        None, description="a custom f(x, y), e.g. `x**2 + 3*sin(y)` (docs/expressions.md): "
                          "≤ 200 characters, exact gradient")
    domain: Domain | None = Field(
        None, description="with expr: the x/y range [[xmin, xmax], [ymin, ymax]] "
                          "(default [[-3, 3], [-3, 3]])")
    model: ModelSpec | None = Field(None, description="a tiny model trained on data "
                                                      "(docs/models.md)")
    runs: list[RunSpec] = Field(default_factory=lambda: [RunSpec(lr=0.01)],
                                min_length=1, max_length=MAX_RUNS)
    steps: int = Field(500, ge=1, le=MAX_STEPS, description="maximum updates per run")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    speed: float = Field(30.0, ge=1, le=MAX_SPEED, allow_inf_nan=False,
                         description="playback speed in steps per second (streaming only)")

    @model_validator(mode="after")
    def _one_objective(self) -> "Scenario":
        named = check_objective(self)
        if not named:
            self.surface = DEFAULT_SURFACE
        can = kind_of(self).capabilities
        for i, run in enumerate(self.runs):
            if run.init is not None and not can.init:
                raise ValueError(f"runs.{i}.init: only a network (model kind "
                                 f"{_kinds_with_init()}) has an initialisation; leave it out")
            if run.grad_rule is not None and run.grad_rule not in can.grad_rules:
                raise ValueError(f"runs.{i}.grad_rule: {_grad_rule_owners()}; leave it out")
            if run.start is not None and can.weights == "plane" and len(run.start) != 2:
                raise ValueError(f"runs.{i}.start: give two numbers [x, y], "
                                 f"got {len(run.start)}")
        if can.weights != "plane" and any(run.start is not None for run in self.runs):
            self._check_starts()
        self._check_branches()
        return self

    def _check_branches(self) -> None:
        """A branch names an earlier run and a step within the budget, keeps its parent's
        optimizer (its state goes on) and inherits what shaped the parent's path so far."""
        for i, run in enumerate(self.runs):
            if (run.branch_of is None) != (run.branch_at is None):
                given, missing = (("branch_of", "branch_at") if run.branch_at is None
                                  else ("branch_at", "branch_of"))
                raise ValueError(f"runs.{i}.{missing}: a branch needs both branch_of and "
                                 f"branch_at (only {given} given)")
            if run.branch_of is None:
                continue
            p = run.branch_of
            if p >= i:
                raise ValueError(f"runs.{i}.branch_of: a branch comes after its parent; "
                                 f"give a run before run {i} (got {p})")
            if run.branch_at >= self.steps:
                raise ValueError(f"runs.{i}.branch_at: {run.branch_at} is not before the "
                                 f"last step ({self.steps})")
            parent = self.runs[p]
            if run.optimizer != parent.optimizer:
                raise ValueError(f"runs.{i}.optimizer: a branch goes on with its parent's "
                                 f"optimizer state, so it keeps run {p}'s optimizer "
                                 f"({parent.optimizer}), not {run.optimizer}")
            for name in BRANCH_INHERITS:
                if getattr(run, name) is not None and getattr(run, name) != getattr(parent, name):
                    raise ValueError(f"runs.{i}.{name}: a branch goes on from run {p}'s "
                                     f"state, so its {name} is run {p}'s; leave it out")

    def _check_starts(self) -> None:
        dim = objective_of(self).dim  # builds the model (cached)
        for i, run in enumerate(self.runs):
            if run.start is not None and len(run.start) != dim:
                if dim == 1:
                    raise ValueError(f"runs.{i}.start: f(x) has one variable; give one "
                                     f"number x, got {len(run.start)}")
                raise ValueError(f"runs.{i}.start: this network has {dim} weights; give "
                                 f"{dim} numbers, or leave start out to draw them by init")


def _grad_rule_owners() -> str:
    """Which kinds' runs choose a gradient rule, and which rules."""
    return "only " + " and ".join(f"model kind {k.id} ({', '.join(k.capabilities.grad_rules)})"
                                  for k in KINDS.values() if k.capabilities.grad_rules) + \
        " has a gradient rule to choose"


def _kinds_with_init() -> str:
    return " or ".join(k.id for k in KINDS.values() if k.capabilities.init)


def check_changes(optimizer: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate a live hyperparameter change with the same rules as a RunSpec.

    Only the optimizer's own hyperparameters change live (not its id, the start, the
    schedule or the transforms, which shape the whole run), and each needs a value:
    null would leave the run with no learning rate. ``ValueError`` names the field as
    ``changes.<name>``."""
    allowed = OPTIMIZERS[optimizer].params
    for name, value in changes.items():
        if name not in allowed:
            raise ValueError(f"{field_path(('changes', name))}: not a hyperparameter of "
                             f"{optimizer} (it takes {', '.join(allowed)})")
        if value is None:
            raise ValueError(f"changes.{name}: give a value, not null")
    try:
        spec = RunSpec.model_validate({"optimizer": optimizer, **changes})
    except ValidationError as e:
        raise ValueError(summary([{**err, "loc": ("changes", *err.get("loc", ()))}
                                  for err in e.errors()])) from None
    return {k: (list(v) if isinstance(v, tuple) else v)
            for k, v in spec.model_dump(include=set(changes)).items()}
