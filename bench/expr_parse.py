"""Typed expressions: what accepting one costs, beside what refusing a hostile one costs.

Two tables, medians of ``--repeats`` runs, the rows of each table interleaved
repeat by repeat so machine noise falls on all of them alike:

1. typical expressions (and a few deliberately heavy ones within the limits):
   parse, symbolic gradient + Hessian, compiling the three programs,
   one evaluation of f, ∇f and the Hessian on a 120 × 120 grid, and the whole
   ``expr_surface`` build (which adds the minima search, start, lr, contour
   scale; measured uncached);
2. the hostile corpus of tests/engine/test_expr_hostile.py: the time until
   ``parse_expr`` raises ExprError, with the column it points at.

Nothing is asserted. Run from the repository root: ``python bench/expr_parse.py``
(about 10 s; ``--repeats 3`` for a quick look).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict

from _common import median, no_gc, pc, table

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "engine"))  # the hostile corpus

import numpy as np  # noqa: E402

from gdviz.engine.expr import (ExprError, compile_trees, gradient, hessian,  # noqa: E402
                             parse_expr)
from gdviz.engine.expr.surface import _build, check_domain  # noqa: E402
from gdviz.engine.expr.tree import distinct_nodes  # noqa: E402
from test_expr_hostile import HOSTILE  # noqa: E402

TYPICAL = [
    ("x^2 + y^2", None),
    ("x^2 + 3*x*y", None),
    ("(1 - x)^2 + 100*(y - x^2)^2", ((-2, 2), (-1, 3))),
    ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5, 5), (-5, 5))),
    ("sin(x)*cos(y) + 0.1*(x^2 + y^2)", None),
    ("exp(-(x^2 + y^2)/2)*cos(2*x)", None),
    ("log(1 + exp(-x*y)) + 0.1*(x^2 + y^2)", None),
    ("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)", ((-5.12, 5.12), (-5.12, 5.12))),
    ("-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
     ((-5, 5), (-5, 5))),
    ("x^4 + y^4", None),
]
HEAVY = [  # within every limit, chosen to make the derivatives large
    ("x**" * 23 + "x", None),
    ("sin(" * 22 + "x*y" + ")" * 22, None),
    ("tanh(" * 22 + "x*y" + ")" * 22, None),
    ("*".join(["sin(x+y)", "cos(x-y)"] * 10), None),
]


def time_accept(text, box):
    parts = {}
    t = pc()
    f = parse_expr(text)
    parts["parse"] = pc() - t
    t = pc()
    g = gradient(f)
    h = hessian(g)
    parts["diff"] = pc() - t
    t = pc()
    progs = compile_trees(f), compile_trees(*g), compile_trees(*h)
    parts["compile"] = pc() - t
    xs = np.linspace(-3, 3, 120)
    t = pc()
    for p in progs:
        p(xs[None, :], xs[:, None])
    parts["grid 120²"] = pc() - t
    t = pc()
    _build.__wrapped__(text, check_domain(box))
    parts["surface"] = pc() - t
    parts["nodes"] = distinct_nodes(f, *g, *h)
    return parts


def time_refuse(text):
    t = pc()
    try:
        parse_expr(text)
    except ExprError as e:
        return pc() - t, e.position
    raise AssertionError(f"accepted: {text[:40]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    cases = TYPICAL + HEAVY
    acc = defaultdict(lambda: defaultdict(list))
    ref = defaultdict(list)
    where = {}
    for _ in range(args.repeats):
        with no_gc():
            for text, box in cases:
                for k, v in time_accept(text, box).items():
                    acc[text][k].append(v)
            for name, text in HOSTILE.items():
                dt, pos = time_refuse(text)
                ref[name].append(dt)
                where[name] = pos
    ms = 1e3
    rows = []
    for text, _ in cases:
        a = acc[text]
        label = text if len(text) <= 44 else text[:41] + "…"
        rows.append([label, median(a["parse"]) * ms, median(a["diff"]) * ms,
                     median(a["compile"]) * ms, median(a["grid 120²"]) * ms,
                     median(a["surface"]) * ms, int(median(a["nodes"]))])
    table(["expression (last 4: heavy, within limits)", "parse ms", "grad+hess ms", "compile ms",
           "eval 120² ms", "expr_surface ms", "distinct nodes"], rows,
          title=f"Accepting: medians of {args.repeats} repeats")
    rows = [[name, median(ref[name]) * 1e6, where[name]] for name in HOSTILE]
    table(["hostile input", "refused in µs", "at column"], rows,
          title=f"Refusing: medians of {args.repeats} repeats")
    total = sum(median(v) for v in ref.values())
    print(f"\nWhole hostile corpus ({len(HOSTILE)} inputs): {total * 1e3:.2f} ms; "
          f"slowest {max(median(v) for v in ref.values()) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
