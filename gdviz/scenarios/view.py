"""What the page shows of a scenario — the view part of a link (docs/url.md).

A link is ``v=1``, the scenario's keys (``url.py``), then these view keys, each written
only when it differs from its default, in ``VIEW_KEYS`` order::

    /?v=1&surface=himmelblau&…&r0=gd&r0.lr=0.01&preset=himmelblau-basins&tab=basins&basins.n=128
    /embed?v=1&surface=ravine&…&controls=none&autoplay=1&theme=dark&scale=1.5&show=main,loss

The scenario fixes the numbers; the view only says what is on screen (which Explore tab,
which run is selected or hidden, log axes, the landscape tools' settings) and, mostly
for ``/embed``, how it is presented (controls, autoplay, theme, font scale, panels).
Reading is forgiving, as for the scenario: a bad value gives a warning naming the key
and falls back to that key's default only.

``controls`` and ``show`` depend on the route: ``/`` shows every control and the whole
page; ``/embed`` a few controls and, unless ``show=`` says otherwise, the main plot
beside the loss curve (or beside the tab the link names). ``resolve`` fills them in.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Annotated, Literal, Mapping

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from gdviz.engine.nets.datasets import MAX_POINTS
from gdviz.engine.nets.trace import n_points

from .kinds import BUILT_IN_TABS, KINDS, kind_of
from .kinds.cnn import GALLERY
from .landscape import MAX_SCATTER, MAX_SWEEP_POINTS, Lr
from .link_warnings import LinkWarning
from .models import MAX_RUNS
from .objectives import objective_of

# The <iframe allow> of "Copy embed code" (the page reads it from <body data-embed-allow>)
# and gdviz.show: Chromium's Local Network Access features (142: local-network-access;
# 145+: loopback-network for 127.0.0.1, local-network for a LAN address), delegated into
# the frame, and fullscreen. docs/lectures.md, "A deck hosted online", says what the
# lecturer's browser asks.
EMBED_ALLOW = "fullscreen; local-network-access; loopback-network; local-network"
TABS = BUILT_IN_TABS + tuple(dict.fromkeys(
    t for k in KINDS.values() for t in k.page.tabs if t not in BUILT_IN_TABS))
"""The Explore tabs a link may name: the page's own, then the kinds' plug-in views."""
STAGES = ("forward", "loss", "backward", "gradients", "update")  # the backprop view's
PANELS = ("main", "tab", "loss", "grad", "lr", "acc", "layers")
MAX_PANELS = 4
TOOL_TABS = ("sweep", "basins", "scatter")  # a link naming one of these runs it on load

Tab = Literal[TABS]
Panel = Literal[PANELS]
RunIndex = Annotated[int, Field(ge=0, le=MAX_RUNS - 1)]


def _distinct_sorted(v: list[int]) -> list[int]:
    return sorted(set(v))


def _distinct(v: list[str]) -> list[str]:
    if len(set(v)) != len(v):
        raise ValueError("each panel at most once")
    return v


class View(BaseModel):
    """The view keys of a link; ``None`` for ``controls``/``show`` means the route's default."""

    model_config = ConfigDict(extra="forbid")

    preset: str | None = Field(None, description="the preset whose lesson is shown beside the plots")
    tab: Tab | None = Field(None, description="the Explore tab shown (None: the page's choice)")
    select: RunIndex = 0
    hide: Annotated[list[RunIndex], AfterValidator(_distinct_sorted)] = []
    loss_log: bool = True
    lr_log: bool = True
    sweep_min: Lr = 1e-4
    sweep_max: Lr = 10.0
    sweep_n: int = Field(120, ge=2, le=MAX_SWEEP_POINTS)
    basins_n: Literal[32, 64, 128, 256] = 64
    scatter_n: int = Field(24, ge=1, le=MAX_SCATTER)
    slice_plane: Literal["random", "pca"] = "random"
    slice_grid: Literal[17, 33, 49, 64] = 33
    point: int | None = Field(None, ge=0, lt=MAX_POINTS,
                              description="the training point the backprop and softmax views trace")
    stage: Literal[STAGES] = Field("forward", description="the backprop view's stage")
    net_mode: Literal["weights", "gradients"] = Field(
        "weights", description="what the network diagram's lines show")
    # the cnn kind's inside view (static/js/views/cnn.js): the forward maps or the gradient
    # going back, and which of the first training images (kinds/cnn.py GALLERY) it follows
    cnn_mode: Literal["forward", "backward"] = "forward"
    cnn_image: int = Field(0, ge=0, le=GALLERY - 1)
    controls: Literal["none", "few", "all"] | None = None
    autoplay: bool = False
    theme: Literal["light", "dark"] = "light"
    scale: float = Field(1.0, ge=0.5, le=3.0)
    show: Annotated[list[Panel], Field(min_length=1, max_length=MAX_PANELS),
                    AfterValidator(_distinct)] | None = None


# query key ↔ field, in the order links write them
VIEW_KEYS: dict[str, str] = {name.replace("_", ".", 1) if name.split("_")[0] in
                             ("sweep", "basins", "scatter", "slice", "net", "cnn") else name: name
                             for name in View.model_fields}
_DEFAULTS = View()


def is_view_key(key: str) -> bool:
    return key in VIEW_KEYS


ROUTE_DEFAULTS = {"page": {"controls": "all", "show": None, "show_with_tab": None},
                  "embed": {"controls": "few", "show": ["main", "loss"],
                            "show_with_tab": ["main", "tab"]}}
"""``controls`` and ``show`` when a link leaves them out, by route (``/`` and ``/embed``):
``/embed`` shows the main plot beside the loss curve, or beside the tab the link names."""


def resolve(view: View, *, embed: bool) -> View:
    """``controls`` and ``show`` filled in for the route (``show`` stays None on ``/``)."""
    route = ROUTE_DEFAULTS["embed" if embed else "page"]
    controls = view.controls or route["controls"]
    show = view.show
    if show is None:
        show = route["show_with_tab" if view.tab else "show"]
    return view.model_copy(update={"controls": controls, "show": show})


def _parse(name: str, raw: str):
    annotation = View.model_fields[name].annotation
    if name in ("hide", "show"):
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        return [int(p) for p in parts] if name == "hide" else parts
    if annotation is bool or name in ("loss_log", "lr_log", "autoplay"):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{raw!r} is not 0 or 1")
    if name in ("basins_n", "slice_grid", "point", "cnn_image"):
        return int(raw)
    return raw


def _message(e: Exception) -> str:
    if isinstance(e, ValidationError):
        return e.errors()[0]["msg"].removeprefix("Value error, ")
    return str(e)


def unknown_preset(preset_id: str, presets: Container[str]) -> str:
    """The message for an id that names none of the ``presets``."""
    return f"unknown preset {preset_id!r}; choose one of {', '.join(presets)}"


def view_from_query(query: Mapping[str, str], *, presets: Container[str],
                    embed: bool = False) -> tuple[View, list[LinkWarning]]:
    """The view a link's view keys describe (resolved for the route), and a warning per
    ignored key. Keys that are not view keys are left to ``scenario_from_query``.
    ``presets``: the preset ids a link may name (``preset=``)."""
    fields: dict = {}
    warnings: list[LinkWarning] = []
    for key, name in VIEW_KEYS.items():
        if key not in query:
            continue
        raw = query[key]
        if name == "preset":
            if raw in presets:
                fields["preset"] = raw
            else:
                warnings.append(LinkWarning("preset", unknown_preset(raw, presets),
                                            "no lesson shown", unknown=True))
            continue
        try:
            candidate = {**fields, name: _parse(name, raw)}
            View.model_validate(candidate)
            fields = candidate
        except (ValueError, ValidationError) as e:
            default = getattr(_DEFAULTS, name)
            shown = "the page's default" if default is None else _fmt_value(default)
            warnings.append(LinkWarning(key, _message(e), f"using {shown}"))
    view = View.model_validate(fields)
    if view.sweep_min >= view.sweep_max:
        warnings.append(LinkWarning(
            "sweep.min", f"{_fmt_value(view.sweep_min)} must be smaller than sweep.max "
                         f"({_fmt_value(view.sweep_max)})", "using the default range"))
        view = view.model_copy(update={"sweep_min": _DEFAULTS.sweep_min,
                                       "sweep_max": _DEFAULTS.sweep_max})
    return resolve(view, embed=embed), warnings


def fit_view_to_runs(view: View, runs: int) -> tuple[View, list[LinkWarning]]:
    """``select`` and ``hide`` checked against the scenario's number of runs: a selected
    run that does not exist falls back to run 0, hidden ones that don't are dropped."""
    warnings, update = [], {}
    if view.select >= runs:
        warnings.append(LinkWarning("select", f"run {view.select} does not exist (the link has "
                                              f"{runs})", "selecting run 0"))
        update["select"] = 0
    kept = [i for i in view.hide if i < runs]
    if kept != view.hide:
        warnings.append(LinkWarning(
            "hide", f"the link has {runs} run{'s' * (runs != 1)} (0…{runs - 1})",
            f"ignoring {_fmt_value([i for i in view.hide if i >= runs])}"))
        update["hide"] = kept
    return (view.model_copy(update=update) if update else view), warnings


def fit_view_to_scenario(view: View, scenario) -> tuple[View, list[LinkWarning]]:
    """``fit_view_to_runs``, and ``point`` checked against the scenario's training points:
    one that does not exist (or a kind with no points to trace) is dropped."""
    view, warnings = fit_view_to_runs(view, len(scenario.runs))
    if view.point is None:
        return view, warnings
    if not kind_of(scenario).capabilities.trace:
        warnings.append(LinkWarning("point", "only a model scenario has training points to "
                                             "trace", "ignoring it"))
        return view.model_copy(update={"point": None}), warnings
    n = n_points(objective_of(scenario))
    if view.point >= n:
        warnings.append(LinkWarning("point", f"the training set has {n} points (0 … {n - 1})",
                                    f"ignoring {view.point}"))
        view = view.model_copy(update={"point": None})
    return view, warnings


def _fmt_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    if isinstance(value, list):
        return ",".join(_fmt_value(v) for v in value)
    return str(value)


def view_to_query(view: View, *, embed: bool = False) -> dict[str, str]:
    """The view keys that differ from the route's defaults, in ``VIEW_KEYS`` order;
    ``view_from_query`` reads them back as ``resolve(view, embed=embed)``."""
    own = resolve(view, embed=embed)
    default = resolve(View(tab=view.tab), embed=embed)  # `show`'s default depends on the tab
    q: dict[str, str] = {}
    for key, name in VIEW_KEYS.items():
        value = getattr(own, name)
        if value is not None and (name == "tab" or value != getattr(default, name)):
            q[key] = _fmt_value(value)
    return q
