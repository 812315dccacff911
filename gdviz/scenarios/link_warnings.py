"""A link parameter the reader could not use, said in parts.

A page shows ``w`` as its sentence; an export (which has no page to show it on) refuses the
link with ``w.key: w.problem``, and ``gdviz export`` prints the sentence — nobody parses
the sentence back.
"""

from __future__ import annotations


class LinkWarning(str):
    """``key: problem; fallback`` — the link's ``key`` (``r0.lr``, ``model.hidden``, ``v``),
    what is wrong with its value (``problem``), and what is done instead (``fallback``:
    ``using the default 0.01``, ``ignored``…; empty when there is nothing to say) —
    ``unknown`` when the value names nothing known (a surface, model kind, optimizer or
    preset id). It is that sentence (a ``str``), so pages and messages show it as they
    always have."""

    key: str
    problem: str
    fallback: str
    unknown: bool

    def __new__(cls, key: str, problem: str, fallback: str = "", *,
                unknown: bool = False) -> "LinkWarning":
        self = super().__new__(cls, f"{key}: {problem}" + (f"; {fallback}" if fallback else ""))
        self.key, self.problem, self.fallback, self.unknown = key, problem, fallback, unknown
        return self

    def __reduce__(self):
        return _rebuild, (self.key, self.problem, self.fallback, self.unknown)


def _rebuild(key: str, problem: str, fallback: str, unknown: bool) -> LinkWarning:
    return LinkWarning(key, problem, fallback, unknown=unknown)
