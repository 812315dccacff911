"""A base model whose number fields refuse JSON ``true``/``false``.

In lax mode pydantic reads ``{"steps": true}`` as 1 and ``"lr": false`` as 0.0: a typo
or a generated request would run quietly with a number nobody gave. Every model that
takes client input derives from :class:`Model`. Before validation, a bool given to a
field whose type has an ``int`` or ``float`` in it and no ``bool`` (anywhere in its value:
a start point's coordinate too) is swapped for a marker no number type accepts, so the
usual 422 names the field: ``steps: Input should be a valid integer``.

(A model validator, not a ``field_validator("*")``: pydantic refuses before-validators
on a discriminated union's tag field.)
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, model_validator


class _GivenBool:
    """What a number field sees instead of a bool: no int or float validator takes it."""

    def __init__(self, value: bool):
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


def _mentions(annotation: Any, kinds: tuple[type, ...]) -> bool:
    """Does this type (through Annotated, unions, lists, tuples) name one of ``kinds``?"""
    if annotation in kinds:
        return True
    return any(_mentions(arg, kinds) for arg in get_args(annotation) if isinstance(arg, type) or get_args(arg))


def _holds_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    return isinstance(value, (list, tuple)) and any(_holds_bool(v) for v in value)


def _marked(value: Any) -> Any:
    if isinstance(value, bool):
        return _GivenBool(value)
    if isinstance(value, (list, tuple)):
        return [_marked(v) for v in value]
    return value


_NUMBER_KEYS: dict[type, tuple[str, ...]] = {}


def _number_keys(cls: type[BaseModel]) -> tuple[str, ...]:
    """The input keys (names and aliases) of ``cls``'s fields that take numbers, not bools."""
    if cls not in _NUMBER_KEYS:
        keys = []
        for name, field in cls.model_fields.items():
            if _mentions(field.annotation, (int, float)) and not _mentions(field.annotation, (bool,)):
                keys += [name] + ([field.alias] if field.alias and field.alias != name else [])
        _NUMBER_KEYS[cls] = tuple(keys)
    return _NUMBER_KEYS[cls]


class Model(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def _bool_is_not_a_number(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        found = [k for k in _number_keys(cls) if k in data and _holds_bool(data[k])]
        if not found:
            return data
        return {**data, **{k: _marked(data[k]) for k in found}}
