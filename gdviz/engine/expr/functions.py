"""The allow-listed functions: each one's NumPy forward beside its derivative rule.

A function is a ``Function``: its name, how many arguments it takes, a
vectorised NumPy implementation (``forward``), the partial derivatives with
respect to each argument as expression trees (``partials``), and exact values
at a few constants (``exact``: sin(0) = 0, exp(0) = 1, |−2| = 2 …) so that a
derivative simplifies to what a person would write. The chain rule is applied
in diff.py: d f(u) = f'(u)·du.

Derivatives keep their relative precision in the tails: σ′(u) is written
σ(u)·σ(−u) (not σ(1 − σ), which is 0 for u ≥ 37 where the truth is 8.5e-17),
tanh′(u) = sech(u)² (not 1 − tanh², 0 for |u| ≥ 19), and σ, sech, softplus and
logsigmoid are computed in forms exact to a few ulps for every u
(tests/engine/test_tails.py, against mpmath).

Conventions where a function has no derivative (documented in
docs/expressions.md): abs' = sign (0 at 0, as torch), sign' = heaviside' = 0,
relu' = heaviside with heaviside(0) = ½, and max/min give each argument ½ of
the slope at a tie (as torch.maximum / torch.minimum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from . import algebra as A
from .tree import ONE, ZERO, Call, Const, Node, Num, is_num

Partials = Callable[..., tuple[Node, ...]]


@dataclass(frozen=True)
class Function:
    name: str
    arity: int
    forward: Callable[..., np.ndarray]
    partials: Partials
    exact: Callable[..., Node | None] = lambda *args: None
    about: str = ""


def _sigmoid(u):
    """σ(u) = 1/(1 + e^−u) in a form exact to a few ulps in both tails: with e = e^−|u|,
    1/(1 + e) for u ≥ 0 and e/(1 + e) for u < 0 (no 1 − (almost 1) anywhere)."""
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


def _sech(u):
    """sech u = 1/cosh u = 2e^−|u|/(1 + e^−2|u|): no overflow of cosh for |u| > 710."""
    e = np.exp(-np.abs(u))
    return 2.0 * e / (1.0 + e * e)


def _logsigmoid(u):
    """log σ(u) = −log(1 + e^−u) = −softplus(−u) (logaddexp keeps both tails exact)."""
    return -np.logaddexp(0.0, -u)


def _at_zero(value):
    """``exact`` rule: f(0) = value (a Fraction), nothing else."""
    return lambda u: Num(value) if is_num(u, 0) else None


def _sqrt_exact(u):
    if not isinstance(u, Num) or u.value < 0:
        return None
    p, q = u.value.numerator, u.value.denominator
    rp, rq = math.isqrt(p), math.isqrt(q)
    return Num(Fraction(rp, rq)) if rp * rp == p and rq * rq == q else None


def _log_exact(u):
    if is_num(u, 1):
        return ZERO
    if u == Const("e"):
        return ONE
    return None


def _num_rule(rule):
    """``exact`` rule computed on Fractions when every argument is a number."""
    def exact(*args):
        if all(isinstance(a, Num) for a in args):
            return Num(rule(*(a.value for a in args)))
        return None
    return exact


def _sign(v: Fraction) -> Fraction:
    return Fraction((v > 0) - (v < 0))


def _heaviside(v: Fraction) -> Fraction:
    return Fraction(1) if v > 0 else Fraction(0) if v < 0 else Fraction(1, 2)


def _square(u):
    return A.pow_(u, Num(2))


def _one_minus_square(u):
    return A.sub(ONE, _square(u))


def _sum_of_squares(a, b):
    return A.add(_square(a), _square(b))


_LIST = [
    Function("sin", 1, np.sin, lambda u: (call("cos", u),), _at_zero(0), "sine"),
    Function("cos", 1, np.cos, lambda u: (A.neg(call("sin", u)),), _at_zero(1), "cosine"),
    Function("tan", 1, np.tan, lambda u: (A.div(ONE, _square(call("cos", u))),), _at_zero(0),
             "tangent"),
    Function("exp", 1, np.exp, lambda u: (call("exp", u),), _at_zero(1), "e to the power"),
    Function("log", 1, np.log, lambda u: (A.div(ONE, u),), _log_exact,
             "natural logarithm (also ln)"),
    Function("log10", 1, np.log10, lambda u: (A.div(ONE, A.mul(u, call("log", Num(10)))),),
             lambda u: ZERO if is_num(u, 1) else None, "base-10 logarithm"),
    Function("log2", 1, np.log2, lambda u: (A.div(ONE, A.mul(u, call("log", Num(2)))),),
             lambda u: ZERO if is_num(u, 1) else None, "base-2 logarithm"),
    Function("sqrt", 1, np.sqrt, lambda u: (A.div(ONE, A.mul(Num(2), call("sqrt", u))),),
             _sqrt_exact, "square root"),
    Function("cbrt", 1, np.cbrt,
             lambda u: (A.div(ONE, A.mul(Num(3), _square(call("cbrt", u)))),),
             _at_zero(0), "cube root (also of negative numbers)"),
    Function("abs", 1, np.abs, lambda u: (call("sign", u),), _num_rule(abs), "absolute value"),
    Function("sign", 1, np.sign, lambda u: (ZERO,), _num_rule(_sign), "−1, 0 or 1"),
    Function("heaviside", 1, lambda u: np.heaviside(u, 0.5), lambda u: (ZERO,),
             _num_rule(_heaviside), "0 below 0, ½ at 0, 1 above"),
    Function("tanh", 1, np.tanh, lambda u: (_square(call("sech", u)),),
             _at_zero(0), "hyperbolic tangent"),
    Function("sech", 1, _sech, lambda u: (A.neg(A.mul(call("sech", u), call("tanh", u))),),
             _at_zero(1), "hyperbolic secant, 1/cosh"),
    Function("sinh", 1, np.sinh, lambda u: (call("cosh", u),), _at_zero(0), "hyperbolic sine"),
    Function("cosh", 1, np.cosh, lambda u: (call("sinh", u),), _at_zero(1),
             "hyperbolic cosine"),
    Function("arctan", 1, np.arctan, lambda u: (A.div(ONE, A.add(ONE, _square(u))),),
             _at_zero(0), "inverse tangent (also atan)"),
    Function("arcsin", 1, np.arcsin,
             lambda u: (A.div(ONE, call("sqrt", _one_minus_square(u))),), _at_zero(0),
             "inverse sine (also asin)"),
    Function("arccos", 1, np.arccos,
             lambda u: (A.neg(A.div(ONE, call("sqrt", _one_minus_square(u)))),),
             lambda u: ZERO if is_num(u, 1) else None, "inverse cosine (also acos)"),
    Function("sigmoid", 1, _sigmoid,
             lambda u: (A.mul(call("sigmoid", u), call("sigmoid", A.neg(u))),),
             _at_zero(Fraction(1, 2)), "1/(1 + e^−u)"),
    Function("softplus", 1, lambda u: np.logaddexp(0.0, u), lambda u: (call("sigmoid", u),),
             about="log(1 + e^u)"),
    Function("logsigmoid", 1, _logsigmoid, lambda u: (call("sigmoid", A.neg(u)),),
             about="log σ(u) = −log(1 + e^−u)"),
    Function("relu", 1, lambda u: np.maximum(u, 0.0), lambda u: (call("heaviside", u),),
             _num_rule(lambda v: max(v, Fraction(0))), "max(0, u)"),
    Function("atan2", 2, np.arctan2,
             lambda a, b: (A.div(b, _sum_of_squares(a, b)), A.neg(A.div(a, _sum_of_squares(a, b)))),
             about="angle of the point (b, a): atan2(y, x)"),
    Function("max", 2, np.maximum,
             lambda a, b: (call("heaviside", A.sub(a, b)), call("heaviside", A.sub(b, a))),
             _num_rule(max), "the larger of two"),
    Function("min", 2, np.minimum,
             lambda a, b: (call("heaviside", A.sub(b, a)), call("heaviside", A.sub(a, b))),
             _num_rule(min), "the smaller of two"),
]

FUNCTIONS: dict[str, Function] = {f.name: f for f in _LIST}

ALIASES = {"ln": "log", "atan": "arctan", "asin": "arcsin", "acos": "arccos",
           "arctan2": "atan2", "logistic": "sigmoid"}


def canonical_name(name: str) -> str | None:
    """The function's canonical name (resolving aliases such as ln → log), or None."""
    name = ALIASES.get(name, name)
    return name if name in FUNCTIONS else None


def names() -> list[str]:
    """Every name a person may type as a function, canonical names first."""
    return list(FUNCTIONS) + list(ALIASES)


def call(fn: str, *args: Node) -> Node:
    """fn(args), or its exact value (sin(0) → 0, log(e) → 1, log(exp(u)) → u)."""
    exact = FUNCTIONS[fn].exact(*args)
    if exact is not None:
        return exact
    if fn == "log" and isinstance(args[0], Call) and args[0].fn == "exp":
        return args[0].args[0]
    return Call(fn, tuple(args))
