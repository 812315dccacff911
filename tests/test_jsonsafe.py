"""The server's one serialiser (gdviz/scenarios/jsonsafe.py): orjson, with the standard
library behind it for what orjson cannot write. Whatever it writes parses to what the
standard library would have written, except that a non-finite float is null — the text
never carries NaN or Infinity."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.scenarios.jsonsafe import dumps, dumps_bytes

_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
_TREES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=20)


def _finite(v):
    """What the stdlib would write if every non-finite float were None first."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, list):
        return [_finite(x) for x in v]
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    return v


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_any_tree_parses_back_to_the_stdlibs_with_non_finite_as_null(tree):
    text = dumps(tree)

    def refuse(token):
        raise AssertionError(f"{token} in the text")
    assert json.loads(text, parse_constant=refuse) == json.loads(
        json.dumps(_finite(tree), allow_nan=False))
    assert dumps_bytes(tree) == text.encode()


def test_numbers_are_exact_and_numpy_scalars_and_int_keys_are_written():
    x = 0.1 + 0.2
    text = dumps({"x": x, "tiny": 5e-324, "np": np.float64(1e-6), "n": np.int64(3),
                  "flag": np.bool_(True), 7: "seven", "inf": -math.inf})
    back = json.loads(text)
    assert back == {"x": x, "tiny": 5e-324, "np": 1e-6, "n": 3, "flag": True, "7": "seven",
                    "inf": None}
    assert "é" in dumps({"name": "é"})  # UTF-8 left as it is, compact
    assert dumps([1, {"a": 2}]) == '[1,{"a":2}]'


def test_what_orjson_cannot_write_goes_through_the_stdlib_which_refuses_nan():
    assert json.loads(dumps({"big": 2 ** 70})) == {"big": 2 ** 70}
    with pytest.raises(ValueError, match="not JSON compliant"):
        dumps({"big": 2 ** 70, "x": math.nan})
    with pytest.raises(TypeError):
        dumps({"a set": {1, 2}})


@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                          st.integers(-10, 10)), min_size=1, max_size=6))
def test_vec_of_a_list_is_vec_of_its_array(values):
    """``vec``'s shortcut for a list of floats (a float run's terms) gives what the array
    gives: floats, non-finite entries None, None if all NaN — and ints become floats."""
    from gdviz.scenarios.jsonsafe import vec
    got, want = vec(values), vec(np.array(values, dtype=float))
    assert json.dumps(got) == json.dumps(want)
    assert got is None or all(v is None or type(v) is float for v in got)
