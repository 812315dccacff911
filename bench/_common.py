"""Helpers shared by the benchmark scripts (not a benchmark itself).

Importing this module puts the repository root on ``sys.path`` so that
``python bench/NAME.py`` works from the root without installing the package.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pc = time.perf_counter


# --- a real server on loopback (ws_loopback.py, load.py) -----------------------------

HOST = "127.0.0.1"
RUN = {"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 1e-6, "start": [1.5, 1.0]}],
       "steps": 10000}
"""A run that cannot end within a benchmark: plain GD at lr 1e-6 barely moves, for up to
10,000 steps (the scenario maximum)."""


def start_text(speed: float) -> str:
    """The `start` message of ``RUN`` at ``speed`` steps/s (it plays at once)."""
    return json.dumps({"type": "start", "scenario": {**RUN, "speed": speed}})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int = 1, env: dict | None = None,
                 argv: list[str] | None = None, fd_limit: int | None = None,
                 stderr=subprocess.PIPE, root: str = ROOT) -> subprocess.Popen:
    """``python -m gdviz serve`` on ``HOST:port`` (``--workers`` when > 1), with extra
    environment ``env`` (e.g. GDVIZ_* settings); returns once it answers HTTP.
    ``argv`` runs another server command instead (it must listen on ``HOST:port``);
    ``fd_limit`` sets its RLIMIT_NOFILE (soft and hard, as ``ulimit -n``); ``stderr``
    where its log goes (a file for a server that may log a lot: a full pipe would
    stall it); ``root`` the source tree to serve (another checkout, to compare with an
    older commit)."""
    command = argv or [sys.executable, "-m", "gdviz", "serve", "--host", HOST,
                       "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {**os.environ, **(env or {})}
    if root != ROOT:
        env["PYTHONPATH"] = root

    def limit_fds():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    proc = subprocess.Popen(command, cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr,
                            preexec_fn=limit_fds if fd_limit else None)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise RuntimeError(f"server exited ({proc.returncode}): {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/surfaces", timeout=1) as r:
                if r.status == 200 and proc.poll() is None:
                    return proc  # (and not another server that already had the port)
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("server did not answer within 30 s")


def stop_server(proc: subprocess.Popen | None) -> None:
    """SIGTERM (uvicorn's supervisor passes it on to its workers), then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (field 3 onwards)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (a supervisor, its workers and their helpers)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat_fields(int(entry))[1])
            except (OSError, IndexError, ValueError):
                pass  # it ended while we looked
    tree, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sorted(tree)


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds of ``pids`` together (those that have ended count 0)."""
    total = 0.0
    for p in pids:
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total


def settle(pids: list[int], timeout: float = 20.0, window: float = 0.3,
           busy: float = 0.05) -> None:
    """Wait until the server's processes are idle: below ``busy`` of a core over
    ``window`` seconds (work from the last round may still be running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c0 = tree_cpu(pids)
        time.sleep(window)
        if tree_cpu(pids) - c0 < busy * window:
            return


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (VmRSS), 0 once it has ended."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def median(xs):
    return statistics.median(xs)


@contextmanager
def no_gc():
    """Keep the cyclic GC from landing inside a timed region."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def table(headers, rows, title=None):
    """Print rows (lists of str/number) as an aligned plain-text table."""
    def cell(v):
        if isinstance(v, float):
            if v != v:
                return "—"
            a = abs(v)
            if a >= 1e5:
                return f"{v:,.0f}"
            if a >= 100:
                return f"{v:.0f}"
            if a >= 10:
                return f"{v:.1f}"
            return f"{v:.2f}"
        return str(v)

    cells = [[cell(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    def line(row):  # first column left-aligned, the numbers right-aligned
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths)))

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print(line(r))


# --- instrumenting a Batch without touching gdviz/ --------------------------------

class _TimedObjective:
    """Forwards to the real objective, timing loss_and_grad."""

    def __init__(self, inner, timers):
        self._inner, self._t = inner, timers

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def loss_and_grad(self, params, *args, **kwargs):  # passes on ``step=`` (Batch sends it)
        t = pc()
        out = self._inner.loss_and_grad(params, *args, **kwargs)
        self._t["loss_and_grad"] += pc() - t
        return out


def _timed(fn, key, timers):
    def wrapper(*a, **k):
        t = pc()
        out = fn(*a, **k)
        timers[key] += pc() - t
        return out
    return wrapper


def instrument(batch):
    """Wrap a Batch's parts with timers; return the dict they add seconds to.

    Keys: ``total`` (time inside the outermost ``advance``/``propose`` call),
    ``loss_and_grad``, ``optimizer.update`` (runs inside ``propose``, which
    ``advance`` calls), ``record_history``, ``classify`` (which includes
    ``classify.judge``, the verdict near a minimum). Only instance attributes are
    replaced, so gdviz/ code is unchanged; each wrapper costs ~0.2 µs a call.
    """
    timers = defaultdict(float, {k: 0.0 for k in ENGINE_PARTS})
    depth = [0]

    def outer(fn):
        def wrapper(*a, **k):
            depth[0] += 1
            t = pc()
            try:
                return fn(*a, **k)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    timers["total"] += pc() - t
        return wrapper

    batch.objective = _TimedObjective(batch.objective, timers)
    batch.optimizer = dataclasses.replace(
        batch.optimizer, update=_timed(batch.optimizer.update, "optimizer.update", timers))
    chain = getattr(batch, "chain", None)
    if chain is not None:  # the step as a chain of transforms: the optimizer is its last part
        last = chain.transforms[-1]
        last = (dataclasses.replace(last, optimizer=batch.optimizer)
                if hasattr(last, "schedule") else batch.optimizer)
        chain.transforms = (*chain.transforms[:-1], last)
    # the verdict near a minimum: curvature, linear map, exact continuation (issue 12)
    batch._judge = _timed(batch._judge, "classify.judge", timers)
    batch._classify = _timed(batch._classify, "classify", timers)
    batch._record_history = _timed(batch._record_history, "record_history", timers)
    batch.advance = outer(batch.advance)
    batch.propose = outer(batch.propose)
    return timers


ENGINE_PARTS = ("total", "loss_and_grad", "optimizer.update", "classify", "classify.judge",
                "record_history")
"""The instrument() timers split_rows reads (take the median of each over repeats)."""


def split_rows(timers, steps, opt_name="Adam", take_put=False, total_label="advance+propose"):
    """Rows (part, µs per step, % of total) from instrument() timers.

    ``take_put``: also a row for the optimizer-state gather/scatter of the rows
    still running (timed by bench/landscape.py's own wrapper)."""
    total = timers["total"]
    parts = [
        ("loss_and_grad (surface)", timers["loss_and_grad"]),
        (f"optimizer.update ({opt_name})", timers["optimizer.update"]),
    ]
    if take_put:
        parts.append(("state _take/_put (rows still running)",
                      timers["take/put (state gather/scatter)"]))
    parts += [
        ("classify: near a minimum (_judge: curvature, linear map, continuation)",
         timers["classify.judge"]),
        ("classify: the other rules (finite, diverging, settled, oscillating)",
         timers["classify"] - timers["classify.judge"]),
        ("record_history", timers["record_history"]),
    ]
    rest = total - sum(v for _, v in parts)
    parts.append(("rest (active/done, indexing, gathers, norms)", rest))
    rows = [(name, v / steps * 1e6, 100 * v / total) for name, v in parts]
    rows.append((f"= {total_label} (instrumented)", total / steps * 1e6, 100.0))
    return rows


# --- another commit's network code beside this tree's (mlp_step.py, cnn_step.py) --------

def nets_at(ref: str):
    """``gdviz.engine.nets`` as it is at git ``ref`` (e.g. ``main``), imported as its own
    package beside this tree's: ``git archive`` of that folder into a temporary directory.
    The folder imports only itself and NumPy, so both versions live in one process and
    can be timed side by side. Returns the package (its ``mlp``, ``cnn``… submodules)."""
    import importlib
    import importlib.util
    import io
    import tarfile
    import tempfile

    sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", ref], check=True,
                         capture_output=True, text=True).stdout.strip()
    tar = subprocess.run(["git", "-C", ROOT, "archive", sha, "gdviz/engine/nets"], check=True,
                         capture_output=True).stdout
    where = tempfile.mkdtemp(prefix=f"gdviz-nets-{sha}-")
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(where, filter="data")
    folder = os.path.join(where, "gdviz", "engine", "nets")
    name = f"nets_{sha}"
    spec = importlib.util.spec_from_file_location(name, os.path.join(folder, "__init__.py"),
                                                  submodule_search_locations=[folder])
    pkg = importlib.util.module_from_spec(spec)
    sys.modules[name] = pkg
    spec.loader.exec_module(pkg)
    for sub in ("mlp", "cnn"):
        setattr(pkg, sub, importlib.import_module(f"{name}.{sub}"))
    pkg.commit = sha
    return pkg


def simd_note() -> str:
    """Which SIMD level NumPy dispatches to here (e.g. np.tanh is vectorised for float64
    only with AVX-512; on an AVX2 machine it is a scalar loop)."""
    import numpy as np
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    top = [f for f in ("X86_V4", "AVX512_SKX", "X86_V3", "AVX2", "SSE42") if feats.get(f)]
    off = os.environ.get("NPY_DISABLE_CPU_FEATURES")
    return (f"NumPy {np.__version__} SIMD: {top[0] if top else 'baseline'}"
            + (f" (disabled: {off})" if off else ""))
