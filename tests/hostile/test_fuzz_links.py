"""Fuzzing links: the query string of `/`, `/embed`, `/export/{fmt}` and
`GET /api/stability`, which the OpenAPI spec does not describe key by key.

A generated link mixes the keys links really use (the scenario's, each run's, the
model's, the view's) with unknown ones, and gives each a value that is right,
out of range, not a number, NaN, Infinity, an attack from the corpus or junk. The
page must answer 200 (a bad value falls back with a warning), a download 200 or a
422 listing the parameters, stability 200 or a 4xx — never a 5xx, and every JSON
(the page's embedded scenario included) strict.
"""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios.view import VIEW_KEYS
from live import PAGES, Answer, names_a_field
from strategies import FUZZ, texts
from strict_json import loads

_EMBEDDED_JSON = re.compile(r'data-(?:scenario|view)="([^"]*)"')

numbers_as_text = st.one_of(
    st.integers(-3, 60).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-0", "0x10", "1_0",
                     " 1", "1e-400", "٣", "", ",", "1,2", "1,2,3,4", "0,1,0,1", "-1e5,1e5,0,1"]))
values = st.one_of(numbers_as_text, numbers_as_text, texts,
                   st.sampled_from([*SURFACES, *OPTIMIZERS, "mlp", "linreg2", "logreg2",
                                    "moons", "spiral", "relu", "he", "cosine", "true", "1"]))
RUN_FIELDS = sorted({n for o in OPTIMIZERS.values() for n in o.params} |
                    {"start", "init", "schedule", "step_size", "gamma", "T_max", "eta_min",
                     "warmup_steps", "clip_norm", "noise", "bogus"})
MODEL_FIELDS = ["n", "noise", "seed", "dataset", "hidden", "classes", "activation", "head",
                "init", "batch_size", "test_fraction", "random_targets", "bogus"]
keys = st.one_of(
    st.sampled_from(["v", "surface", "expr", "domain", "steps", "seed", "speed", "model",
                     "x", "y", "momentum", *VIEW_KEYS]),
    st.tuples(st.integers(0, 7), st.sampled_from(["", *RUN_FIELDS])).map(
        lambda t: f"r{t[0]}" + (f".{t[1]}" if t[1] else "")),
    st.sampled_from(MODEL_FIELDS).map(lambda f: f"model.{f}"),
    st.text(max_size=12))
# most links name a real objective, so the keys that depend on it are read too
objectives = st.one_of(
    st.fixed_dictionaries({"model": st.sampled_from(["mlp", "linreg2", "logreg2"])}),
    st.fixed_dictionaries({"surface": st.sampled_from(list(SURFACES))}),
    st.fixed_dictionaries({"expr": st.sampled_from(["x^2 + y^2", "sin(x) + y^2"])}),
    st.just({}))
links = st.tuples(objectives, st.dictionaries(keys, values, max_size=8)).map(
    lambda t: {**t[0], **t[1]})


def cheap(link: dict[str, str]) -> dict[str, str]:
    """A link that would compute a lot (thousands of steps, big networks) scaled down:
    numbers above a small cap are cut, anything else stays as drawn."""
    caps = {"steps": 60, "model.n": 80, "model.hidden": 6, "model.batch_size": 16}
    out = {}
    for k, v in link.items():
        cap = caps.get(k)
        if cap is not None:
            v = ",".join(str(min(int(p), cap)) if _plain_digits(p) else p
                         for p in v.split(","))
        out[k] = v
    return out


def _plain_digits(text: str) -> bool:
    """ASCII digits (with spaces around): what ``int`` reads as the server does.
    ``str.isdigit`` is also true for '¹' or '①', which ``int`` refuses."""
    return re.fullmatch(r"\s*[0-9]+\s*", text) is not None


def problem_with(path: str, answer: Answer) -> str | None:
    if answer.status >= 500:
        return f"{path}: status {answer.status}: {answer.text[:200]}"
    if path in PAGES:
        if answer.status != 200:
            return f"{path}: status {answer.status}"
        embedded = _EMBEDDED_JSON.findall(answer.text)
        if len(embedded) != 2:
            return f"{path}: the page does not carry its scenario and view"
        for text in embedded:
            loads(html.unescape(text))  # strict: NaN or Infinity fail here
        return None
    if answer.headers.get("content-type", "").startswith("application/json"):
        body = answer.json()  # strict: NaN or Infinity fail here
        if answer.status >= 400 and not (names_a_field(body["message"])
                                         or body["message"].split(": ", 1)[0].endswith(
                                             "bad query parameter(s)")):
            return f"{path}: a refusal that names nothing: {body['message'][:200]!r}"
    return None


@FUZZ
@given(link=links, fmt=st.sampled_from(["json", "csv", "html"]))
def test_any_link_is_answered_without_a_5xx_or_nan(live, link, fmt):
    q = cheap(link)
    for path in (*PAGES, f"/export/{fmt}", "/api/stability"):
        problem = problem_with(path, live.http.get(path, q))
        assert problem is None, problem
