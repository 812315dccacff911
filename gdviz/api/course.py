"""The guided path: GET /start (the course page), GET /api/course (its steps), and
GET /playground (choose the full playground as the home page).

A first-time visitor to ``/`` (no query string, no choice made) is sent to ``/start``
(pages.py); the choice is the ``gdviz_home`` cookie, set by ``/playground``, so the server
decides before anything is drawn. A link with a scenario always opens that scenario.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from gdviz import __version__
from gdviz.scenarios.course import course

from .json import StrictJSONResponse, dumps
from .pages import HOME_COOKIE, PLAYGROUND_CSP, TEMPLATES

router = APIRouter()

HOME_MAX_AGE = 365 * 24 * 3600  # seconds the choice is kept


@router.get("/start", response_class=HTMLResponse, summary="Start here: the guided path")
def start(request: Request):
    """The course through the lessons, in order, each step a link to its preset with a goal
    to try; progress is kept in the browser (localStorage)."""
    steps = course()
    chapters: dict[str, list] = {}
    for number, step in enumerate(steps, start=1):
        chapters.setdefault(step["chapter"], []).append({**step, "number": number})
    response = TEMPLATES.TemplateResponse(request, "start.html", {
        "chapters": chapters, "first": steps[0], "count": len(steps),
        "course_json": dumps(steps), "version": __version__})
    response.headers["Content-Security-Policy"] = PLAYGROUND_CSP
    return response


@router.get("/playground", summary="Open the full playground, and keep it as the home page",
            response_class=RedirectResponse, status_code=303)
def choose_playground(request: Request) -> RedirectResponse:
    """A 303 to ``/`` that sets the ``gdviz_home=playground`` cookie: from then on ``/``
    opens the playground instead of the guided path. A scenario in the query string goes
    along (``/playground?v=1&surface=…`` opens that scenario, as ``/?v=1&…`` does)."""
    query = request.url.query
    response = RedirectResponse("/?" + query if query else "/", status_code=303)
    response.set_cookie(HOME_COOKIE, "playground", max_age=HOME_MAX_AGE, samesite="lax",
                        httponly=True)
    return response


@router.get("/api/course", response_class=StrictJSONResponse, summary="The guided path's steps")
def list_course() -> list[dict]:
    """The steps in order: `{preset, title, chapter, goal, check, url}` — `url` is the step's
    link (the preset's, with `guide=1` for the guide bar); `check` (or null) is what the
    page looks for in the run to tick the goal (docs/url.md, "The guided path")."""
    return course()
