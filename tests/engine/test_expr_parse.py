"""Parsing typed expressions: every allowed construct, the ^ and implicit-product rules,
the printed forms (and that the Python form parses back to the same tree), and the limits
at exactly their edges."""

from __future__ import annotations

from fractions import Fraction

import pytest

from gdviz.engine.expr import (ALIASES, FUNCTIONS, MAX_EXPONENT, MAX_EXPR_CHARS, MAX_NODES,
                             MAX_PAREN_DEPTH, MAX_TREE_DEPTH, ExprError, parse_expr, to_pretty,
                             to_text)
from gdviz.engine.expr.tree import E, PI, X, Y, Add, Call, Div, Mul, Neg, Num, Pow, Sub


def refused(text: str) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse_expr(text)
    return info.value


# --- the allowed constructs, one by one -------------------------------------------------

@pytest.mark.parametrize("text, tree", [
    ("x", X),
    ("y", Y),
    ("pi", PI),
    ("e", E),
    ("3", Num(3)),
    ("2.5", Num(Fraction(5, 2))),
    ("1e-3", Num(Fraction(1, 1000))),
    (".5", Num(Fraction(1, 2))),
    ("1.", Num(1)),
    ("x + y", Add(X, Y)),
    ("x - y", Sub(X, Y)),
    ("x * y", Mul(X, Y)),
    ("x / y", Div(X, Y)),
    ("x ** y", Pow(X, Y)),
    ("-x", Neg(X)),
    ("+x", X),
    ("(x)", X),
    ("((x + y))", Add(X, Y)),
    ("sin(x)", Call("sin", (X,))),
    ("atan2(y, x)", Call("atan2", (Y, X))),
    ("max(x, 0)", Call("max", (X, Num(0)))),
    ("-3", Num(-3)),
    ("2*3", Num(6)),
    ("1/3", Num(Fraction(1, 3))),
    ("0.1 + 0.2", Num(Fraction(3, 10))),
    ("2**10", Num(1024)),
    ("2**-1", Num(Fraction(1, 2))),
])
def test_allowed_constructs_parse_to_their_tree(text, tree):
    assert parse_expr(text) == tree


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_parses_with_its_arity(name):
    args = ", ".join(["x", "y"][:FUNCTIONS[name].arity])
    assert parse_expr(f"{name}({args})") == Call(name, (X, Y)[:FUNCTIONS[name].arity])


@pytest.mark.parametrize("alias, name", sorted(ALIASES.items()))
def test_aliases_resolve_to_the_canonical_function(alias, name):
    args = ", ".join(["x", "y"][:FUNCTIONS[name].arity])
    assert parse_expr(f"{alias}({args})") == parse_expr(f"{name}({args})")


def test_precedence_is_pythons():
    assert parse_expr("x + y * 2") == Add(X, Mul(Y, Num(2)))
    assert parse_expr("-x**2") == Neg(Pow(X, Num(2)))
    assert parse_expr("x**y**2") == Pow(X, Pow(Y, Num(2)))
    assert parse_expr("x - y - 1") == Sub(Sub(X, Y), Num(1))
    assert parse_expr("x / y / 2") == Div(Div(X, Y), Num(2))


# --- ^ means power, with power's precedence ---------------------------------------------

def test_caret_is_power_with_powers_precedence():
    assert parse_expr("x^2 + 1") == parse_expr("x**2 + 1")  # not x ^ (2 + 1)
    assert parse_expr("-x^2") == Neg(Pow(X, Num(2)))
    assert parse_expr("2^3^2") == Num(512)  # right-associative, as in maths
    assert parse_expr("x^-1") == Pow(X, Num(-1))


def test_caret_errors_point_at_the_caret_as_typed():
    # "x^y^" becomes "x**y**" for Python; the error must point into the typed text
    err = refused("x^^2")
    assert err.position in (1, 2)
    err = refused("x^1000")
    assert err.position == 1 and "1000" in err.message


# --- friendly refusals of common slips ----------------------------------------------------

@pytest.mark.parametrize("text, position, fragment", [
    ("2x", 1, "write 2*x"),
    ("2 x", 2, "write 2*x"),
    ("3(x + 1)", 1, "write 3*(…)"),
    ("(x + 1)(x - 1)", 7, "write (…)*(…)"),
    ("x(y + 1)", 1, "write x*(…)"),
    ("x y", 2, "write x*y"),
    ("sin x", 0, "write sin(…)"),
    ("xy", 0, "write x*y"),
    ("x2", 0, "x*2 or x**2"),
    ("z + 1", 0, "unknown name 'z'"),
    ("sinn(x)", 0, "did you mean sin"),
    ("sin(x, y)", 0, "sin takes 1 argument, not 2"),
    ("max(x)", 0, "max takes 2 arguments, not 1"),
    ("x +", 3, "incomplete"),
    ("x + * y", 4, "unexpected '*'"),
    ("(x + 1", 0, "never closed"),
    ("x + 1)", 5, "no matching '('"),
    ("", 0, "type an expression"),
    ("   ", 0, "type an expression"),
    ("f(x, y) = x**2", 8, "only the right-hand side"),
    ("x**2 = 1", 5, "'=' is not allowed"),
])
def test_common_slips_get_a_message_at_the_slip(text, position, fragment):
    err = refused(text)
    assert err.position == position, err.message
    assert fragment in err.message


def test_positions_count_leading_spaces():
    assert refused("   2x").position == 4


def test_error_pointer_draws_a_caret_under_the_token():
    err = refused("x + sinn(y)")
    assert err.pointer("x + sinn(y)").splitlines()[1] == "    ^^^^"
    assert err.as_dict() == {"message": err.message, "position": 4, "end": 8}


# --- limits, at their edges ---------------------------------------------------------------

def test_length_limit_is_inclusive():
    term = "sin(x)*cos(y) + "
    ok = term * ((MAX_EXPR_CHARS - 1) // len(term)) + "1"
    ok = ok + " " * (MAX_EXPR_CHARS - len(ok))
    assert len(ok) == MAX_EXPR_CHARS
    assert parse_expr(ok).free == {"x", "y"}
    short = "x" + " " * (MAX_EXPR_CHARS - 1)
    assert parse_expr(short) == X
    err = refused(short + " ")
    assert err.position == MAX_EXPR_CHARS and f"limit is {MAX_EXPR_CHARS}" in err.message


def test_paren_depth_limit():
    assert parse_expr("(" * MAX_PAREN_DEPTH + "x" + ")" * MAX_PAREN_DEPTH) == X
    err = refused("(" * (MAX_PAREN_DEPTH + 1) + "x" + ")" * (MAX_PAREN_DEPTH + 1))
    assert err.position == MAX_PAREN_DEPTH and "nested" in err.message


def test_tree_depth_limit_but_flat_sums_are_one_level():
    assert parse_expr("-" * (MAX_TREE_DEPTH - 1) + "x") is not None
    assert "nested" in refused("-" * (MAX_TREE_DEPTH + 1) + "x").message
    long_sum = " + ".join(["x"] * 45)  # 89 nodes, but one level of nesting to a reader
    assert parse_expr(long_sum).size == 89


def test_node_limit():
    n = (MAX_NODES + 1) // 2  # n x's joined by + are 2n − 1 nodes
    assert parse_expr("+".join(["x"] * n)).size == 2 * n - 1 <= MAX_NODES
    assert "more than" in refused("+".join(["x"] * (MAX_NODES // 2 + 1))).message


def test_constant_exponent_limit():
    assert parse_expr(f"x**{MAX_EXPONENT}") == Pow(X, Num(MAX_EXPONENT))
    assert parse_expr(f"x**-{MAX_EXPONENT}") == Pow(X, Num(-MAX_EXPONENT))
    assert "too large" in refused(f"x**{MAX_EXPONENT + 1}").message
    assert "too large" in refused(f"x**({MAX_EXPONENT}.5)").message
    assert parse_expr("x**y**3") == Pow(X, Pow(Y, Num(3)))  # a variable exponent is fine


@pytest.mark.parametrize("text, fragment", [
    ("1/0", "no finite value"),
    ("log(0)", "no finite value"),
    ("sqrt(-1)", "not a real number"),
    ("1e400", "too large"),
    ("10.0**300*10", "too large"),
    ("exp(1000)", "no finite value"),
])
def test_constant_subexpressions_must_be_finite(text, fragment):
    assert fragment in refused(text).message


# --- printing ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, python, pretty", [
    ("x**2 + 3*x*y", "x**2 + 3*x*y", "x² + 3xy"),
    ("x^2+y^2", "x**2 + y**2", "x² + y²"),
    ("-x**2", "-x**2", "−x²"),
    ("(-x)**2", "(-x)**2", "(−x)²"),
    ("2**-x", "2**-x", "2^(−x)"),
    ("x**(1/3)", "x**(1/3)", "x^(1/3)"),
    ("x*(1/3)", "x*(1/3)", "x·(1/3)"),
    ("x - (y - 1)", "x - (y - 1)", "x − (y − 1)"),
    ("x - -3", "x - (-3)", "x − (−3)"),
    ("x*(y*2)", "x*(y*2)", "x·(y·2)"),
    ("(x**y)**2", "(x**y)**2", "(x^y)²"),
    ("exp(-(x**2 + y**2)/2)", "exp(-(x**2 + y**2)/2)", "exp(−(x² + y²)/2)"),
    ("sqrt(x) + sqrt(x + 1)", "sqrt(x) + sqrt(x + 1)", "√x + √(x + 1)"),
    ("abs(x - y)", "abs(x - y)", "|x − y|"),
    ("ln(x) + log10(y)", "log(x) + log10(y)", "ln(x) + log10(y)"),
    ("2*pi*x", "2*pi*x", "2πx"),
    ("0.001*x", "0.001*x", "0.001x"),
])
def test_printed_forms(text, python, pretty):
    tree = parse_expr(text)
    assert to_text(tree) == python
    assert to_pretty(tree) == pretty


ROUND_TRIP = [
    "x**2 + 3*x*y", "-x**2", "(-x)**2", "x**-2", "2**-x", "(-2)**x", "x**y**2", "(x**y)**2",
    "x - (y - 1)", "x - -3", "--x", "-(x*y)", "-x*y", "x/(y*2)", "x/y/2", "x*(1/3)", "1/3*x",
    "(1/3)**x", "x**(1/3)", "sin(x)**2", "-(x + y)", "atan2(-y, x - 1)", "max(-x, y**2)",
    "1e-20*x", "123456789012345678901234567890*x", "0.1*x + 0.25*y", "e**(x*y)", "pi - x",
    "x - y - (x - y)", "x*y/(x + y)", "-1/3*x", "x**(-1/3)",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_python_form_parses_back_to_the_same_tree(text):
    tree = parse_expr(text)
    assert parse_expr(to_text(tree)) == tree
