"""Clients for hostile-input tests that cannot hang: every call has a hang guard.

The guard is not a timing assertion: a refusal is expected in milliseconds, and
``HANG_GUARD`` seconds only turns a server that never answers into a failing test
instead of a CI job that blocks forever. How long each refusal really took is
recorded in ``Timings`` and printed at the end of the run.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

from strict_json import loads
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

HANG_GUARD = 60.0  # seconds; a refusal takes milliseconds (but a loaded machine is slow)
POSTS = ("/api/run", "/api/expr", "/api/sweep", "/api/basins", "/api/scatter")
EXPORTS = ("/export/csv", "/export/json", "/export/html")
PAGES = ("/", "/embed")
# an error sentence names its field first: "start.scenario.expr: …", "message: …",
# "runs.0.start: …", a client's odd key quoted: "pause.':': …"
_PART = r"(?:[A-Za-z_]\w*|\d+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
NAMES_A_FIELD = re.compile(rf"^(?:request body|query string|{_PART}(?:\.{_PART})*): \S")


def guarded(fn: Callable[[], Any], seconds: float = HANG_GUARD) -> tuple[Any, float]:
    """``fn()`` in a daemon thread: (its value, the seconds it took). A call still
    running after ``seconds`` fails the test (the thread is abandoned, not joined)."""
    box: dict[str, Any] = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            box["error"] = e

    began = time.perf_counter()
    thread = threading.Thread(target=target, daemon=True, name="hang-guard")
    thread.start()
    thread.join(seconds)
    took = time.perf_counter() - began
    if thread.is_alive():
        raise AssertionError(f"no answer within {seconds:g} s: the server hangs")
    if "error" in box:
        raise box["error"]
    return box.get("value"), took


@dataclass
class Timings:
    """The slowest answer per entry point, for the end-of-run summary."""

    slowest: dict[str, tuple[float, str]] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def record(self, entry: str, case: str, seconds: float) -> None:
        self.count[entry] = self.count.get(entry, 0) + 1
        if seconds >= self.slowest.get(entry, (-1.0, ""))[0]:
            self.slowest[entry] = (seconds, case)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def lines(self) -> list[str]:
        return [f"{entry:<34} {self.count[entry]:>5} answers, slowest {s * 1000:7.1f} ms"
                + (f" ({case})" if case else "")
                for entry, (s, case) in sorted(self.slowest.items())] + self.notes


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """The body, parsed as a browser would (NaN or Infinity fail)."""
        return loads(self.body)


class Http:
    """Raw HTTP/1.1 over ``http.client``: no URL length limit of its own (httpx refuses
    URLs over 64 kB), so a 100 kB query string reaches the server as sent."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        def call():
            conn = http.client.HTTPConnection(self.host, self.port, timeout=HANG_GUARD)
            try:
                conn.putrequest(method, target, skip_accept_encoding=True)
                sent = {"Content-Type": "application/json", **(headers or {})}
                if body is not None and "Transfer-Encoding" not in sent:
                    sent["Content-Length"] = str(len(body))
                for k, v in sent.items():
                    conn.putheader(k, v)
                conn.endheaders()
                if body is not None:
                    try:
                        conn.send(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the server answered early (413) and closed: read it
                r = conn.getresponse()
                return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            finally:
                conn.close()

        return guarded(call)[0]

    def get(self, path: str, query: str | dict | None = None) -> Answer:
        return self.request("GET", target(path, query))

    def post(self, path: str, payload: Any = None, *, raw: bytes | str | None = None) -> Answer:
        if raw is None:
            raw = json.dumps(payload)  # NaN literals allowed: the hostile client may send them
        return self.request("POST", path, raw.encode() if isinstance(raw, str) else raw)


def target(path: str, query: str | dict | None) -> str:
    """``path?query`` with a dict's values percent-encoded (every character, so newlines
    and NULs survive; a lone surrogate becomes the invalid UTF-8 bytes it would be)."""
    if query is None:
        return path
    if isinstance(query, dict):
        query = "&".join(f"{_quote(k)}={_quote(v)}"
                         for k, v in query.items())
    return f"{path}?{query}"


def _quote(value) -> str:
    return quote(str(value), safe="", errors="surrogatepass")


class Socket:
    """A WebSocket whose every receive is hang-guarded and parsed as strict JSON."""

    def __init__(self, url: str):
        self.url = url
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(connect(
            url, max_size=None, open_timeout=HANG_GUARD, close_timeout=2, compression=None))

    def send(self, message: str | bytes | dict) -> None:
        if isinstance(message, dict):
            message = json.dumps(message)
        self.ws.send(message)

    def recv(self, timeout: float = HANG_GUARD) -> dict:
        text = self.ws.recv(timeout=timeout)
        assert isinstance(text, str), f"the server sent a binary frame: {text[:40]!r}"
        return loads(text)

    def until(self, done: Callable[[dict], bool], limit: int = 100_000) -> list[dict]:
        """Messages up to and including the first for which ``done`` is true."""
        seen = []
        for _ in range(limit):
            seen.append(self.recv())
            if done(seen[-1]):
                return seen
        raise AssertionError(f"no closing message in {limit} messages: {seen[-3:]}")

    def ask(self, message: str | bytes | dict, done: Callable[[dict], bool]) -> tuple[list[dict], float]:
        """Send ``message``; the replies up to ``done`` and the seconds until the last."""
        began = time.perf_counter()
        self.send(message)
        replies = self.until(done)
        return replies, time.perf_counter() - began

    @property
    def open(self) -> bool:
        try:
            self.ws.ping().wait(HANG_GUARD)
            return True
        except (ConnectionClosed, TimeoutError):
            return False

    def close(self) -> None:
        self._stack.close()


@contextmanager
def socket(url: str) -> Iterator[Socket]:
    s = Socket(url)
    try:
        yield s
    finally:
        s.close()


# A request that must keep working after the hostility: the server still answers.
def assert_still_answers(http: Http, ws_base: str) -> None:
    r = http.post("/api/run", {"surface": "bowl", "steps": 5,
                               "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]})
    assert r.status == 200, r.text
    assert len(r.json()["runs"][0]["frames"]) >= 2
    with socket(f"{ws_base}/ws/run") as s:
        replies, _ = s.ask({"type": "speed", "steps_per_second": 7}, is_type("state"))
        assert replies[-1]["speed"] == 7


def is_type(*types: str) -> Callable[[dict], bool]:
    return lambda m: m.get("type") in types


def names_a_field(message: str) -> bool:
    return bool(NAMES_A_FIELD.match(message))


def json_nodes(value, path=()) -> Iterator[tuple[tuple, Any]]:
    """(path, node) for every node of a JSON value, containers before what they hold."""
    yield path, value
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from json_nodes(item, (*path, key))


# -- judging answers -----------------------------------------------------------------

_WARNINGS = re.compile(r'<div id="warnings".*?<ul>(.*?)</ul>', re.S)


def names(field: str, text: str) -> bool:
    """``text`` blames ``field`` (e.g. "expr: …", "start.scenario.expr: …",
    "2 bad query parameter(s): domain: …")."""
    return re.search(rf"(?:^|[.\s;\['(]){re.escape(field)}(?=[:.\s'\]]|$)", text) is not None


def refused_naming(answer: Answer, field: str) -> str | None:
    """None if ``answer`` is a 4xx whose strict-JSON message names ``field``; else why not."""
    if not 400 <= answer.status < 500:
        return f"status {answer.status}: {answer.text[:120]}"
    try:
        body = answer.json()
    except ValueError as e:
        return f"not strict JSON ({e}): {answer.text[:120]}"
    message = body.get("message", "")
    if not names(field, message):
        return f"message does not name {field}: {message[:160]!r}"
    return None


def page_warning_naming(answer: Answer, field: str) -> str | None:
    """None if ``answer`` is the page (200) showing a warning that names ``field``."""
    if answer.status != 200:
        return f"status {answer.status}: {answer.text[:120]}"
    shown = _WARNINGS.search(answer.text)
    if shown is None:
        return "no warning shown"
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", shown.group(1), re.S)]
    if not any(names(field, i) for i in items):
        return f"no warning names {field}: {items}"
    return None
