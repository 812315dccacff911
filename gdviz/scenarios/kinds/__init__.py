"""The objective kinds a scenario can train, keyed by the ids used in links and requests.

Each entry (``ObjectiveKind``, kind.py) declares how the kind is named, its spec, how it
is built and described, what its frames add, what it can do and what the page shows of
it; everything else asks here. To add a kind: docs/kinds.md.
"""

from __future__ import annotations

from typing import Annotated, Callable, NamedTuple, Union

from pydantic import Field

from gdviz.validation import register_union_tags

from .kind import (BUILT_IN_MAIN, BUILT_IN_TABS, Capabilities, ObjectiveKind, Page, PluginView,
                   Readout)
from .cnn import CNN_KIND, CnnSpec
from .complex import COMPLEX, ComplexLinregSpec
from .linear import LINREG2, LOGREG2, Linreg2Spec, Logreg2Spec
from .mlp import MAX_CLASSES, MLP_KIND, MlpSpec
from .spec import field_info
from .surfaces import DEFAULT_SURFACE, EXPR, SURFACE, surface_info

__all__ = ["BUILT_IN_MAIN", "BUILT_IN_TABS", "KINDS", "MODEL_KINDS", "ModelSpec", "ObjectiveKind", "Capabilities", "Page",
           "PluginView", "Readout", "kind_of", "model_spec_union", "catalog", "describe",
           "DEFAULT_SURFACE", "MAX_CLASSES", "surface_info", "Source",
           "Linreg2Spec", "Logreg2Spec", "MlpSpec", "CnnSpec", "ComplexLinregSpec"]

KINDS: dict[str, ObjectiveKind] = {k.id: k for k in (SURFACE, EXPR, LINREG2, LOGREG2, MLP_KIND,
                                                     CNN_KIND, COMPLEX)}
MODEL_KINDS: tuple[str, ...] = tuple(k.id for k in KINDS.values() if k.named_by == "model")
NAMED_BY = ("model", "expr", "surface")
"""The scenario fields that name an objective, the one that wins first when a link gives
several (a link with a model and a surface shows the model; an expr wins over a surface)."""


def model_spec_union(where: Callable[[ObjectiveKind], bool] = lambda k: True):
    """The pydantic type of a ``model`` of the model kinds ``where`` accepts, told apart by
    ``kind`` (``ModelSpec``: every model kind)."""
    specs = tuple(k.spec for k in KINDS.values() if k.spec is not None and where(k))
    if len(specs) == 1:
        return specs[0]
    return Annotated[Union[specs], Field(discriminator="kind")]


ModelSpec = model_spec_union()
register_union_tags("model", MODEL_KINDS, whole_body=True)


class Source(NamedTuple):
    """An objective named on its own (what ``build``/``describe`` take): e.g. the body of
    ``POST /api/model`` is ``Source(model=spec)``."""

    surface: str | None = None
    expr: str | None = None
    domain: tuple | None = None
    model: object | None = None
    seed: int = 0


def kind_of(source) -> ObjectiveKind:
    """The kind of the objective ``source`` names (a Scenario, a landscape request, a
    ``Source``): its model's kind, else ``expr``, else ``surface``."""
    model = getattr(source, "model", None)
    if model is not None:
        return KINDS[model.kind]
    return KINDS["expr" if getattr(source, "expr", None) is not None else "surface"]


def describe(source, grid_n: int = 120) -> dict:
    """What the page draws ``source``'s objective from (``POST /api/model`` for a model)."""
    return kind_of(source).describe(source, grid_n)


def catalog() -> list[dict]:
    """``GET /api/models``: every model kind with its fields (default, min/max or choices,
    doc), read from its spec, and what else its entry adds."""
    return [{"kind": k.id, "title": k.title,
             "fields": {name: field_info(f) for name, f in k.spec.model_fields.items()
                        if name != "kind"},
             **k.catalog()}
            for k in KINDS.values() if k.spec is not None]


def _check_entries() -> None:
    """Every kind's page names views that exist: the page's own, or its plug-ins."""
    for k in KINDS.values():
        plugins = {v.id for v in k.page.views}
        unknown = (({k.page.main} - set(BUILT_IN_MAIN) - plugins)
                   | (set(k.page.tabs) - set(BUILT_IN_TABS) - plugins))
        assert not unknown, f"kind {k.id}: no view {sorted(unknown)} (declare it in page.views)"
        assert (k.spec is None) == (k.named_by != "model"), f"kind {k.id}: a model kind has a spec"


_check_entries()
