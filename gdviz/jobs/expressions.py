"""Custom f(x, y)s built in a worker before the server's validators ask for them.

Building an expression (parse, exact derivatives, compile, minima) takes from a
millisecond to about half a second — a nest of ``atan2`` calls — which must not happen
on the event loop that serves the streams. So before a request or a socket message is
validated, ``prepare`` finds the expressions it names, has the ``quick`` lane build the
ones the server has not seen (or refuse them: the refusal is kept too), and keeps the
outcome in the engine's cache (``gdviz.engine.expr.surface.remember``). The validators
then read that cache in microseconds. A text too long to be an expression is left to
the validators, which refuse it by its length before reading it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterator

from gdviz.engine.expr import MAX_EXPR_CHARS
from gdviz.engine.expr.surface import DEFAULT_DOMAIN, DomainError, check_domain, is_cached, remember
from gdviz.scenarios.url import parse_domain

from . import memory
from .offload import QUICK
from .pool import JobPool


def named_in(value: Any) -> Iterator[tuple[str, Any]]:
    """(expr, domain) of a request or message body, or of a WS message's ``scenario`` or
    ``request`` (a dict with a text ``expr``)."""
    if not isinstance(value, dict):
        return
    if isinstance(value.get("expr"), str):
        yield value["expr"], value.get("domain")
    for key in ("scenario", "request"):
        inner = value.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("expr"), str):
            yield inner["expr"], inner.get("domain")


def named_in_query(query) -> Iterator[tuple[str, Any]]:
    """(expr, domain) of a link's query (``expr=…&domain=xmin,xmax,ymin,ymax``)."""
    text = query.get("expr")
    if not text:
        return
    domain = None
    if "domain" in query:
        try:
            domain = parse_domain(query["domain"])
        except ValueError:
            pass
    yield text, domain


def _keys(text: str, domain) -> list[tuple[str, Any]]:
    """The cache keys validation will read: the default domain (the text's own check) and
    the given one (the domain's check)."""
    keys = [(text, DEFAULT_DOMAIN)]
    if domain is not None:
        try:
            box = check_domain(domain)
        except (DomainError, TypeError, ValueError, OverflowError):
            return keys  # refused by the validators (a bound no float holds, too) unbuilt
        if box != DEFAULT_DOMAIN:
            keys.append((text, box))
    return keys


async def prepare(pool: JobPool, named) -> None:
    """Build every expression of ``named`` ((expr, domain) pairs) the cache lacks, in the
    quick lane, and keep the outcomes. Raises Busy when that lane is full."""
    missing = []
    for text, domain in named:
        if len(text) <= MAX_EXPR_CHARS:
            missing += [k for k in _keys(text, domain) if not is_cached(*k) and k not in missing]
    if not missing:
        return
    jobs = []
    try:
        for key in missing:
            jobs.append(pool.submit(QUICK, "expression", key, memory.expression()))
        outcomes = await asyncio.gather(*(pool.wait(j) for j in jobs))
    except BaseException:
        for j in jobs:
            pool.cancel(j)
        raise
    for key, outcome in zip(missing, outcomes):
        remember(*key, outcome)
