"""JSON that never carries NaN or Infinity (browsers reject them).

Engine values pass through ``num``/``vec`` (non-finite → null) before they
get here; serialising with ``allow_nan=False`` makes any slip fail loudly.
"""

from typing import Any

from fastapi.responses import JSONResponse

from gdviz.scenarios.jsonsafe import dumps

__all__ = ["dumps", "StrictJSONResponse"]


class StrictJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
