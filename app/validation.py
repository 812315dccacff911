"""Pydantic validation errors as sentences that name the field and the limit."""

import re

from app.scenarios.model_spec import KINDS as MODEL_KINDS

# a cross-field validator names the field it blames first: "runs.0.start: give …"
_BLAMED = re.compile(r"^([A-Za-z_][\w]*(?:\.\w+)*): (.+)$", re.S)
# pydantic puts a tagged union's tag in the location (model.mlp.hidden); users wrote model.hidden
_MODEL_TAGS = set(MODEL_KINDS)


def field_path(loc) -> str:
    parts: list[str] = []
    for p in loc:
        p = str(p)
        if p in ("body", "query", "path") or (p in _MODEL_TAGS and parts[-1:] in ([], ["model"])):
            continue
        parts.append(p)
    return ".".join(parts) or "request"


def _field_and_message(e) -> tuple[str, str]:
    loc = list(e.get("loc", ()))
    msg = e.get("msg", "invalid").removeprefix("Value error, ")
    if e.get("type") == "union_tag_invalid":  # a tagged union's unknown tag: blame the tag
        ctx = e.get("ctx", {})
        tag = str(ctx.get("discriminator", "")).strip("'\"")
        return field_path(loc + [tag]), (f"unknown {tag} {ctx.get('tag')!r}; choose one of "
                                         f"{ctx.get('expected_tags')}")
    m = _BLAMED.match(msg)
    if m:
        loc += m.group(1).split(".")
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
