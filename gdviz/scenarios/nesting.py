"""How deeply a JSON text nests, measured before it is parsed or validated.

No request the API takes nests deeper than a handful of levels (a landscape job in a
socket message: message → request → grid → box → pair, five). Python's JSON reader and
the validators recurse once per level, so a body of 500 nested lists used to reach a
RecursionError deep inside validation — a 500, or a socket closed with "internal
error". Every entry point (REST bodies, both sockets) therefore measures the nesting of
the raw text first and refuses anything deeper than ``MAX_DEPTH`` with a sentence
naming the limit; links cannot nest (a query string is flat key=value text).

The measure is linear and vectorised (a 1 MiB body in a few ms): a quote counts
unless an odd run of backslashes precedes it; brackets between an odd and an even
counted quote are inside a string and do not nest; the others become +1/−1 and the
running sum's maximum is the depth. Text that is not valid JSON is measured all the
same; the parser then says what is wrong with it.
"""

from __future__ import annotations

import numpy as np

MAX_DEPTH = 32
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_STEP = np.zeros(256, np.int8)
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1


def depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in the JSON ``text`` (0: a scalar)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"[" not in raw and b"{" not in raw:
        return 0
    a = np.frombuffer(raw, np.uint8)
    at = np.arange(a.size)
    # the index of the last byte at or before each position that is not a backslash
    last_other = np.maximum.accumulate(np.where(a != _BACKSLASH, at, -1))
    before = np.concatenate(([-1], last_other[:-1]))  # … strictly before each position
    quotes = (a == _QUOTE) & ((at - 1 - before) % 2 == 0)  # not escaped
    inside = np.cumsum(quotes) % 2 == 1  # after an odd number of quotes: in a string
    steps = np.where(inside, 0, _STEP[a])
    return max(0, int(np.cumsum(steps, dtype=np.int64).max()))


def too_deep(text: str | bytes, what: str) -> str | None:
    """None if ``text`` nests at most MAX_DEPTH levels, else the refusal: ``what`` is the
    field the sentence starts with ("request body", "message")."""
    d = depth(text)
    if d <= MAX_DEPTH:
        return None
    return (f"{what}: nested too deeply ({d:,} levels); JSON arrays and objects may nest "
            f"at most {MAX_DEPTH} levels")
