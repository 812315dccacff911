"""The attack corpus for every entry point that takes an expression.

``ATTACKS`` is the engine's own hostile corpus (tests/engine/test_expr_hostile.py,
imported, not copied) plus attacks that only make sense at the API: look-alikes
and invisible characters the engine list leaves out, an expression just over
the length limit, shell-like payloads after a separator, and texts a browser's
form or a link would produce. Every one must be refused.

``PATHOLOGICAL`` are expressions that parse but whose values are infinite,
undefined or huge almost everywhere: they must be answered (200 or a 4xx), never
with a 5xx or a NaN in the JSON.
"""

from __future__ import annotations

from engine.test_expr_hostile import HOSTILE

from gdviz.engine.expr import MAX_EXPR_CHARS, MAX_PAREN_DEPTH

API_ATTACKS: dict[str, object] = {
    "empty": "",
    "only spaces": "   ",
    "shell after ;": "x; __import__('os').system('id')",
    "statement after CRLF": "x\r\nimport os",
    "statement after form feed": "x\x0cimport os",
    "unicode line separator": "x\u2028import os",
    "getattr with a dunder string": "getattr(x, '__class__')",
    "percent format": "'%s' % x",
    "str.format": "'{}'.format(x)",
    "dunder method call": "x.__add__(y)",
    "builtins subscript": "__builtins__['eval']('1')",
    "class keyword": "class A: pass",
    "def keyword": "def f(): pass",
    "assignment": "x = 1",
    "augmented assignment": "x += 1",
    "del": "del x",
    "assert": "assert x",
    "star expression": "*x",
    "dict literal": "{'a': x}",
    "set comprehension": "{x for x in y}",
    "dict comprehension": "{x: y for x in y}",
    "nested lambda": "sin((lambda: x)())",
    "f-string with a call": "f'{__import__(\"os\")}'",
    "raw string": "r'x'",
    "allowed function, too many arguments": "sin(x, y)",
    "allowed function, no arguments": "sin()",
    "allowed function as a value": "sin",
    "two-argument function, one argument": "atan2(x)",
    "unknown variable": "z",
    "unknown variable, t": "x + t",
    "one over the length limit": "x+" * (MAX_EXPR_CHARS // 2) + "x",
    "parentheses one over the depth limit": ("(" * (MAX_PAREN_DEPTH + 1) + "x"
                                             + ")" * (MAX_PAREN_DEPTH + 1)),
    "unbalanced parenthesis": "(x + y",
    "stray closing parenthesis": "x + y)",
    "trailing operator": "x +",
    "fullwidth sin": "\uff53\uff49\uff4e(x)",
    "greek omicron in cos": "c\u03bfs(x)",
    "cyrillic y": "x + \u0443",
    "mathematical italic x": "\U0001d465",
    "no-break space": "x\u00a0+ y",
    "right-to-left override": "x\u202e + y",
    "combining accent": "x\u0301 + y",
    "byte order mark": "\ufeffx",
    "superscript two": "x\u00b2",
    "division slash": "x\u2215y",
    "multiplication sign": "x\u00d7y",
    "smart quotes": "\u201cx\u201d",
    "HTML injection": "<script>alert(1)</script>",
    "HTML entity": "x &lt; y",
    "percent-encoded text": "x%2By",
    "JSON in the text": '{"expr": "x"}',
    "SQL": "x'; DROP TABLE runs; --",
    "lone surrogate": "x\ud800",
    "exponent literal over the limit": "1e-401 * x",
    "exponent over the limit": "x**101",
    "power of a huge constant": "(10**300)**2 * x",
    "not a string: list": ["x"],
    "not a string: object": {"expr": "x"},
    "not a string: bool": True,
    "not a string: float": 1.5,
}

ATTACKS: dict[str, object] = {**HOSTILE, **API_ATTACKS}
# A query string carries text only (the non-string entries are JSON-only attacks), and
# uvicorn refuses a request line over 64 KiB with its own 400 before the app sees it:
# the megabyte attacks are sent in links by test_hostile_requests.py, not here.
QUERY_ATTACKS: dict[str, str] = {k: v for k, v in ATTACKS.items()
                                 if isinstance(v, str) and len(v.encode("utf-8", "surrogatepass")) * 3 < 32_000}
OVERSIZED_QUERY_ATTACKS: dict[str, str] = {k: v for k, v in ATTACKS.items()
                                           if isinstance(v, str) and k not in QUERY_ATTACKS}

PATHOLOGICAL: dict[str, str] = {
    "overflows everywhere": "exp(exp(exp(x + 10)))",
    "constant times overflow": "1e300 * exp(x**2 + y**2)",
    "undefined everywhere": "sqrt(-1 - x**2 - y**2)",
    "log of negative": "log(-1 - x**2)",
    "divide by zero on a line": "1 / (x - y)",
    "divide by zero everywhere": "x / (0 * y)",
    "zero over zero": "(x - x) / (y - y)",
    "pole at the start": "1 / (x**2 + y**2)",
    "huge slope": "1e300 * x",
    "tiny values": "1e-300 * x**2",
    "power blow-up": "(x + y)**100",
    "kinks": "abs(x) + abs(y) + max(x, y)",
    "flat": "0",
    "constant": "42",
    "199-digit constant": "1" * 199,
    "arcsin outside its domain": "asin(x * 10)",
    "tan poles": "tan(x * 50) + y**2",
}
