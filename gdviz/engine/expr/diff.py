"""Exact symbolic derivatives of an expression tree.

``derivative(f, "x")`` applies the textbook rules node by node — sum,
product, quotient and power rules, and the chain rule with each function's
own derivative (functions.py) — building the result with the simplifying
constructors of algebra.py, so it prints as a person would write it:
d/dx (x**2 + 3*x*y) = 2*x + 3*y. Each distinct subtree is differentiated once.

Powers: u**c (c constant) → c*u**(c-1)*u';  c**v → c**v*log(c)*v' (e**v → e**v*v');
u**v in general → u**v*(v'*log(u) + v*u'/u).
"""

from __future__ import annotations

from . import algebra as A
from .functions import FUNCTIONS, call
from .tree import ONE, TWO, ZERO, Add, Call, Div, Mul, Neg, Node, Pow, Sub, Var


def derivative(f: Node, var: str) -> Node:
    """∂f/∂var as a simplified tree."""
    memo: dict[Node, Node] = {}

    def d(u: Node) -> Node:
        if var not in u.free:
            return ZERO
        done = memo.get(u)
        if done is not None:
            return done
        memo[u] = out = rule(u)
        return out

    def rule(u: Node) -> Node:
        if isinstance(u, Var):
            return ONE
        if isinstance(u, Neg):
            return A.neg(d(u.arg))
        if isinstance(u, Add):
            return A.add(d(u.left), d(u.right))
        if isinstance(u, Sub):
            return A.sub(d(u.left), d(u.right))
        if isinstance(u, Mul):
            a, b = u.left, u.right
            return A.add(A.mul(d(a), b), A.mul(a, d(b)))
        if isinstance(u, Div):
            a, b = u.left, u.right
            if var not in b.free:
                return A.div(d(a), b)
            return A.div(A.sub(A.mul(d(a), b), A.mul(a, d(b))), A.pow_(b, TWO))
        if isinstance(u, Pow):
            a, b = u.left, u.right
            if var not in b.free:
                return A.mul(A.mul(b, A.pow_(a, A.sub(b, ONE))), d(a))
            if var not in a.free:
                return A.mul(A.mul(u, call("log", a)), d(b))
            return A.mul(u, A.add(A.mul(d(b), call("log", a)), A.div(A.mul(b, d(a)), a)))
        if isinstance(u, Call):
            partials = FUNCTIONS[u.fn].partials(*u.args)
            total = ZERO
            for p, arg in zip(partials, u.args):
                total = A.add(total, A.mul(p, d(arg)))
            return total
        raise TypeError(f"cannot differentiate {type(u).__name__}")

    return d(f)


def gradient(f: Node) -> tuple[Node, Node]:
    """(∂f/∂x, ∂f/∂y)."""
    return derivative(f, "x"), derivative(f, "y")


def hessian(grad: tuple[Node, Node]) -> tuple[Node, Node, Node]:
    """(∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²) from the gradient (∂²f/∂x∂y as ∂/∂y of ∂f/∂x)."""
    gx, gy = grad
    return derivative(gx, "x"), derivative(gx, "y"), derivative(gy, "y")
