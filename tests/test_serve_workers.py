"""`gdviz serve --workers N`: uvicorn's supervisor with N worker processes.

With uvicorn patched out: the options reach ``uvicorn.run`` (the app as an import
string, as the supervisor needs) and ``--open`` waits for the port. Then one real
server: ``python -m gdviz serve --workers 2`` answers HTTP and streams a run.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from websockets.sync.client import connect

from gdviz import cli
from gdviz.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def uvicorn_run(monkeypatch):
    """Patch uvicorn.run (and fail on uvicorn.Server); yields the recorded calls."""
    calls = []

    def run(app, **options):
        calls.append((app, options))

    def no_server(*a, **k):
        raise AssertionError("--workers > 1 must go through uvicorn.run's supervisor")

    monkeypatch.setattr(cli.uvicorn, "run", run)
    monkeypatch.setattr(cli.uvicorn, "Server", no_server)
    return calls


def test_serve_workers_runs_the_app_factory_in_uvicorn_workers(uvicorn_run):
    r = CliRunner().invoke(cli.main, ["serve", "--workers", "2", "--host", "0.0.0.0",
                                      "--port", "8080"])
    assert r.exit_code == 0, r.output
    (app, options), = uvicorn_run
    assert app == "gdviz.main:create_app" and options["factory"] is True
    assert options["workers"] == 2
    assert (options["host"], options["port"]) == ("0.0.0.0", 8080)
    assert options["ws_max_size"] == get_settings().ws_hard_max_bytes
    # named, not uvicorn's "auto" (the legacy protocol before uvicorn 0.50); and the one
    # uvicorn knows under that name is the sans-I/O class
    assert options["ws"] == cli.WS_PROTOCOL
    from uvicorn.config import WS_PROTOCOLS
    assert WS_PROTOCOLS[options["ws"]].endswith(":WebSocketsSansIOProtocol")
    assert "http://127.0.0.1:8080/" in r.stdout


def test_serve_refuses_zero_workers(uvicorn_run):
    r = CliRunner().invoke(cli.main, ["serve", "--workers", "0"])
    assert r.exit_code == 2 and "--workers" in r.stderr and uvicorn_run == []


def test_serve_help_says_the_cap_is_per_worker():
    text = " ".join(CliRunner().invoke(cli.main, ["serve", "--help"]).stdout.split())
    assert "--workers N" in text and "GDVIZ_MAX_CONNECTIONS, per worker" in text


def test_serve_workers_open_waits_for_the_port(monkeypatch):
    port = free_port()
    opened = []
    monkeypatch.setattr(cli.webbrowser, "open", lambda url: opened.append(url))

    def run(app, **options):  # listen a moment later, as the supervisor does
        time.sleep(0.3)
        assert opened == []  # nothing listens yet: no browser
        with socket.create_server(("127.0.0.1", options["port"])):
            for t in threading.enumerate():
                if t.name == "gdviz-open-browser":
                    t.join(timeout=5)

    monkeypatch.setattr(cli.uvicorn, "run", run)
    r = CliRunner().invoke(cli.main, ["serve", "--workers", "2", "--port", str(port),
                                      "--open"])
    assert r.exit_code == 0, r.output
    assert opened == [f"http://127.0.0.1:{port}/"]


# -- a real 2-worker server -----------------------------------------------------------


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="counts worker processes in /proc")
def test_a_two_worker_server_answers_http_and_streams_a_run():
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "gdviz", "serve", "--workers", "2",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers = []
    try:
        deadline = time.monotonic() + 120  # only how long to wait: a loaded machine is slow
        while True:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
            assert time.monotonic() < deadline, "no answer within 120 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/surfaces",
                                            timeout=2) as r:
                    assert r.status == 200 and json.load(r)
                    break
            except OSError:
                time.sleep(0.1)
        workers = [c for c in children(proc.pid)
                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        assert len(workers) == 2  # the supervisor's two spawned workers
        with connect(f"ws://127.0.0.1:{port}/ws/run") as ws:
            ws.send(json.dumps({"type": "start", "scenario": {
                "surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}],
                "steps": 50, "speed": 2000}}))
            kinds = []
            while not kinds or kinds[-1] != "done":
                kinds.append(json.loads(ws.recv(10))["type"])
        assert kinds[0] == "started" and "frames" in kinds
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C: the supervisor stops its workers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0
    assert not [w for w in workers if os.path.exists(f"/proc/{w}")
                and "spawn_main" in Path(f"/proc/{w}/cmdline").read_text()]
