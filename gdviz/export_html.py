"""A scenario as ONE standalone HTML file that plays with no server and no network.

For slides on a machine without Python: the runs are computed here, once, and the
file carries everything the player needs —

* Plotly.js's 2D part, the very build the playground loads (static/vendor/plotly/,
  ``gdviz.js_bundle.plotly_2d_script`` links its ES-module chunks into a classic script);
* the playground's own drawing code (contour + path overlay, loss curves, decision
  boundary, status badge, keyboard), linked into one classic script by
  ``gdviz.js_bundle`` — a browser will not load ES modules from ``file://``;
* the player, ``static/offline/player.js``, and its styles (``static/css/app.css``,
  then ``static/offline/player.css``);
* the data, as ``<script type="application/json" id="gdviz-data">``: the scenario,
  what the contour or boundary is drawn from (the same grid, domain and minima as
  ``GET /api/surfaces`` + ``/grid?n=120``, or ``POST /api/model``'s answer), and
  each run's status, reason and frames — column by column (``step, params, loss,
  lr``; on 2 weights ``grad`` and ``update`` for the arrows; a model's
  ``grad_norm``, ``accuracy``, ``test_loss``, ``test_accuracy``). A network's
  gradient and update vectors are left out: the player draws no arrows for it, and
  they would double the file. Numbers are ``simulate()``'s own (no rounding);
  non-finite ones are null.

A Content-Security-Policy ``<meta>`` allows exactly these inline scripts (by hash),
images only from ``data:``/``blob:`` URLs (Plotly's own), and no fetch, font, frame or
anything else from anywhere, so the page cannot reach the network even by mistake.

Size: bounded like ``POST /api/run`` (``check_result_size``: at most 4,000,000 numbers,
~80 MB of JSON at worst). Plotly's 2D part is 1.1 MB (the whole plotly.min.js, which
the export inlined before, was 4.8 MB). Measured: a surface preset is 1.5–1.8 MB
(``ravine-momentum`` 1.5 MB, ``rosenbrock-adam``, 2 runs × 1,000 steps, 1.8 MB),
``linreg2`` 1.6 MB; a network carries every weight of every frame — ``minibatch-sgd``
(386 weights × 401 frames) 4.2 MB, ``vanishing-gradients`` 4.4 MB, ``init-compared``
(4 runs of 626 weights) 9.0 MB.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
from functools import lru_cache

import numpy as np

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from gdviz import __version__
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.js_bundle import classic_script, plotly_2d_script
from gdviz.paths import STATIC_DIR, TEMPLATES_DIR
from gdviz.scenarios.jsonsafe import dumps
from gdviz.scenarios.kinds import kind_of
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.presets import LESSON_CHANGED
from gdviz.scenarios.schema import CONTOUR_GRID, link_schema_json
from gdviz.scenarios.simulate import check_result_size, simulate
from gdviz.scenarios.trace import point_trace
from gdviz.scenarios.view import View
OFFLINE_VIEWS = {"cnn": STATIC_DIR / "css" / "cnn.css", "curve": STATIC_DIR / "css" / "curve.css"}
"""Plug-in views the player can mount as its main view, with their stylesheets."""
PLAYER_MODULES = ["plots/contour.js", "plots/curves.js", "plots/boundary.js", "status.js",
                  "format.js", "keyboard.js", "look.js", "font-scale.js", "state.js",
                  "panels/inside.js", "fit-text.js", *(f"views/{v}.js" for v in OFFLINE_VIEWS)]
PLAYER_JS = STATIC_DIR / "offline" / "player.js"
STYLESHEETS = [STATIC_DIR / "css" / "app.css", STATIC_DIR / "css" / "inside.css",
               STATIC_DIR / "offline" / "player.css"]
DARK_STYLESHEETS = [STATIC_DIR / "css" / "theme-dark.css", STATIC_DIR / "offline" / "player-dark.css"]
# the frame fields a model adds that the player shows (the rest stay in the CSV/JSON)
MODEL_FIELDS = ("grad_norm", "accuracy", "test_loss", "test_accuracy")
# a run's label: the optimizer's short name (as the playground's run list, static/js/runs.js)
# and what was set beyond η, with torch's symbols where it has them (weight decay is wd:
# λ is a curvature on the page and in the player)
LABEL_FIELDS = {"momentum": "μ", "betas": "β", "weight_decay": "wd", "init": "init",
                "schedule": "schedule", "noise": "noise σ", "clip_norm": "clip"}

_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                   autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


# -- the data ------------------------------------------------------------------------


# (data, net: the points the backprop view traces and the layers it walks, on a model)
PLANE = ("name", "formula", "domain", "minima", "start", "lr", "contour_scale", "grid", "data",
         "net")
# the views of a step's inside the player offers, of those the kind's page has
# (static/js/panels/inside.js)
INSIDE_VIEWS = ("net", "backprop", "head", "step")
TRACED_TABS = ("backprop", "head")  # these need a point's trace at every frame


def objective_json(scenario: Scenario) -> dict:
    """What the player draws under the runs, by the kind's main view: a contour plane (a
    surface or a 2-weight model: domain, minima, contour scale, axis names and the grid) or
    a decision boundary (``POST /api/model``'s answer: the network's layout and data
    points). ``kind`` is ``surface`` for any function of (x, y)."""
    kind = kind_of(scenario)
    d = kind.describe(scenario, CONTOUR_GRID)
    if kind.page.main != "contour":
        return d
    return {"kind": kind.id if kind.named_by == "model" else "surface",
            **{k: d[k] for k in ("id", *PLANE) if k in d}, "axes": list(kind.page.axes)}


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ",".join(_short(x) for x in v)
    return str(v)


def run_label(scenario: Scenario, i: int) -> str:
    """``2 · Adam η=0.01, init=he``: the run's number, optimizer and what was set."""
    spec = scenario.runs[i]
    name = OPTIMIZERS[spec.optimizer].short or OPTIMIZERS[spec.optimizer].name
    lr = spec.hyper()["lr"]
    extra = [f"{symbol}={_short(getattr(spec, k))}" for k, symbol in LABEL_FIELDS.items()
             if getattr(spec, k) is not None]
    return ", ".join([f"{i + 1} · {name} η={_short(lr)}", *extra])


def frame_columns(frames: list[dict], network: bool) -> dict[str, list]:
    """The frames as columns, keeping what the player draws (see the module docstring)."""
    keys = ["step", "params", "loss", "lr"] + ([] if network else ["grad", "update"])
    keys += [k for k in MODEL_FIELDS if frames and k in frames[0]]
    return {k: [f.get(k) for f in frames] for k in keys}


def inside_json(scenario: Scenario, runs: list[dict], view: View | None) -> dict:
    """The inside views the player offers, and what they need beyond the frames: the link's
    view keys (tab, point, stage, net.mode), each frame's update terms on 2 weights (a run
    recorded with ``simulate(terms=True)``: the stream's ``opt``), and — when the link opens
    the backprop or softmax tab — the traced point's ``POST /api/trace`` answer at every
    frame (the point is the link's, else point 0; the page cannot ask for another offline)."""
    kind = kind_of(scenario)
    tabs = [t for t in kind.page.tabs if t in INSIDE_VIEWS]
    view = view or View()
    tab = view.tab if view.tab in tabs else None
    point = view.point if view.point is not None else 0
    out = {"tabs": tabs, "view": {"tab": tab, "point": point,
           "stage": view.stage, "net_mode": view.net_mode}, "opt": None, "traces": None}
    if not kind.capabilities.thin_frames:  # (a network's frames carry no terms)
        out["opt"] = [[f.get("opt") for f in run["frames"]]
                      for run in simulate(scenario, terms=True)]
    if tab in TRACED_TABS:
        model = objective_of(scenario)
        out["traces"] = [[point_trace(model, np.asarray(f["params"], float), point, f["step"],
                                      f["grad"]) if f["params"] is not None else None
                          for f in run["frames"]] for run in runs]
    return out


def player_data(scenario: Scenario, runs: list[dict], exported: str,
                view: View | None = None) -> dict:
    # a network's hundreds of weights: no grad/update vectors (a plane's and a curve's are kept)
    network = kind_of(scenario).capabilities.max_weights > 2
    return {
        "version": __version__, "exported": exported,
        "scenario": scenario.model_dump(mode="json", exclude_none=True),
        "objective": objective_json(scenario),
        "main": kind_of(scenario).page.main,  # the player's view: contour, boundary or a plug-in
        "runs": [{"label": run_label(scenario, i), "status": run["status"],
                  "stall": run.get("stall"), "reason": run["reason"],
                  "frames": frame_columns(run["frames"], network),
                  "hyper": scenario.runs[i].hyper()}
                 for i, run in enumerate(runs)],
        "inside": inside_json(scenario, runs, view),
    }


def script_json(data) -> str:
    """Strict JSON (no NaN) that cannot end its ``<script>``: every ``<`` is written
    ``\\u003c``, which JSON reads back as the same character."""
    return dumps(data).replace("<", "\\u003c")


# -- the page ------------------------------------------------------------------------


def inline_script(js: str) -> str:
    """JavaScript source made safe between ``<script>`` and ``</script>``: ``</script``
    (only ever inside a string, regex or comment) is written ``<\\/script``."""
    if "<!--" in js:
        raise ValueError("a script to inline contains '<!--', which changes how HTML "
                         "parses the rest of the script")
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


@lru_cache(maxsize=1)
def _scripts() -> tuple[str, ...]:
    """Plotly, the linked playground modules and the player — read once per process."""
    return tuple(inline_script(s) for s in (
        plotly_2d_script(), classic_script(PLAYER_MODULES),
        PLAYER_JS.read_text(encoding="utf-8")))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(scripts: tuple[str, ...]) -> str:
    """Only these inline scripts run; nothing is fetched from anywhere."""
    return ("default-src 'none'; script-src " + " ".join(_sha256(s) for s in scripts)
            + "; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; "
            "form-action 'none'")


def default_title(scenario: Scenario, objective: dict) -> str:
    n = len(scenario.runs)
    return f"{objective['name']} · {n} run{'s' if n > 1 else ''}"


def to_html(scenario: Scenario, runs: list[dict], *, title: str | None = None,
            lesson: str | None = None, lesson_changed: bool = False,
            exported: datetime.date | None = None,
            theme: str = "light", scale: float = 1.0, view: View | None = None) -> str:
    """One self-contained HTML page that plays ``runs`` (``simulate(scenario)``) with
    Play/Pause, Step, Reset, a step slider and the keys Space / → / R.

    ``title``/``lesson`` (e.g. a preset's) head the page; text, escaped; with
    ``lesson_changed`` (the runs are not the preset's own) the lesson says so first
    (``presets.LESSON_CHANGED``). ``theme`` and
    ``scale`` are the link's look (``theme=dark``, ``scale=1.5``): the page and every
    figure are dressed by the playground's own look.js / dress.js / font-scale.js.
    ``view``: the link's view, whose tab (net, backprop, head, step), point, stage and
    net.mode the player opens on.
    Refuses (``TooLarge``) what ``POST /api/run`` refuses."""
    check_result_size(scenario, "an export (the same as POST /api/run)")
    exported = (exported or datetime.date.today()).isoformat()
    data = player_data(scenario, runs, exported, view)
    scripts = _scripts()
    steps = max((r["frames"]["step"][-1] for r in data["runs"] if r["frames"]["step"]),
                default=0)
    return _ENV.get_template("offline.html").render(
        title=title or default_title(scenario, data["objective"]), lesson=lesson,
        lesson_changed=LESSON_CHANGED if lesson_changed else None,
        objective=data["objective"], main=data["main"], version=__version__, exported=exported,
        steps=steps, runs=len(runs), csp=content_security_policy(scripts),
        inside=data["inside"],
        theme=theme, view_json=dumps({"theme": theme, "scale": scale}),
        styles=Markup("\n".join(p.read_text(encoding="utf-8") for p in
                                STYLESHEETS + (DARK_STYLESHEETS if theme == "dark" else [])
                                + ([OFFLINE_VIEWS[data["main"]]] if data["main"] in OFFLINE_VIEWS
                                   else []))),
        data_json=Markup(script_json(data)), schema_json=link_schema_json(),
        plotly_js=Markup(scripts[0]), modules_js=Markup(scripts[1]), player_js=Markup(scripts[2]))
