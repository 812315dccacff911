"""What one objective kind declares (docs/kinds.md).

An objective kind is what a scenario trains: a named surface, a typed f(x, y), or a model
(linreg2, logreg2, mlp, …). Everything the rest of gdviz needs to know about a kind lives
in its ``ObjectiveKind``:

* how a link and a request name it (``named_by``: the scenario field ``surface``, ``expr``
  or ``model``) and, for a model, its pydantic ``spec`` (the ``model`` object);
* how to build the engine objective (``build``), what the page is told about it
  (``describe``) and what each frame adds (``frame_fields``);
* what it can do (``Capabilities``) and what the page shows of it (``Page``).

Routes, the stream, the exports, the link reader and the page ask the entry (the page
reads it from ``GET /api/schema``); none of them names a kind.

``build`` and ``describe`` take a *source*: anything with the objective's fields
(``surface``, ``expr``, ``domain``, ``model``, and optionally ``seed``) — a ``Scenario``,
a landscape request, or ``ObjectiveFields``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

Weights = Literal["plane", "vector"]
Format = Literal["num", "int", "pct", "batch"]
BUILT_IN_MAIN = ("contour", "boundary")
"""The page's own main views (templates/playground.html); a kind may add plug-ins."""
BUILT_IN_TABS = ("fit", "3d", "net", "backprop", "head", "step", "why", "slice", "stability",
                 "sweep", "basins", "scatter")
"""The page's own Explore tabs, in the order the page lays them out."""


@dataclass(frozen=True)
class Capabilities:
    """What a kind can do; the server enforces it and the page reads it."""

    weights: Weights
    """``plane``: exactly two weights (x, y) — a point on a contour, a start to click,
    paths; the landscape tools (stability, sweep, basins, scatter) take it. ``vector``:
    any number of weights; a run's ``start`` gives all of them."""
    min_weights: int = 2
    max_weights: int = 2
    """The fewest and the most weights an objective of this kind has (they bound a run's
    ``start`` before the objective is built)."""
    init: bool = False
    """Runs choose how their weights are drawn (``rK.init``): the objective has
    ``init_params(init, seed)``."""
    thin_frames: bool = False
    """A stream sends the weights (and gradient, update) only on the newest frame of each
    message: hundreds of weights per step would flood a browser."""
    diagnosis: bool = False
    """"Why isn't my loss moving?" findings, live and in ``POST /api/run`` (from the frame
    fields ``grad_norm`` and ``rel_update``)."""
    slice: bool = False
    """The loss on a plane through the weights (the WebSocket ``slice`` message)."""
    trace: bool = False
    """One training point's step through the model (``POST /api/trace``, the link's
    ``point``): the objective is a layered model ``gdviz.engine.nets.trace`` walks, and its
    description's ``net`` gives its layers for the page's network, backprop and head views."""
    task: Literal["regression", "classification"] | None = None
    """What its data asks for (the page's data & fit view draws a line or a boundary)."""
    held_out: bool = False
    """Test points held out: frames carry test loss and test accuracy."""
    seeded: bool = False
    """The scenario's seed changes the built objective (a network's minibatch order)."""
    lr_tools: bool = False
    """Not a plane, yet the stability bound and the η sweep take it: one weight x with a
    Hessian [f″] (a curve f(x)), where plain GD is stable for η < 2/f″ at the minimum."""
    grad_rules: tuple[str, ...] = ()
    """Gradient rules a run may step with instead of the true gradient (``rK.grad_rule``),
    e.g. a complex weight's mistake that drops the conjugate; the objective's
    ``with_rule(rule)`` is what such a run steps on. Empty: every run steps on ∇L."""


@dataclass(frozen=True)
class Readout:
    """One number under the status badge: ``label`` = the value of frame field ``value``
    (``params.K`` is the K-th weight) written as ``format`` (``batch``: ``batch + 1`` of
    ``batches_per_epoch``; a list of fields is written ``a / b``)."""

    label: str
    value: str | tuple[str, ...]
    format: Format = "num"
    title: str = ""


@dataclass(frozen=True)
class PluginView:
    """A view the page loads as ``static/js/views/<id>.js`` (docs/kinds.md): a kind names
    it as its ``main`` view or among its ``tabs``."""

    id: str
    title: str
    hint: str = ""


@dataclass(frozen=True)
class Page:
    """What the page shows of a kind (static/js reads it from ``GET /api/schema``)."""

    main: str
    """The big panel: ``contour`` (a plane kind), ``boundary`` (a 2D classifier's decision
    boundary) or a plug-in view's id."""
    tabs: tuple[str, ...]
    """The Explore tabs, the first shown by default: ``fit``, ``3d``, ``why``, ``slice``,
    ``stability``, ``sweep``, ``basins``, ``scatter`` or plug-in views' ids."""
    curves: tuple[str, ...]
    """The curve panels (``loss``, ``grad``, ``lr``, ``acc``, ``layers``), most important
    first: a lesson stands in for the last one."""
    readouts: tuple[Readout, ...]
    """The two readouts after the loss and the gradient norm, then any more."""
    symbol: str = "L"
    """What the loss is called: ``f`` for a function, ``L`` for a loss."""
    grad_symbol: str = ""
    """What the gradient's size is called, if not ‖∇``symbol``‖ (``|f′|`` for f(x))."""
    axes: tuple[str, str, str] = ("w1", "w2", "L")
    """A plane kind's axis titles (first weight, second weight, loss)."""
    note: str = ""
    """One line on the Explore tools it lacks."""
    tag: str = ""
    """The lessons gallery's tag for a preset on it."""
    options: tuple[tuple[str, str], ...] = ()
    """The model fields the page's form offers, in order, with their labels."""
    views: tuple[PluginView, ...] = ()
    """The plug-in views among ``main`` and ``tabs``."""
    exclusive: tuple[tuple[str, ...], ...] = ()
    """Groups of ``options`` that exclude each other: the form clears the other groups when
    one of a group is set (f1d: a named ``f``, or a typed ``expr`` with its range)."""


@dataclass(frozen=True)
class ObjectiveKind:
    """One registry entry: see the module docstring and docs/kinds.md."""

    id: str
    title: str
    named_by: Literal["surface", "expr", "model"]
    capabilities: Capabilities
    page: Page
    build: Callable[[Any], Any]
    """source → the engine objective (anything ``Batch`` runs: ``loss_and_grad`` …)."""
    describe: Callable[[Any, int], dict]
    """(source, grid points per axis) → what the page draws it from (``POST /api/model``
    for a model; a plane kind's answer has ``domain``, ``minima``, ``start``, ``lr``,
    ``contour_scale`` and ``grid``; a kind that can ``trace`` gives ``net``: its layers'
    ``sizes``, ``activation``, ``head``, ``bias``, ``regression``, ``n_classes``)."""
    spec: type | None = None
    """A model kind's pydantic model of the scenario's ``model`` (its ``kind`` is ``id``)."""
    frame_fields: Callable[..., list[dict]] | None = None
    """(objective, steps (K,), params, grads, updates (K, P)) → the fields each of K frames
    adds (a model's: ``grad_norm``, ``rel_update``, …); None: frames are the API's six."""
    weight_fields: Callable[..., list[dict]] | None = None
    """(objective, params (K', P)) → fields only the frames that carry the weights get —
    the newest of each stream message, every frame of a whole result — e.g. a CNN's
    confusion matrix (too big for every streamed frame)."""
    trace_json: Callable[..., dict] | None = None
    """(objective, params (P,), training index) → the kind's own answer to
    ``POST /api/trace`` for one training point (a CNN's maps and each pool's routing mask),
    without ``batch``; None: the engine's layered trace (``engine.nets.trace``), for a kind
    with the ``trace`` capability."""
    catalog: Callable[[], dict] = field(default=lambda: {})
    """More for ``GET /api/models`` beside the spec's fields (e.g. the data sets)."""

    def public(self) -> dict:
        """The entry as ``GET /api/schema`` gives it (what the page may know)."""
        return {"id": self.id, "title": self.title, "named_by": self.named_by,
                "capabilities": _jsonable(asdict(self.capabilities)), "page": _jsonable(asdict(self.page))}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


NETWORK_READOUTS = (
    Readout("L", "loss"),
    Readout("‖∇L‖", "grad_norm", title="the norm of the gradient the step uses (of its mini-batch)"),
    Readout("epochs", "epoch", "int"),
    Readout("next batch", "batch", "batch",
            title="the mini-batch the next step uses, of the batches in one epoch"),
    Readout("acc. train / test", ("accuracy", "test_accuracy"), "pct"))
"""What a network's status block reads out (the MLP's and the CNN's)."""
