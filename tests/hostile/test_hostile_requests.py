"""Hostile HTTP requests that are not about expressions: oversized and deeply nested
bodies, numbers JSON should not carry, wrong types and unknown fields everywhere,
invalid UTF-8, and query strings far over the limit. Each gets a 4xx naming the
field (or the page's warning), strict JSON, and the server goes on answering."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from gdviz.settings import get_settings
from corpus import OVERSIZED_QUERY_ATTACKS
from live import (EXPORTS, PAGES, assert_still_answers, guarded, json_nodes, names_a_field,
                  page_warning_naming, refused_naming)

# a small valid request per endpoint: the base every damaged copy is made from
VALID = {
    "/api/run": {"surface": "bowl", "steps": 5, "seed": 1, "speed": 30,
                 "runs": [{"optimizer": "adam", "lr": 0.1, "start": [1, 1],
                           "betas": [0.9, 0.99]}]},
    "/api/expr": {"expr": "x^2 + y^2", "domain": [[-2, 2], [-1, 1]]},
    "/api/sweep": {"surface": "bowl", "steps": 5, "run": {"optimizer": "gd", "start": [1, 1]},
                   "lrs": {"min": 0.01, "max": 1, "count": 3}},
    "/api/basins": {"surface": "himmelblau", "steps": 5, "grid": {"n": 4, "box": [[-1, 1],
                                                                                [-1, 1]]},
                    "run": {"optimizer": "momentum", "lr": 0.01, "momentum": 0.5}},
    "/api/scatter": {"surface": "two_wells", "steps": 5, "n": 3, "seed": 2,
                     "run": {"optimizer": "rmsprop", "lr": 0.01}},
    "/api/model": {"kind": "mlp", "n": 40, "hidden": [4, 3], "noise": 0.1, "batch_size": 8},
}
WRONG = [None, True, "x", "", [], {}, [[1]], 1.5, -1, 0, 10**30, "1e309"]
# numbers a hostile client writes that JSON does not allow (Python's json reads them)
NOT_JSON_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"]


def places(value):
    """(path, leaf) for every leaf of a JSON value."""
    return [(p, v) for p, v in json_nodes(value) if not isinstance(v, (dict, list))]


def containers(value):
    """(path, object) for every object inside a JSON value."""
    return [(p, v) for p, v in json_nodes(value) if isinstance(v, dict)]


def replaced(value, path, new):
    copy = json.loads(json.dumps(value))
    target = copy
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = new
    return copy


def answered_strictly(answer) -> str | None:
    """None if the answer is a 200 or a 4xx naming a field, in strict JSON."""
    if answer.status != 200 and not 400 <= answer.status < 500:
        return f"status {answer.status}: {answer.text[:160]}"
    try:
        body = answer.json()
    except ValueError as e:
        return f"not strict JSON ({e})"
    if answer.status != 200 and not names_a_field(body.get("message", "")):
        return f"names no field: {body.get('message')!r}"
    return None


def check_all(entry, cases, timings):
    problems = []
    for name, send in cases:
        problem, took = guarded(send)
        timings.record(entry, name, took)
        if problem:
            problems.append(f"{name}: {problem}")
    assert not problems, f"{entry}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", VALID)
def test_the_valid_bases_are_accepted(live, path):
    assert live.http.post(path, VALID[path]).status == 200


@pytest.mark.parametrize("path", VALID)
def test_wrong_types_everywhere_get_a_4xx_naming_a_field(live, timings, path):
    base = VALID[path]
    cases = [(f"{'.'.join(map(str, where))}={wrong!r}",
              lambda where=where, wrong=wrong: answered_strictly(
                  live.http.post(path, replaced(base, where, wrong))))
             for where, _ in places(base) for wrong in WRONG]
    check_all(f"POST {path} wrong types", cases, timings)


def numeric_places(base):
    return [where for where, v in places(base) if isinstance(v, (int, float))
            and not isinstance(v, bool)]


def refused_naming_the_place(live, path, base, where, literal) -> str | None:
    """None if ``base`` with ``literal`` written at ``where`` is refused naming its field."""
    marker = "__NUMBER__"
    raw = json.dumps(replaced(base, where, marker)).replace(f'"{marker}"', literal)
    answer = live.http.post(path, raw=raw)
    problem = answered_strictly(answer)
    if problem is None and answer.status == 200:
        return "accepted it"
    field = str(where[-1]) if isinstance(where[-1], str) else str(where[-2])
    if problem is None and field not in answer.json()["message"]:
        return f"the message does not name {field}: {answer.json()['message']!r}"
    return problem


# numbers a request cannot carry: the literals JSON does not allow (Python's json reads
# them), and valid JSON past Python's 4,300-digit int conversion limit (json.loads raised
# a ValueError for the whole body: 400 "There was an error parsing the body", no field)
# or past the largest float
UNREADABLE_NUMBERS = {
    "NaN/Infinity": {literal: literal for literal in NOT_JSON_NUMBERS},
    "long integers": {"10,000 digits": "1" * 10_000, "-10,000 digits": "-" + "9" * 10_000,
                      "400 digits": "9" * 400, "4,301 digits": "1" * 4_301},
}


@pytest.mark.parametrize("kind", UNREADABLE_NUMBERS)
@pytest.mark.parametrize("path", VALID)
def test_numbers_a_request_cannot_carry_are_refused_naming_the_field(live, timings, path, kind):
    base = VALID[path]
    cases = [(f"{'.'.join(map(str, where))}={name}",
              lambda where=where, literal=literal: refused_naming_the_place(
                  live, path, base, where, literal))
             for where in numeric_places(base)
             for name, literal in UNREADABLE_NUMBERS[kind].items()]
    check_all(f"POST {path} {kind}", cases, timings)


def test_a_long_integer_is_refused_with_its_digits_and_the_limit(live):
    answer = live.http.post("/api/run", raw='{"steps": ' + "1" * 10_000 + "}")
    assert answer.status == 422
    assert answer.json()["message"] == ("steps: an integer of 10,000 digits is too long to "
                                        "read; integers have at most 4,300 digits")
    answer = live.http.post("/api/run", raw='{"runs": [{"optimizer": "gd", "lr": ' + "9" * 400
                            + "}]}")
    assert answer.json()["message"] == (
        "runs.0.lr: Input should be a finite number; an integer of 400 digits is larger "
        "than the largest float (about 1.8e308)")


@pytest.mark.parametrize("path", VALID)
def test_minus_zero_is_a_number_like_any_other(live, path):
    base = VALID[path]
    for where, v in places(base):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            problem = answered_strictly(live.http.post(path, replaced(base, where, -0.0)))
            assert problem is None, (where, problem)


@pytest.mark.parametrize("path", VALID)
def test_unknown_fields_at_every_level_are_refused_by_name(live, timings, path):
    base = VALID[path]

    def send(where):
        copy = json.loads(json.dumps(base))
        target = copy
        for p in where:
            target = target[p]
        target["surprise_field"] = 1
        answer = live.http.post(path, copy)
        if answer.status != 422:
            return f"status {answer.status}: {answer.text[:120]}"
        if "surprise_field" not in answer.json()["message"]:
            return f"does not name the field: {answer.json()['message']!r}"
        return None

    check_all(f"POST {path} unknown field",
              [(".".join(map(str, where)) or "top", lambda where=where: send(where))
               for where, _ in containers(base)], timings)


def test_a_2_mb_body_is_refused_with_the_limit(live, timings):
    limit = get_settings().max_body_bytes
    body = json.dumps({"expr": "x" * (2 << 20)}).encode()
    for path in VALID:
        answer, took = guarded(lambda: live.http.request("POST", path, body))
        timings.record("POST 2 MB body", path, took)
        assert answer.status == 413, (path, answer.status, answer.text[:200])
        assert f"{limit}" in answer.json()["message"] and "request body" in answer.json()["message"]
    assert_still_answers(live.http, live.ws)


def test_a_2_mb_body_without_a_length_is_refused_while_it_streams(live):
    """Chunked: no Content-Length to check first, so the limit applies as it arrives."""
    chunk = b"[" * (64 << 10)
    body = (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 32 + b"0\r\n\r\n"
    answer = live.http.request("POST", "/api/run", body, headers={"Transfer-Encoding": "chunked"})
    assert answer.status == 413, answer.text[:200]
    assert_still_answers(live.http, live.ws)


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("path", VALID)
def test_deeply_nested_json_is_refused_naming_the_request_body(live, timings, path, depth):
    raw = '{"runs": ' + "[" * depth + "]" * depth + "}"
    answer, took = guarded(lambda: live.http.post(path, raw=raw))
    timings.record("POST nested JSON", f"{path} depth {depth:,}", took)
    assert answer.status in (400, 422), answer.text[:200]
    message = answer.json()["message"]
    assert names_a_field(message), message
    if depth == 100_000:
        assert message.startswith("request body: nested too deeply"), message


@pytest.mark.parametrize("raw, words", [
    (b'{"expr": "x\xff"}', "not valid UTF-8 (byte 11)"),
    (b"\x80{}", "not valid UTF-8 (byte 0)"),
    (b'{"expr": "x', "not valid JSON at character"),
    (b"", "Field required"),
    (b"[]", "request"),
    (b'"x"', "request"),
])
def test_unreadable_bodies_name_the_request_body(live, raw, words):
    answer = live.http.post("/api/run", raw=raw)
    assert answer.status in (400, 422), answer.text
    assert words in answer.json()["message"] and names_a_field(answer.json()["message"])


# -- query strings ------------------------------------------------------------------

def over_the_page_limit() -> str:
    """A query string ~60 kB long: over the pages' limit, under uvicorn's 64 KiB line."""
    return "v=1&surface=bowl&note=" + "x" * 60_000


@pytest.mark.parametrize("path", PAGES)
def test_a_60_kb_query_string_shows_the_page_with_a_warning_naming_the_limit(live, path):
    answer = live.http.get(path, over_the_page_limit())
    assert page_warning_naming(answer, "query string") is None
    assert f"longer than {get_settings().max_query_chars} characters" in answer.text


@pytest.mark.parametrize("path", EXPORTS)
def test_a_60_kb_query_string_is_refused_by_the_export(live, path):
    answer = live.http.get(path, over_the_page_limit())
    assert answer.status == 422
    assert answer.json()["message"] == (f"query string: longer than "
                                         f"{get_settings().max_query_chars} characters")


@pytest.mark.parametrize("path", (*PAGES, *EXPORTS, "/api/stability"))
def test_a_100_kb_query_string_is_refused_before_the_app_and_the_server_goes_on(
        live, timings, path):
    """uvicorn's HTTP parser refuses a request line over 64 KiB with its own 400: the
    link never reaches the app, and nothing is held."""
    for name, text in {"100 kB": "x" * 100_000, **OVERSIZED_QUERY_ATTACKS}.items():
        answer, took = guarded(lambda: live.http.get(path, {"expr": text, "x": 0, "y": 0}))
        timings.record(f"GET {path} >64 KiB query", name, took)
        assert 400 <= answer.status < 500, (name, answer.status)
    assert_still_answers(live.http, live.ws)


@pytest.mark.parametrize("query, field", [
    ("expr=%FF%FE", "expr"), ("%FF=1", "\ufffd"), ("surface=%C3%28", "surface"),
    ("r0.lr=%ED%A0%80", "r0.lr"), ("domain=%FF,1,0,1&expr=x", "domain"),
])
def test_invalid_utf8_in_a_link_is_read_as_replacement_characters(live, query, field):
    for path in PAGES:
        assert page_warning_naming(live.http.get(path, "v=1&" + query), field) is None
    for path in EXPORTS:
        assert refused_naming(live.http.get(path, "v=1&" + query), field) is None
    answer = live.http.get("/api/stability", "x=0&y=0&" + query)
    assert 400 <= answer.status < 500 and names_a_field(answer.json()["message"])


@pytest.mark.parametrize("query, field", [
    ("model=mlp&model.hidden=a", "model.hidden"),
    ("model=mlp&model.hidden=1e999", "model.hidden"),
    ("model=mlp&model.hidden=8,-1", "model.hidden"),
    ("model=mlp&model.n=NaN", "model.n"),
    ("model=linreg2&model.noise=inf", "model.noise"),
    ("r0.betas=nan,nan&r0=adam", "r0.betas"),
    ("r0.start=1e309,0", "r0.start"),
    ("r99999=gd", "r99999"),
    ("steps=1e3", "steps"),
    ("seed=-0", None),
    ("speed=Infinity", "speed"),
])
def test_hostile_link_values_are_warnings_on_the_page_and_refusals_in_a_download(
        live, query, field):
    """Regression: `model.hidden=a` was a 500 on /, /embed and /export (an int() outside
    the try that turns a bad link value into a warning)."""
    for path in PAGES:
        answer = live.http.get(path, "v=1&" + query)
        problem = page_warning_naming(answer, field) if field else None
        assert answer.status == 200 and problem is None, (path, problem)
    for path in EXPORTS:
        answer = live.http.get(path, "v=1&" + query)
        assert (answer.status == 200 if field is None else refused_naming(answer, field) is None), \
            (path, answer.status, answer.text[:200])


@pytest.mark.parametrize("key, shown", [
    (":", "runs.0.':'"), ("0", "runs.0.'0'"), ("a b", "runs.0.'a b'"),
    ("x" * 5000, "runs.0.'" + "x" * 40 + "…'"), ("é", "runs.0.'é'"),
])
def test_an_odd_unknown_key_is_quoted_and_cut_short_in_the_message(live, key, shown):
    """Regression (found by the WebSocket fuzzer): an unknown key such as ":" or "0" gave
    "runs.0.:: Extra inputs…", a field no one could read; a 5,000-character key was
    echoed whole."""
    answer = live.http.post("/api/run", {"runs": [{"optimizer": "gd", key: 1}]})
    assert answer.status == 422
    message = answer.json()["message"]
    assert message.startswith(shown + ": ") and names_a_field(message), message
    assert len(message) < 200


def test_the_openapi_spec_describes_the_errors_really_sent(live):
    """Regression (found by Schemathesis): every 422 was documented as FastAPI's
    ``{detail: [{loc, msg, type}]}``, which the app never sends."""
    spec = live.http.get("/openapi.json").json()
    error = spec["components"]["schemas"]["HTTPValidationError"]
    assert set(error["required"]) == {"message", "detail"}
    assert "ValidationError" not in spec["components"]["schemas"]
    field = spec["components"]["schemas"]["FieldError"]
    sent = live.http.post("/api/run", {"steps": 0}).json()
    assert set(sent) == set(error["properties"])
    assert set(sent["detail"][0]) <= set(field["properties"])


# -- foreign hosts (DNS rebinding), on the wire --------------------------------------

def raw_exchange(url: str, request: bytes) -> bytes:
    """Send ``request`` on a new TCP connection to ``url``'s server; everything it sends
    back until it closes the connection, or 64 KiB, or 5 s of silence."""
    import socket as sockets
    parts = urlsplit(url)
    with sockets.create_connection((parts.hostname, parts.port), timeout=5) as s:
        s.sendall(request)
        answer = b""
        try:
            while len(answer) < 65536 and (chunk := s.recv(65536)):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.startswith(b"HTTP/1.1 101"):
                    break  # an accepted socket stays open
        except TimeoutError:
            pass
    return answer


def upgrade(path: str, host: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n\r\n").encode()


@pytest.mark.parametrize("path", ["/ws/run", "/ws/landscape"])
def test_a_socket_naming_a_foreign_host_gets_400_with_the_reason_instead_of_the_upgrade(
        live, path):
    answer = raw_exchange(live.url, upgrade(path, "evil.example:8000"))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"x-content-type-options: nosniff" in head.lower()
    assert json.loads(body)["message"].startswith("Host: 'evil.example:8000' is not a name")
    assert_still_answers(live.http, live.ws)


def test_an_accepted_socket_carries_the_headers_on_its_101(live):
    host = urlsplit(live.url).netloc
    head = raw_exchange(live.url, upgrade("/ws/run", host)).split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 101"), head
    assert b"x-content-type-options: nosniff" in head and b"referrer-policy: same-origin" in head


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.",
                                  "LOCALHOST", "[::1]", "0x7f.1"])
def test_a_request_is_answered_only_for_a_name_of_this_server(live, host):
    answer = raw_exchange(live.url, f"GET /api/surfaces HTTP/1.1\r\nHost: {host}\r\n"
                                    "Connection: close\r\n\r\n".encode())
    allowed = host in ("localhost.", "LOCALHOST", "[::1]")
    assert answer.startswith(b"HTTP/1.1 200" if allowed else b"HTTP/1.1 400"), (host, answer[:200])
