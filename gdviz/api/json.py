"""JSON that never carries NaN or Infinity (browsers reject them).

Engine values pass through ``num``/``vec`` (non-finite → null) before they
get here; serialising with ``allow_nan=False`` makes any slip fail loudly.
"""

import json
from typing import Any

from fastapi.responses import JSONResponse


def dumps(content: Any) -> str:
    return json.dumps(content, allow_nan=False, separators=(",", ":"), ensure_ascii=False)


class StrictJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
