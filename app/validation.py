"""Pydantic validation errors as sentences that name the field and the limit."""


def field_path(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def describe(errors) -> list[dict]:
    """Pydantic errors as ``[{field, message}]`` — never echoing the input itself
    (it may be NaN, which JSON cannot carry)."""
    return [{"field": field_path(e.get("loc", ())),
             "message": e.get("msg", "invalid").removeprefix("Value error, ")}
            for e in errors]


def summary(errors) -> str:
    return "; ".join(f"{d['field']}: {d['message']}" for d in describe(errors))
