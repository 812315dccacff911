"""The ``gdviz`` command: help, serve's options (uvicorn patched out), presets."""

import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdviz import cli
from gdviz.scenarios.models import Scenario
from gdviz.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner():
    return CliRunner()


class FakeServer:
    """Stands in for uvicorn.Server: records its config; ``run`` marks it started (or
    failed) and waits briefly for the browser thread."""

    instances: list["FakeServer"] = []
    fail = False

    def __init__(self, config):
        self.config = config
        self.started = False
        self.should_exit = False
        self.ran = False
        FakeServer.instances.append(self)

    def run(self):
        self.ran = True
        if FakeServer.fail:
            self.should_exit = True
        else:
            self.started = True
        for t in threading.enumerate():
            if t.name == "gdviz-open-browser":
                t.join(timeout=5)


@pytest.fixture
def served(monkeypatch):
    """Patch uvicorn.Server and webbrowser.open; yields the list of opened URLs with
    whether the server had started when each was opened."""
    FakeServer.instances, FakeServer.fail = [], False
    opened = []
    monkeypatch.setattr(cli.uvicorn, "Server", FakeServer)
    monkeypatch.setattr(cli.webbrowser, "open", lambda url: opened.append(
        (url, FakeServer.instances[-1].started)))
    return opened


def test_help_lists_the_commands(runner):
    r = runner.invoke(cli.main, ["--help"], prog_name="gdviz")
    assert r.exit_code == 0
    assert "Usage: gdviz" in r.stdout and "With no command, runs `gdviz serve`" in r.stdout
    for command in ("serve", "presets", "export"):
        assert f"  {command} " in r.stdout
    assert runner.invoke(cli.main, ["-h"]).stdout == runner.invoke(cli.main, ["--help"]).stdout


def test_command_help_texts(runner):
    serve = runner.invoke(cli.main, ["serve", "--help"]).stdout
    assert all(o in serve for o in ("--host", "--port", "--open"))
    export = runner.invoke(cli.main, ["export", "--help"]).stdout
    assert "PRESET_OR_URL" in export and "[csv|json|html]" in export
    assert all(o in export for o in ("--output", "--strict", "--progress", "4,000,000"))
    words = " ".join(export.split())
    assert "html: one standalone page that plays the runs offline" in words
    assert "shows its title and lesson" in words
    assert "id and title" in runner.invoke(cli.main, ["presets", "--help"]).stdout


def test_version(runner):
    from gdviz import __version__
    r = runner.invoke(cli.main, ["--version"])
    assert r.exit_code == 0 and r.stdout.strip() == f"gdviz, version {__version__}"


def test_no_command_is_serve_with_the_settings(runner, served):
    r = runner.invoke(cli.main, [])
    assert r.exit_code == 0, r.output
    (server,) = FakeServer.instances
    s = get_settings()
    c = server.config
    assert server.ran and (c.host, c.port) == (s.host, s.port) == ("127.0.0.1", 8000)
    assert c.app == "gdviz.main:create_app" and c.factory
    assert c.ws_max_size == s.ws_hard_max_bytes
    assert "http://127.0.0.1:8000/" in r.stdout
    assert served == []  # no --open, no browser


def test_serve_options_are_parsed(runner, served):
    r = runner.invoke(cli.main, ["serve", "--host", "0.0.0.0", "--port", "8080"])
    assert r.exit_code == 0, r.output
    c = FakeServer.instances[-1].config
    assert (c.host, c.port) == ("0.0.0.0", 8080)
    # listening on every interface: the address to open is this machine's
    assert "http://127.0.0.1:8080/" in r.stdout and served == []


def test_serve_on_every_interface_prints_the_class_address_and_its_qr_code(runner, served, monkeypatch):
    from gdviz import lan
    monkeypatch.setattr(lan, "lan_address", lambda: "192.168.1.23")
    r = runner.invoke(cli.main, ["serve", "--host", "0.0.0.0", "--port", "8080"])
    assert r.exit_code == 0, r.output
    assert "students on this network open http://192.168.1.23:8080/ — or scan:" in r.stdout
    code = r.stdout.split("or scan:\n", 1)[1].splitlines()
    assert len(code) > 10 and all(set(line) <= set("█▀▄ ") for line in code)  # a drawn QR code
    assert code[0].strip() and len(set(map(len, code))) == 1  # square, with its quiet zone
    # one interface: that address; loopback only: no class line; no network: says so
    assert "http://10.0.0.5:8080/" in runner.invoke(cli.main, ["serve", "--host", "10.0.0.5", "--port", "8080"]).stdout
    assert "students" not in runner.invoke(cli.main, ["serve", "--port", "8080"]).stdout
    monkeypatch.setattr(lan, "lan_address", lambda: None)
    r = runner.invoke(cli.main, ["serve", "--host", "0.0.0.0", "--port", "8080"])
    assert "no network address" in r.stdout and "scan" not in r.stdout


def test_serve_open_opens_the_browser_once_the_server_is_up(runner, served):
    r = runner.invoke(cli.main, ["serve", "--port", "8123", "--open"])
    assert r.exit_code == 0, r.output
    assert served == [("http://127.0.0.1:8123/", True)]


def test_serve_open_does_not_open_a_server_that_failed(runner, served):
    FakeServer.fail = True
    r = runner.invoke(cli.main, ["serve", "--open"])
    assert r.exit_code == 0 and FakeServer.instances[-1].ran
    assert served == []


def test_serve_takes_its_defaults_from_gdviz_variables(runner, served, monkeypatch):
    monkeypatch.setenv("GDVIZ_HOST", "::")
    monkeypatch.setenv("GDVIZ_PORT", "9001")
    get_settings.cache_clear()
    try:
        r = runner.invoke(cli.main, ["serve"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    c = FakeServer.instances[-1].config
    assert r.exit_code == 0 and (c.host, c.port) == ("::", 9001)
    assert "http://[::1]:9001/" in r.stdout


def test_serve_refuses_a_bad_port(runner, served):
    r = runner.invoke(cli.main, ["serve", "--port", "70000"])
    assert r.exit_code == 2 and "--port" in r.stderr and FakeServer.instances == []


@pytest.mark.parametrize("host, url", [
    ("127.0.0.1", "http://127.0.0.1:8000/"), ("0.0.0.0", "http://127.0.0.1:8000/"),
    ("localhost", "http://localhost:8000/"), ("::", "http://[::1]:8000/"),
    ("::1", "http://[::1]:8000/")])
def test_browser_url(host, url):
    assert cli.browser_url(host, 8000) == url


def test_python_m_app_is_gdviz():
    r = subprocess.run([sys.executable, "-m", "gdviz", "--help"], cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("Usage: gdviz ")


# -- presets: the interface agreed with gdviz/scenarios/presets.py ---------------------


def fake_presets(monkeypatch, presets):
    """Install a stand-in gdviz.scenarios.presets with PRESETS = ``presets``."""
    monkeypatch.setitem(sys.modules, "gdviz.scenarios.presets",
                        types.SimpleNamespace(PRESETS=presets))


def preset(pid, title, scenario):
    return types.SimpleNamespace(id=pid, title=title, lesson="…", scenario=scenario)


FAKE = {
    "tiny": preset("tiny", "A bowl, a small step", Scenario.model_validate(
        {"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}],
         "steps": 5})),
    "ravine-momentum": preset("ravine-momentum", "Momentum in the ravine", Scenario()),
}


def test_presets_lists_id_and_title(runner, monkeypatch):
    fake_presets(monkeypatch, FAKE)
    r = runner.invoke(cli.main, ["presets"])
    assert r.exit_code == 0
    assert r.stdout.splitlines() == ["tiny             A bowl, a small step",
                                     "ravine-momentum  Momentum in the ravine"]


def test_presets_may_be_a_list(runner, monkeypatch):
    fake_presets(monkeypatch, list(FAKE.values()))
    assert cli.load_presets() == FAKE
    assert runner.invoke(cli.main, ["presets"]).stdout.startswith("tiny ")


def test_presets_before_there_are_any(runner, monkeypatch):
    monkeypatch.setitem(sys.modules, "gdviz.scenarios.presets", None)  # import fails
    assert cli.load_presets() == {}
    r = runner.invoke(cli.main, ["presets"])
    assert r.exit_code == 0 and r.stdout == "" and "no presets" in r.stderr


def test_presets_real_module():
    presets = pytest.importorskip("gdviz.scenarios.presets")
    found = cli.load_presets()
    assert found and len(found) == len(presets.PRESETS)
    r = CliRunner().invoke(cli.main, ["presets"])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == len(found)
    for line, (pid, p) in zip(lines, found.items()):
        assert p.id == pid and line.split()[0] == pid and line.endswith(p.title)
        assert isinstance(p.scenario, Scenario) and p.lesson
