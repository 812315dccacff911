"""A client's JSON (a REST body, a WebSocket message) as Python values.

Python refuses to convert an integer of more than ``sys.get_int_max_str_digits()``
(4,300) digits — the guard against quadratic-time conversion — and ``json.loads`` then
fails on the whole document with a ValueError that names no field (FastAPI answered
it with 400 "There was an error parsing the body"). ``loads`` keeps such an integer as
a :class:`LongInteger` marker instead: no number, string or list field accepts it, so
validation refuses it at its own place and ``gdviz.validation`` names the field:
``steps: an integer of 10,000 digits is too long to read; integers have at most
4,300 digits``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MAX_DIGITS = sys.get_int_max_str_digits() or 4300  # 0: no limit in this interpreter


class LongInteger:
    """An integer literal too long to convert; ``digits`` counts its digits."""

    def __init__(self, literal: str):
        self.digits = len(literal.lstrip("-"))

    def __repr__(self) -> str:
        return f"<integer of {self.digits:,} digits>"


def parse_int(literal: str) -> int | LongInteger:
    if len(literal.lstrip("-")) > MAX_DIGITS:
        return LongInteger(literal)
    return int(literal)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def loads(text: str | bytes, *, allow_constants: bool = True) -> Any:
    """``json.loads`` with over-long integers kept as :class:`LongInteger`.
    ``allow_constants=False`` refuses NaN/Infinity/-Infinity as invalid JSON (a
    ValueError), as browsers do; True reads them as floats, which every number field
    then refuses as not finite (FastAPI's own reading)."""
    if allow_constants:
        return json.loads(text, parse_int=parse_int)
    return json.loads(text, parse_int=parse_int, parse_constant=_reject_constant)


def too_long_message(value: LongInteger) -> str:
    """True whatever type the field has (a number, a string, a list)."""
    return (f"an integer of {value.digits:,} digits is too long to read; integers have at "
            f"most {MAX_DIGITS:,} digits")
