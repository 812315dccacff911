"""Helpers shared by the benchmark scripts (not a benchmark itself).

Importing this module puts the repository root on ``sys.path`` so that
``python bench/NAME.py`` works from the root without installing the package.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pc = time.perf_counter


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


# --- instrumenting a Batch without touching app/ --------------------------------

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
    ``classify.oscillating``). Only instance attributes are replaced, so
    app/ code is unchanged; each wrapper costs ~0.2 µs a call.
    """
    timers = defaultdict(float)
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
    batch._oscillating = _timed(batch._oscillating, "classify.oscillating", timers)
    batch._classify = _timed(batch._classify, "classify", timers)
    batch._record_history = _timed(batch._record_history, "record_history", timers)
    batch.advance = outer(batch.advance)
    batch.propose = outer(batch.propose)
    return timers


ENGINE_PARTS = ("total", "loss_and_grad", "optimizer.update", "classify", "classify.oscillating",
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
        ("classify: oscillation test", timers["classify.oscillating"]),
        ("classify: other tests (finite, explode, runaway, ‖g‖, stationary)",
         timers["classify"] - timers["classify.oscillating"]),
        ("record_history", timers["record_history"]),
    ]
    rest = total - sum(v for _, v in parts)
    parts.append(("rest (active/done, indexing, gathers, norms)", rest))
    rows = [(name, v / steps * 1e6, 100 * v / total) for name, v in parts]
    rows.append((f"= {total_label} (instrumented)", total / steps * 1e6, 100.0))
    return rows
