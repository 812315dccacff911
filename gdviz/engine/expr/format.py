"""Printing a tree: ``to_text`` (Python syntax, parses back to the same tree) and
``to_pretty`` (unicode for the page: 2x·cos(x²), e^(−x²), √x, |x|, ln x).

Parentheses are the fewest that keep the tree's shape, with two choices for
readability: a negative right operand is bracketed (x*(-y), x - (-3)), and a
fraction constant is a division (x*(1/3), x**(1/3)).
"""

from __future__ import annotations

from .number_text import number_text
from .tree import Add, BinOp, Call, Const, Div, Mul, Neg, Node, Num, Pow, Sub, Var

ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1
_BINARY_PREC = {Add: SUM, Sub: SUM, Mul: PRODUCT, Div: PRODUCT, Pow: POWER}


def precedence(node: Node) -> int:
    if isinstance(node, Num):
        t = number_text(node.value)
        return PRODUCT if "/" in t else UNARY if t.startswith("-") else ATOM
    if isinstance(node, Neg):
        return UNARY
    if isinstance(node, BinOp):
        return _BINARY_PREC[type(node)]
    return ATOM


def _operand_needs_parens(node: Node, child: Node, right: bool) -> bool:
    """Whether ``child`` (an operand of binary ``node``) must be bracketed."""
    p, c = _BINARY_PREC[type(node)], precedence(child)
    if isinstance(node, Pow):
        return c < (UNARY if right else ATOM)
    if right:
        return c <= p or c == UNARY
    return c < p


# --- Python form -------------------------------------------------------------------------

def to_text(node: Node) -> str:
    """Python syntax: 2*x*cos(x**2) - 3/y. ``parse_expr(to_text(t)) == t`` for parsed trees."""
    if isinstance(node, Num):
        return number_text(node.value)
    if isinstance(node, (Var, Const)):
        return node.payload
    if isinstance(node, Call):
        return f"{node.fn}({', '.join(to_text(a) for a in node.args)})"
    if isinstance(node, Neg):
        inner = to_text(node.arg)
        if precedence(node.arg) <= UNARY:
            inner = f"({inner})"
        return "-" + inner
    left, right = to_text(node.left), to_text(node.right)
    if _operand_needs_parens(node, node.left, False):
        left = f"({left})"
    if _operand_needs_parens(node, node.right, True):
        right = f"({right})"
    sep = f" {node.symbol} " if isinstance(node, (Add, Sub)) else node.symbol
    return left + sep + right


# --- unicode form ------------------------------------------------------------------------

MINUS = "\u2212"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_PRETTY_NAME = {"log": "ln", "pi": "π"}


def _superscript(node: Node) -> str | None:
    """The exponent as superscript digits when it is a small integer (x², x⁻¹)."""
    if isinstance(node, Num) and node.value.denominator == 1 and abs(node.value) < 100:
        return str(node.value.numerator).translate(_SUPERSCRIPT)
    return None


def _letterish(node: Node) -> bool:
    """A factor written as a letter that can follow a number or letter unseparated: x, y, π, x²."""
    if isinstance(node, Var) or node == Const("pi"):
        return True
    return isinstance(node, Pow) and _superscript(node.right) is not None and _letterish(node.left)


def _ends_juxtaposable(node: Node) -> bool:
    if isinstance(node, Num):
        return precedence(node) == ATOM
    if isinstance(node, Mul):
        return _ends_juxtaposable(node.right) and not _operand_needs_parens(node, node.right, True)
    return _letterish(node)


def to_pretty(node: Node) -> str:
    """Unicode for people: 2x·cos(x²) − 3/y, e^(−x²), √x, |x|, ln(x), π."""
    if isinstance(node, Num):
        return number_text(node.value).replace("-", MINUS)
    if isinstance(node, (Var, Const)):
        return _PRETTY_NAME.get(node.payload, node.payload)
    if isinstance(node, Call):
        inner = ", ".join(to_pretty(a) for a in node.args)
        if node.fn == "abs":
            return f"|{inner}|"
        if node.fn == "sqrt":
            return "√" + (inner if precedence(node.args[0]) == ATOM and not isinstance(
                node.args[0], Call) else f"({inner})")
        return f"{_PRETTY_NAME.get(node.fn, node.fn)}({inner})"
    if isinstance(node, Neg):
        inner = to_pretty(node.arg)
        return MINUS + (f"({inner})" if precedence(node.arg) <= UNARY else inner)
    left, right = to_pretty(node.left), to_pretty(node.right)
    if isinstance(node, Pow):
        if _operand_needs_parens(node, node.left, False):
            left = f"({left})"
        sup = _superscript(node.right)
        if sup is not None:
            return left + sup
        if precedence(node.right) < ATOM or isinstance(node.right, Call):
            right = f"({right})"
        return f"{left}^{right}"
    if _operand_needs_parens(node, node.left, False):
        left = f"({left})"
    if _operand_needs_parens(node, node.right, True):
        right = f"({right})"
    if isinstance(node, Mul):
        joint = not _operand_needs_parens(node, node.right, True) and _letterish(node.right)
        sep = "" if joint and _ends_juxtaposable(node.left) else "·"
        return left + sep + right
    sep = {Add: " + ", Sub: f" {MINUS} ", Div: "/"}[type(node)]
    return left + sep + right
