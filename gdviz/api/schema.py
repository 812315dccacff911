"""GET /api/schema: the link schema, limits and objective kinds the page reads (one source
of truth: gdviz/scenarios/schema.py; docs/url.md, docs/kinds.md)."""

from fastapi import APIRouter
from fastapi.responses import Response

from gdviz.scenarios.schema import link_schema_json

router = APIRouter(prefix="/api")


@router.get("/schema", summary="The link format, the limits and the objective kinds",
            response_class=Response,
            responses={200: {"content": {"application/json": {}},
                             "description": "the schema (the page embeds the same JSON)"}})
def schema() -> Response:
    """What the page needs to read and write links and check its forms, so it copies none
    of it: `scenario` (objective keys, `steps`/`seed`/`speed` and their bounds, the run
    keys `rK` and each run's fields in link order, the default scenario), `view` (every
    view key in link order with its field, type, default and bounds; `controls`/`show`
    defaults by route), `limits` (runs, learning rate, speed, the landscape tools' work,
    the contour grid) and `kinds` (each objective kind: how a link names it, its
    capabilities, what the page shows of it, and a model kind's fields)."""
    return Response(link_schema_json(), media_type="application/json")
