"""Hostile input: every entry is refused with an ExprError that has a position inside
the text, nothing from the text is ever evaluated, and no refusal reads more than the
limit. (The time each refusal takes is printed by bench/expr_parse.py, not asserted.)"""

from __future__ import annotations

import ast
import builtins
import subprocess
import sys
from pathlib import Path

import pytest

from gdviz.engine.expr import MAX_EXPR_CHARS, ExprError, expr_surface, parse_expr

HOSTILE: dict[str, str] = {
    "import call": "__import__('os')",
    "import, no quotes": "__import__(os)",
    "attribute": "x.__class__",
    "attribute chain": "().__class__.__bases__",
    "attribute on number": "(1).real",
    "subclasses walk": "().__class__.__base__.__subclasses__()",
    "lambda": "lambda: 1",
    "lambda with arg": "(lambda x: x)(1)",
    "list comprehension": "[x for x in y]",
    "generator": "sum(x for x in y)",
    "f-string": 'f"{x}"',
    "eval": "eval('1')",
    "eval, no quotes": "eval(x)",
    "exec": "exec(x)",
    "open": "open('f')",
    "getattr": "getattr(x, y)",
    "globals": "globals()",
    "conditional": "x if y else 1",
    "statement after ;": "x; import os",
    "statement after newline": "x\nimport os",
    "statement after CR": "x\rimport os",
    "import statement": "import os",
    "walrus": "(z := 1)",
    "power tower": "9**9**9",
    "taller power tower": "9**9**9**9",
    "caret tower": "9^9^9^9",
    "huge literal power": "10**10**10",
    "100,000 parentheses": "(" * 100_000 + "x" + ")" * 100_000,
    "one megabyte": "x+" * 500_000 + "x",
    "megabyte of spaces": " " * 1_000_000 + "x",
    "cyrillic x": "\u0445",
    "cyrillic e in exp": "\u0435xp(x)",
    "greek pi": "2*\u03c0*x",
    "unicode minus": "x\u2212y",
    "fullwidth x": "\uff58",
    "zero-width space": "x\u200b+y",
    "matrix product": "x @ y",
    "floor division": "x // y",
    "remainder": "x % y",
    "comparison": "x < y",
    "chained comparison": "0 < x < 1",
    "not": "not x",
    "and": "x and y",
    "or": "x or y",
    "bit or": "x | y",
    "bit and": "x & y",
    "invert": "~x",
    "shift": "x << 2",
    "empty dict": "{}",
    "set": "{x}",
    "list": "[x]",
    "subscript": "x[0]",
    "slice": "x[1:2]",
    "bytes": "b'x'",
    "string": "'x'",
    "complex literal": "1j",
    "complex product": "x*2j",
    "True": "True",
    "None": "None",
    "ellipsis": "...",
    "keyword argument": "sin(x=1)",
    "star args": "sin(*x)",
    "double-star args": "max(**x)",
    "call of a call": "sin(x)(y)",
    "call of a variable": "x(y)",
    "unknown function": "z(x)",
    "tuple": "x, y",
    "dunder name": "__builtins__",
    "hex": "0x10",
    "underscore number": "1_000",
    "huge exponent literal": "1e999999999",
    "tiny exponent literal": "1e-99999999",
    "deep unary": "-" * 199 + "x",
    "deep calls": "sin(" * 40 + "x" + ")" * 40,
    "backslash continuation": "x + \\\n y",
    "comment": "x # y",
    "await": "await x",
    "yield": "(yield x)",
    "null byte": "x\x00",
    "escape char": "x\x1b[31m",
    "non-string": 42,  # type: ignore[dict-item]
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_refused_with_a_position(name):
    text = HOSTILE[name]
    with pytest.raises(ExprError) as info:
        parse_expr(text)
    err = info.value
    assert err.message
    assert isinstance(err.position, int)
    length = len(text) if isinstance(text, str) else 0
    assert 0 <= err.position <= max(length, 0)
    assert err.position < err.end or err.position == length


@pytest.mark.parametrize("name", ["one megabyte", "100,000 parentheses", "megabyte of spaces"])
def test_long_input_is_refused_by_length_before_reading(name):
    err = pytest.raises(ExprError, parse_expr, HOSTILE[name]).value
    assert err.position == MAX_EXPR_CHARS
    assert f"limit is {MAX_EXPR_CHARS}" in err.message


@pytest.mark.parametrize("text, position, fragment", [
    ("__import__('os')", 0, "'__import__' is not allowed"),
    ("x.__class__", 1, "attribute access (.__class__)"),
    ("lambda: 1", 0, "'lambda' is not allowed"),
    ("eval(x)", 0, "unknown function 'eval'"),
    ("x; import os", 1, "';'"),
    ("x\nimport os", 1, "line break"),
    ("9**9**9", 1, "exponent 3.8742e+08 is too large"),
    ("9**9**9**9", 4, "exponent 3.8742e+08 is too large"),
    ("\u0445 + y", 0, "type x instead"),
    ("x\u2212y", 1, "type - instead"),
    ("2*\u03c0*x", 2, "type pi instead"),
    ("x // y", 2, "'//'"),
    ("1j", 0, "complex"),
    ("not x", 0, "'not'"),
])
def test_hostile_messages_name_the_offending_token(text, position, fragment):
    err = pytest.raises(ExprError, parse_expr, text).value
    assert err.position == position
    assert fragment in err.message


@pytest.fixture
def nothing_executes(monkeypatch):
    """eval and exec of text raise, and compile may only build syntax trees (ast.parse)
    — except for the code objects and .py files of Python's own (lazy) imports."""
    real = {name: getattr(builtins, name) for name in ("eval", "exec", "compile")}

    def guarded(name):
        def call(source, *args, **kwargs):
            if isinstance(source, (str, bytes)):
                raise AssertionError(f"{name} called on text {source[:40]!r}")
            return real[name](source, *args, **kwargs)
        return call

    def ast_only(source, filename, mode, flags=0, *args, **kwargs):
        if not str(filename).endswith(".py"):
            assert flags & ast.PyCF_ONLY_AST, "compile() asked for a code object"
        return real["compile"](source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", guarded("eval"))
    monkeypatch.setattr(builtins, "exec", guarded("exec"))
    monkeypatch.setattr(builtins, "compile", ast_only)


def test_nothing_from_the_text_is_evaluated(nothing_executes):
    for text in HOSTILE.values():
        with pytest.raises(ExprError):
            parse_expr(text)
    surface = expr_surface("sin(x)*exp(-y**2) + x^2/10", ((-2.5, 2.5), (-2, 2)))
    assert surface.minima


def test_no_computer_algebra_system_is_loaded():
    """In a fresh interpreter: in this one another test may have imported torch, which
    loads sympy itself."""
    code = ("import sys; from gdviz.engine.expr import expr_surface; "
            "expr_surface('x**2 + y**2'); print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True).stdout
    assert out.strip() == "False"
