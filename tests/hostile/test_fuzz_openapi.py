"""Schemathesis over the app's own OpenAPI (GET /openapi.json), in process (ASGI).

For every operation it generates requests that fit the schema and requests that do
not (its default positive and negative modes, plus its boundary-value coverage
cases) and checks each answer: never a 5xx (`not_a_server_error`), the body fits
the documented response schema (`response_schema_conformance`, errors included:
gdviz/api/errors.py documents their shape), and every JSON body parses as a browser
parses it — no NaN, no Infinity (`strict_json_body`, below).

Work-heavy sizes a valid request may ask for (a 256² basin map of 2,000 steps is
about a minute of CPU) are scaled down before the call, so one case costs
milliseconds; the bounds themselves are tested in tests/api. Examples per
operation: GDVIZ_FUZZ_EXAMPLES (default 40); setting it (a deep run, e.g. 2000) also
turns on Schemathesis's coverage phase.
"""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gdviz.main import create_app
from live import guarded
from strategies import DEEP, FUZZ
from strict_json import loads

# Host: what a browser on this machine sends (Schemathesis's own "testserver" is not a
# name of this server, and would be refused with 400 before any route saw the case)
LOCAL = {"Host": "127.0.0.1"}
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(), headers=LOCAL)
schema.config.generation.update(deterministic=True, database="none")
# the coverage phase (every boundary value the schema defines: ~650 cases for /api/run)
# runs in the deep run only; the default run keeps to GDVIZ_FUZZ_EXAMPLES per operation
schema.config.phases.coverage.enabled = DEEP

# field name → the largest value a fuzzed request keeps (bigger valid values are cut)
CHEAP = {"steps": 60, "n": 24, "count": 12, "grid": 12, "hidden": 6, "batch_size": 16}
# what a request that leaves these out would otherwise cost (500 steps; a 64² basin map)
CHEAP_DEFAULTS = {path: {"steps": 60} for path in ("/api/run", "/api/sweep", "/api/scatter")}
CHEAP_DEFAULTS["/api/basins"] = {"steps": 60, "grid": {"n": 8}}


def cheap(value, key=None):
    """``value`` with work-heavy sizes cut to ``CHEAP`` — only numbers above the cap
    (and below absurd), so a wrongly typed or non-finite value stays as generated."""
    if isinstance(value, dict):
        return {k: cheap(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "lrs" and len(value) > CHEAP["count"]:
            value = value[:CHEAP["count"]]
        return [cheap(v, key) for v in value]
    cap = CHEAP.get(key)
    if cap is not None and type(value) in (int, float) and cap < value < 1e18:
        return type(value)(cap)  # 8040.0 is a valid step count too
    return value


@schemathesis.check
def strict_json_body(ctx, response, case):
    """A JSON body must parse without NaN or Infinity (browsers reject them)."""
    content_type = ",".join(response.headers.get("content-type", []))
    if "json" in content_type:
        try:
            loads(response.content)
        except ValueError as e:
            raise AssertionError(f"the JSON body is not strict JSON: {e}") from None


@schema.parametrize()
@settings(FUZZ)
def test_every_operation_answers_fuzzed_requests_without_a_5xx_or_nan(case):
    if isinstance(case.body, dict):
        case.body = {**CHEAP_DEFAULTS.get(case.path, {}), **cheap(case.body)}
    elif isinstance(case.body, list):
        case.body = cheap(case.body)
    if case.query:
        case.query = cheap(case.query)
    case.headers = {**(case.headers or {}), **LOCAL}
    guarded(lambda: case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, strict_json_body]))
