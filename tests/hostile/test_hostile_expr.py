"""The attack corpus through every entry point that takes an expression.

Each attack must be refused — a 4xx (or, on the pages, a warning) whose message
names the field — and the server must go on answering. The time of every refusal
is recorded and the slowest per entry point printed at the end of the run (no
timing is asserted: the hang guard in live.py only stops a hang from blocking CI).
"""

from __future__ import annotations

import json

import pytest

from gdviz.settings import get_settings
from corpus import ATTACKS, PATHOLOGICAL, QUERY_ATTACKS
from live import (EXPORTS, PAGES, POSTS, assert_still_answers, guarded, is_type, names,
                  names_a_field, page_warning_naming, refused_naming, socket)

LANDSCAPE_KINDS = ("sweep", "basins", "scatter")


def ws_refusal_problem(sent: dict, error: str, field: str) -> str | None:
    """None if ``error`` names ``field`` — or, for a message over the WebSocket size limit,
    names the message and that limit (it is refused unread)."""
    limit = get_settings().ws_max_message_bytes
    if len(json.dumps(sent).encode()) > limit:
        if error.startswith("message: ") and f"limit of {limit:,} bytes" in error:
            return None
        return f"an oversized message not refused by its size: {error[:160]!r}"
    if not (names_a_field(error) and names(field, error)):
        return f"error does not name {field}: {error[:160]!r}"
    return None


def run_corpus(entry: str, attempt, corpus, timings) -> None:
    """``attempt(text) -> problem or None`` for each attack; all problems in one failure."""
    problems = []
    for name, text in corpus.items():
        problem, took = guarded(lambda: attempt(text))
        timings.record(entry, name, took)
        if problem:
            problems.append(f"{name}: {problem}")
    assert not problems, f"{entry}: {len(problems)} attacks not refused properly:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize("path", POSTS)
def test_post_refuses_every_attack_naming_expr(live, timings, path):
    run_corpus(f"POST {path}", lambda text: refused_naming(
        live.http.post(path, {"expr": text}), "expr"), ATTACKS, timings)
    assert_still_answers(live.http, live.ws)


def point(path: str) -> dict:
    """The query keys a GET entry point needs besides the objective."""
    return {"x": 0.5, "y": 0.5} if path == "/api/stability" else {"steps": 50}


def test_stability_refuses_every_attack_naming_expr(live, timings):
    run_corpus("GET /api/stability", lambda text: refused_naming(
        live.http.get("/api/stability", {"expr": text, "x": 0, "y": 0}), "expr"),
        QUERY_ATTACKS, timings)
    assert_still_answers(live.http, live.ws)


@pytest.mark.parametrize("path", EXPORTS)
def test_export_refuses_every_attack_naming_expr(live, timings, path):
    run_corpus(f"GET {path}", lambda text: refused_naming(
        live.http.get(path, {"v": 1, "expr": text}), "expr"), QUERY_ATTACKS, timings)
    assert_still_answers(live.http, live.ws)


@pytest.mark.parametrize("path", PAGES)
def test_page_shows_a_warning_naming_expr_for_every_attack(live, timings, path):
    run_corpus(f"GET {path}", lambda text: page_warning_naming(
        live.http.get(path, {"v": 1, "expr": text}), "expr"), QUERY_ATTACKS, timings)
    assert_still_answers(live.http, live.ws)


def test_ws_run_start_refuses_every_attack_and_the_socket_goes_on(live, timings):
    with socket(f"{live.ws}/ws/run") as s:
        def attempt(text):
            message = {"type": "start", "scenario": {"expr": text}}
            replies, _ = s.ask(message, is_type("error"))
            if len(replies) != 1:
                return f"replies before the error: {replies[:-1]}"
            return ws_refusal_problem(message, replies[0]["message"], "expr")

        run_corpus("WS /ws/run start", attempt, ATTACKS, timings)
        replies, _ = s.ask({"type": "start", "paused": True, "scenario": {"expr": "x^2 + y^2"}},
                           is_type("state", "error"))
        assert replies[0]["type"] == "started", replies
    assert_still_answers(live.http, live.ws)


def test_ws_landscape_run_refuses_every_attack_and_the_socket_goes_on(live, timings):
    with socket(f"{live.ws}/ws/landscape") as s:
        job = iter(range(1, 10**6))

        def attempt(text):
            i = next(job)
            message = {"type": "run", "id": i, "kind": LANDSCAPE_KINDS[i % 3],
                       "request": {"expr": text}}
            replies, _ = s.ask(message, is_type("error", "result"))
            (reply,) = replies
            if reply["type"] != "error" or reply["id"] not in (i, None):
                return f"not an error for job {i}: {reply}"
            return ws_refusal_problem(message, reply["message"], "expr")

        run_corpus("WS /ws/landscape run", attempt, ATTACKS, timings)
        replies, _ = s.ask({"type": "run", "id": 0, "kind": "sweep", "request": {
            "expr": "x^2 + y^2", "lrs": [0.1, 0.5], "steps": 20}}, is_type("result", "error"))
        assert replies[-1]["type"] == "result", replies[-1]
    assert_still_answers(live.http, live.ws)


# -- domains ----------------------------------------------------------------------

QUERY_DOMAINS = {
    "NaN": "nan,1,0,1", "padded NaN": " nan,1,0,1", "infinity": "-inf,inf,0,1",
    "overflow": "-1e309,1,0,1", "three numbers": "0,1,0", "five numbers": "0,1,0,1,0",
    "words": "a,b,c,d", "empty": "", "commas": ",,,", "reversed": "1,0,0,1",
    "too narrow": "0,1e-9,0,1", "too wide": "-1e5,1e5,0,1", "hex": "0x1,1,0,1",
    "semicolon": "0,1,0,1;", "brackets": "[[0,1],[0,1]]", "a thousand numbers": "0," * 1_000 + "1",
}
JSON_DOMAINS = {
    "NaN": [[float("nan"), 1], [0, 1]], "infinity": [[0, float("inf")], [0, 1]],
    "overflow literal": "[[1e309, 2], [0, 1]]", "reversed": [[1, 0], [0, 1]],
    "too narrow": [[0, 1e-9], [0, 1]], "too wide": [[-1e5, 1e5], [0, 1]],
    "one axis": [[0, 1]], "three axes": [[0, 1], [0, 1], [0, 1]], "flat": [0, 1, 0, 1],
    "a string": "0,1,0,1", "strings": [["a", "b"], [0, 1]], "nested deeper": [[[0], [1]], [0, 1]],
    "an object": {"x": [0, 1], "y": [0, 1]}, "null axis": [None, [0, 1]],
}


@pytest.mark.parametrize("path", POSTS)
def test_post_refuses_bad_domains_naming_domain(live, timings, path):
    def attempt(domain):
        raw = (f'{{"expr": "x^2 + y^2", "domain": {domain}}}' if isinstance(domain, str)
               and domain.startswith("[") else None)
        answer = live.http.post(path, {"expr": "x^2 + y^2", "domain": domain}, raw=raw)
        return refused_naming(answer, "domain")

    run_corpus(f"POST {path} domain", attempt, JSON_DOMAINS, timings)


@pytest.mark.parametrize("path", ("/api/stability", *EXPORTS, *PAGES))
def test_get_refuses_bad_domains_naming_domain(live, timings, path):
    def attempt(domain):
        query = {"expr": "x^2 + y^2", "domain": domain, **point(path)}
        answer = live.http.get(path, query)
        return (page_warning_naming if path in PAGES else refused_naming)(answer, "domain")

    run_corpus(f"GET {path} domain", attempt, QUERY_DOMAINS, timings)


# -- expressions that parse but are undefined, infinite or huge ---------------------

@pytest.mark.parametrize("path", POSTS)
def test_pathological_expressions_are_answered_without_nan(live, timings, path):
    """200 with nulls where f is not finite (or a 4xx naming a field) — never a 5xx and
    never NaN or Infinity in the JSON (``answer.json`` parses strictly)."""
    small = {"/api/run": {"steps": 50}, "/api/sweep": {"steps": 50, "lrs": [0.01, 1.0]},
             "/api/basins": {"steps": 50, "grid": {"n": 8}},
             "/api/scatter": {"steps": 50, "n": 4}}.get(path, {})

    def attempt(text):
        answer = live.http.post(path, {"expr": text, **small})
        if answer.status >= 500 or answer.status < 200:
            return f"status {answer.status}: {answer.text[:160]}"
        try:
            body = answer.json()
        except ValueError as e:
            return f"not strict JSON: {e}"
        if answer.status >= 400 and not names_a_field(body.get("message", "")):
            return f"a refusal that names no field: {body}"
        return None

    run_corpus(f"POST {path} pathological", attempt, PATHOLOGICAL, timings)


@pytest.mark.parametrize("path", ("/api/stability", "/export/json", "/export/csv"))
def test_pathological_expressions_in_a_link_are_answered(live, timings, path):
    def attempt(text):
        answer = live.http.get(path, {"expr": text, **point(path)})
        if not (answer.status == 200 or 400 <= answer.status < 500):
            return f"status {answer.status}: {answer.text[:160]}"
        if answer.headers.get("content-type", "").startswith("application/json"):
            try:
                answer.json()
            except ValueError as e:
                return f"not strict JSON: {e}"
        return None

    run_corpus(f"GET {path} pathological", attempt, PATHOLOGICAL, timings)
