"""Parse JSON the way a browser does: NaN and Infinity are errors."""

import json


def _reject(name):
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str | bytes):
    return json.loads(text, parse_constant=_reject)
