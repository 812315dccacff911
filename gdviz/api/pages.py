"""GET / — the playground page; its query string is the scenario."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gdviz import __version__
from gdviz.scenarios.link_warnings import LinkWarning
from gdviz.scenarios.presets import LESSON_CHANGED, PRESETS
from gdviz.scenarios.schema import contour_grid_path, link_schema, link_schema_json
from gdviz.scenarios.url import scenario_of_link
from gdviz.scenarios.view import EMBED_ALLOW, fit_view_to_scenario, view_from_query
from gdviz.paths import TEMPLATES_DIR
from gdviz.settings import get_settings

from .assets import TREE, linked_main_url, module_urls
from .json import dumps

TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
TEMPLATES.env.globals["asset"] = TREE.url  # {{ asset("js/main.js") }}: its immutable URL
TEMPLATES.env.globals["module_urls"] = module_urls  # a module and all it imports, for preloads
TEMPLATES.env.globals["linked_main_url"] = linked_main_url  # …or all of them as one file

router = APIRouter()

HOME_COOKIE = "gdviz_home"
"""``playground`` once the visitor has chosen the full playground (``GET /playground``,
api/course.py): ``/`` opens it from then on instead of the guided path."""


def chose_playground(request: Request) -> bool:
    return request.cookies.get(HOME_COOKIE) == "playground"

# No inline or remote scripts (the page has none): a strict CSP holds. Styles may be
# inline because Plotly positions its SVG with style attributes. `frame-ancestors 'self'`:
# the playground is not to be framed by other sites (the embed route will allow that).
PLAYGROUND_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; "
                  "object-src 'none'; base-uri 'self'; frame-ancestors 'self'")


def _csp(frame_ancestors: str) -> str:
    """The playground's policy with ``frame-ancestors`` opened up. "Any" leaves the
    directive out: ``frame-ancestors *`` would still refuse a slide deck opened from
    ``file://`` (the wildcard matches network schemes only)."""
    if frame_ancestors.strip() in ("", "*"):
        return PLAYGROUND_CSP.replace("; frame-ancestors 'self'", "")
    return PLAYGROUND_CSP.replace("frame-ancestors 'self'", f"frame-ancestors {frame_ancestors}")


@router.get("/", response_class=HTMLResponse, summary="The playground")
def playground(request: Request):
    """The query string is the scenario (see docs/url.md); bad parameters fall back
    to their defaults with a visible warning. With no query string, a visitor who has not
    chosen the playground (``GET /playground``) is sent to the guided path, ``/start``."""
    if not request.url.query and not chose_playground(request):
        response = RedirectResponse("/start", status_code=307)
    else:
        response = _page(request, PLAYGROUND_CSP)
    response.headers["Vary"] = "Cookie"
    return response


@router.get("/embed", response_class=HTMLResponse, summary="The playground for an iframe")
def embed(request: Request):
    """The same scenario without the page's chrome, for slides and notebooks, allowed
    inside frames of the hosts in ``GDVIZ_EMBED_FRAME_ANCESTORS`` (default: any). The
    view keys ``controls``, ``autoplay``, ``theme``, ``scale`` and ``show`` say how it is
    presented (gdviz/scenarios/view.py)."""
    return _page(request, _csp(get_settings().embed_frame_ancestors), embed=True)


def _page(request: Request, csp: str, *, embed: bool = False):
    raw = request.url.query
    if len(raw) > get_settings().max_query_chars:
        query = {}
        warnings = [LinkWarning("query string", f"longer than {get_settings().max_query_chars} "
                                                "characters", "showing the default scenario")]
    else:
        query = dict(request.query_params)
        warnings = []
    scenario, scenario_warnings = scenario_of_link(query, PRESETS)
    view, view_warnings = view_from_query(query, embed=embed, presets=PRESETS)
    view, fit_warnings = fit_view_to_scenario(view, scenario)
    response = TEMPLATES.TemplateResponse(request, "playground.html", {
        "scenario_json": dumps(scenario.model_dump(exclude_none=True)),
        "schema_json": link_schema_json(), "limits": link_schema()["limits"],
        "view_keys": {k["field"]: k for k in link_schema()["view"]["keys"]},
        "view": view, "view_json": dumps(view.model_dump()), "embed": embed,
        "warnings": warnings + scenario_warnings + view_warnings + fit_warnings,
        "version": __version__, "embed_allow": EMBED_ALLOW, "lesson_changed": LESSON_CHANGED,
        "grid_preload": contour_grid_path(scenario.surface) if scenario.surface else None})
    response.headers["Content-Security-Policy"] = csp
    return response

