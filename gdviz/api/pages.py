"""GET / — the playground page; its query string is the scenario."""

from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from gdviz import __version__
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.url import scenario_of_link
from gdviz.scenarios.view import fit_view_to_scenario, view_from_query
from gdviz.paths import TEMPLATES_DIR
from gdviz.settings import get_settings

from .json import dumps

TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

router = APIRouter()

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
    to their defaults with a visible warning."""
    return _page(request, PLAYGROUND_CSP)


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
        warnings = [f"query string: longer than {get_settings().max_query_chars} characters; "
                    "showing the default scenario"]
    else:
        query = dict(request.query_params)
        warnings = []
    scenario, scenario_warnings = scenario_of_link(query, PRESETS)
    view, view_warnings = view_from_query(query, embed=embed)
    view, fit_warnings = fit_view_to_scenario(view, scenario)
    response = TEMPLATES.TemplateResponse(request, "playground.html", {
        "scenario_json": dumps(scenario.model_dump(exclude_none=True)),
        "view": view, "view_json": dumps(view.model_dump()), "embed": embed,
        "warnings": warnings + scenario_warnings + view_warnings + fit_warnings,
        "version": __version__})
    response.headers["Content-Security-Policy"] = csp
    return response


@router.get("/vendor/plotly.min.js", include_in_schema=False)
def plotly_js():
    """Plotly.js from the installed plotly package — never a CDN (works offline)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})
