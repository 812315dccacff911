"""Pydantic validation errors as sentences that name the field and the limit."""

import re
from collections.abc import Iterable

from gdviz.client_json import LongInteger, too_long_message

# a cross-field validator names the field it blames first: "runs.0.start: give …"
_BLAMED = re.compile(r"^([A-Za-z_][\w]*(?:\.\w+)*): (.+)$", re.S)
# pydantic puts a tagged union's tag in the location (model.mlp.hidden, lrs.range.count);
# users wrote model.hidden and lrs.count. The tags of each union, by the field holding it
# (the module defining a union registers it: this module sits below every model):
_UNION_TAGS: dict[str, frozenset[str]] = {}
_BODY_TAGS: set[str] = set()  # tags of a union that may be a whole body (POST /api/model)


def register_union_tags(field: str, tags: Iterable[str], *, whole_body: bool = False) -> None:
    """Say that ``field`` holds a tagged union with these ``tags`` (and, ``whole_body``,
    that a request body may be that union itself), so messages name ``field.x``, not
    ``field.<tag>.x``."""
    _UNION_TAGS[field] = frozenset(tags) | _UNION_TAGS.get(field, frozenset())
    if whole_body:
        _BODY_TAGS.update(tags)


def field_path(loc) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):  # a list index
            parts.append(str(p))
            continue
        p = str(p)
        if p in ("body", "query", "path") or (p in _BODY_TAGS and not parts):
            continue
        if parts and p in _UNION_TAGS.get(parts[-1], ()):
            continue
        plain = p.isidentifier() and p.isascii() and len(p) <= 40
        parts.append(p if plain else _quoted(p))
    return ".".join(parts) or "request"


def _quoted(name: str, longest: int = 40) -> str:
    """A client's key that is not a plain name (``":"``, ``"0"``, a 60 kB string), quoted
    and cut short: the message must show where the problem is, not echo the input."""
    return repr(name[:longest] + ("…" if len(name) > longest else ""))


def _field_and_message(e) -> tuple[str, str]:
    loc = list(e.get("loc", ()))
    msg = e.get("msg", "invalid").removeprefix("Value error, ")
    if e.get("type") == "json_invalid":  # FastAPI's: the location is the character offset
        return "request body", (f"not valid JSON at character {loc[-1]} "
                                f"({e.get('ctx', {}).get('error', msg)})")
    if e.get("type") == "union_tag_invalid":  # a tagged union's unknown tag: blame the tag
        ctx = e.get("ctx", {})
        tag = str(ctx.get("discriminator", "")).strip("'\"")
        return field_path(loc + [tag]), (f"unknown {tag} {ctx.get('tag')!r}; choose one of "
                                         f"{ctx.get('expected_tags')}")
    given = e.get("input")
    if isinstance(given, LongInteger):  # refused by whatever type the field has
        return field_path(loc), too_long_message(given)
    if e.get("type") == "float_type" and type(given) is int:  # a float field, int > 1.8e308
        return field_path(loc), (f"Input should be a finite number; an integer of "
                                 f"{len(str(abs(given))):,} digits is larger than the largest "
                                 "float (about 1.8e308)")
    m = _BLAMED.match(msg)
    if m:  # our own dotted path: its numbers are list indices
        loc += [int(p) if p.isdigit() else p for p in m.group(1).split(".")]
        msg = m.group(2)
    return field_path(loc), msg


def describe(errors) -> list[dict]:
    """Pydantic errors as ``[{field, message}]`` — never echoing the input itself
    (it may be NaN, which JSON cannot carry). A refused expression also gives
    ``position`` and ``end``: the columns of the offending token, to underline."""
    out = []
    for e in errors:
        d = dict(zip(("field", "message"), _field_and_message(e)))
        if e.get("type") == "expr":
            d.update(position=e["ctx"]["position"], end=e["ctx"]["end"])
        out.append(d)
    return out


def summary(errors) -> str:
    return "; ".join(f"{d['field']}: {d['message']}" for d in describe(errors))
