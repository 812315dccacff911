"""JSON that never carries NaN or Infinity (browsers reject them).

Engine values pass through ``num``/``vec`` (non-finite → null) before they get here;
``dumps`` writes any other non-finite float as null too (gdviz/scenarios/jsonsafe.py).
"""

from typing import Any

from fastapi.responses import JSONResponse

from gdviz.scenarios.jsonsafe import dumps, dumps_bytes

__all__ = ["dumps", "StrictJSONResponse"]


class StrictJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps_bytes(content)
