"""GET /export/{fmt}: the page's scenario as a file to download — csv, json or html.

The query string is the page's own (docs/url.md), so the page links here with the
address it shows. A download has no page to show warnings on, so any parameter the
page would fall back on is refused (422, listing them) instead of silently exported.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response

from gdviz import export as ex
from gdviz.jobs import memory
from gdviz.jobs.offload import JOBS
from gdviz.scenarios.cost import TooSlow, check_run_time
from gdviz.scenarios.link_warnings import LinkWarning
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.url import scenario_of_link
from gdviz.scenarios.view import view_from_query
from gdviz.settings import get_settings

from .json import StrictJSONResponse
from .offloaded import BUSY_RESPONSES, GONE, GZIPPED, accepts_gzip, compute

router = APIRouter()


def refused(warnings: list[LinkWarning]) -> StrictJSONResponse:
    """422 listing the parameters the page would have fallen back on (what the page would
    do instead is moot here: the file is not made)."""
    problems = [f"{w.key}: {w.problem}" for w in warnings]
    return StrictJSONResponse(status_code=422, content={
        "message": f"{len(problems)} bad query parameter(s): " + "; ".join(problems),
        "detail": problems})


@router.get(
    "/export/{fmt}", summary="Download a scenario's runs as CSV, JSON or an offline HTML player",
    response_class=Response,
    responses={200: {"description": "the file, as an attachment named gdviz-<objective>.<fmt>",
                     "content": {t.split(";")[0]: {} for t in ex.MEDIA_TYPES.values()}},
               422: {"description": "bad query parameters (`detail` lists them), or a result "
                                    "over the size bound"}, **BUSY_RESPONSES})
async def export_file(request: Request,
                fmt: Annotated[Literal["csv", "json", "html"],
                               Path(description="csv: one row per (run, step); json: the "
                                                "scenario and POST /api/run's runs; html: one "
                                                "standalone page that plays them offline")]):
    """The query string is the page's link, exactly as on `/` (`?v=1&surface=ravine&r0=gd&…`);
    of its view keys, `preset=<id>` gives the html page that preset's title and lesson, and
    `theme=` / `scale=` its look. Runs are computed to their end (in the job pool) and bounded
    like `POST /api/run`."""
    limit = get_settings().max_query_chars
    if len(request.url.query) > limit:
        raise HTTPException(422, f"query string: longer than {limit} characters")
    query = dict(request.query_params)
    scenario, warnings = scenario_of_link(query, PRESETS)
    view, view_warnings = view_from_query(query, presets=PRESETS)  # its preset and look matter
    warnings += view_warnings
    if warnings:
        return refused(warnings)
    try:
        ex.check_size(scenario)
        ex.check_format(scenario, fmt)
        allowance = check_run_time(scenario, objective_of(scenario), "an export")
    except (ex.TooLarge, ex.CannotExport, TooSlow) as e:
        raise HTTPException(422, str(e)) from e
    preset = PRESETS.get(view.preset)
    gz = accepts_gzip(request)  # compressed in the worker, off the streams' event loop
    body = await compute(request, JOBS, "export", (fmt, scenario, preset and preset.title,
                                                   preset and preset.lesson,
                                                   preset is not None and not preset.is_own(scenario),
                                                   view),
                         memory.export(scenario, fmt), "gzip" if gz else None, allowance)
    if body is None:  # the client left
        return Response(status_code=GONE)
    return Response(body, media_type=ex.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{ex.filename(scenario, fmt)}"',
        **(GZIPPED if gz else {})})
