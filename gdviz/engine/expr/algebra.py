"""Smart constructors: build a node and simplify it on the way, so derivatives read well.

Two levels:

* ``fold(op, a, b)`` / ``folded(...)`` — what the parser uses: only an
  operation on two numbers is replaced by its exact result (2*3 → 6, 1/3 stays
  the exact fraction 1/3), and only when the result stays small (no 9**9**9:
  a power is folded only for an integer exponent with |p| ≤ MAX_EXPONENT and a
  bounded number of digits). The typed expression otherwise keeps its shape.

* ``add sub neg mul div pow_ call`` — what the derivative uses: a light
  computer-algebra normal form.
  A *product* is a rational coefficient times powers of factors: numbers are
  multiplied out, equal bases add their exponents (x·x² → x³), 1/u·w becomes
  w/u, and factors are ordered x, y, constants, calls, the rest, so
  d/dx sin(x²) prints as 2*x*cos(x**2). A *sum* is a list of such terms with
  equal terms merged (x + x → 2*x, u − u → 0) and the constant last.
  Functions fold exactly at special points (sin(0) → 0, log(e) → 1).

These rewrite u·u⁻¹ to 1 and u^a·u^b to u^(a+b) like every CAS: the derivative
is then defined at a few points where the typed f is not (never the reverse
for f itself, which is only folded).
"""

from __future__ import annotations

from fractions import Fraction

from .limits import MAX_CONSTANT, MAX_EXPONENT
from .number_text import number_text
from .tree import (ONE, VARIABLES, ZERO, Add, BinOp, Call, Const, Div, Mul, Neg, Node, Num,
                   Pow, Sub, Var, is_num)

MAX_BITS = 1200  # numerator/denominator bits of a folded number (≈ 360 digits)
F0, F1 = Fraction(0), Fraction(1)


def tidy(v: Fraction) -> bool:
    """Whether an exact number is small enough to keep as one ``Num``."""
    return (abs(v) <= MAX_CONSTANT and v.numerator.bit_length() <= MAX_BITS
            and v.denominator.bit_length() <= MAX_BITS)


def fold_pow(base: Fraction, exponent: Fraction) -> Fraction | None:
    """base**exponent exactly, or None (non-integer or too-large exponent, result too big).

    The size of the result is estimated from the bit lengths *before* computing it."""
    if exponent.denominator != 1 or abs(exponent) > MAX_EXPONENT:
        return None
    n = int(exponent)
    if base == 0:
        return Fraction(1) if n == 0 else Fraction(0) if n > 0 else None
    bits = max(base.numerator.bit_length(), base.denominator.bit_length())
    if bits * abs(n) > 2 * MAX_BITS:
        return None
    r = base**n
    return r if tidy(r) else None


def fold(op: type[BinOp], a: Fraction, b: Fraction) -> Fraction | None:
    """The exact result of ``a op b``, or None when it is not a tidy rational."""
    if op is Add:
        r = a + b
    elif op is Sub:
        r = a - b
    elif op is Mul:
        r = a * b
    elif op is Div:
        if b == 0:
            return None
        r = a / b
    else:
        return fold_pow(a, b)
    return r if tidy(r) else None


def folded(op: type[BinOp], left: Node, right: Node) -> Node:
    """``op(left, right)``, folded to one number when both are numbers and it stays tidy."""
    if isinstance(left, Num) and isinstance(right, Num):
        r = fold(op, left.value, right.value)
        if r is not None:
            return Num(r)
    return op(left, right)


def folded_neg(arg: Node) -> Node:
    """−arg, folded when arg is a number."""
    return Num(-arg.value) if isinstance(arg, Num) else Neg(arg)


# --- products ----------------------------------------------------------------------------

Factors = tuple[Fraction, list[tuple[Node, Fraction]]]


def _factors(u: Node) -> Factors:
    """u as coefficient × Π base**exponent (exponents rational; other powers stay whole);
    remembered on the node, since derivatives ask for the same subtrees again and again."""
    known = u.memo.get("factors")
    if known is None:
        c, f = _factor(u)
        known = u.memo["factors"] = (c, tuple(f))
    return known[0], list(known[1])


def _factor(u: Node) -> Factors:
    if isinstance(u, Num):
        return u.value, []
    if isinstance(u, Neg):
        c, f = _factors(u.arg)
        return -c, f
    if isinstance(u, (Mul, Div)):
        cl, fl = _factors(u.left)
        cr, fr = _factors(u.right)
        if isinstance(u, Mul):
            c = cl * cr
            f = fl + fr
        elif cr != 0:
            c = cl / cr
            f = fl + [(b, -e) for b, e in fr]
        else:
            return F1, [(u, F1)]
        if tidy(c):
            return c, f
        return F1, [(u, F1)]
    if isinstance(u, Pow) and isinstance(u.right, Num):
        return F1, [(u.left, u.right.value)]
    return F1, [(u, F1)]


def _rank(base: Node) -> tuple[int, int]:
    """Where a factor goes in a printed product: x, y, pi/e, calls, the rest."""
    if isinstance(base, Num):
        return (0, 0)
    if isinstance(base, Var):
        return (1, VARIABLES.index(base.name))
    if isinstance(base, Const):
        return (2, 0)
    if isinstance(base, (Call, Pow)):
        return (3, 0)
    return (4, 0)


def _combine(coef: Fraction, factors: list[tuple[Node, Fraction]]) -> Factors:
    """Merge equal bases, fold number bases with integer exponents, order the factors."""
    merged: dict[Node, Fraction] = {}
    for base, e in factors:
        merged[base] = merged.get(base, F0) + e
    out = []
    for base, e in merged.items():
        if e == 0:
            continue
        if isinstance(base, Num):
            r = fold_pow(base.value, e)
            if r is not None and tidy(coef * r):
                coef *= r
                continue
        out.append((base, e))
    out.sort(key=lambda be: _rank(be[0]))
    return coef, out


def _power(base: Node, e: Fraction) -> Node:
    return base if e == 1 else Pow(base, Num(e))


def _chain(nodes: list[Node]) -> Node:
    node = nodes[0]
    for n in nodes[1:]:
        node = Mul(node, n)
    return node


def _decimal(c: Fraction) -> bool:
    """Whether c prints as a short exact decimal (0.5, 2.25), so it can lead a product."""
    q = c.denominator
    for p in (2, 5):
        while q % p == 0:
            q //= p
    if q != 1:
        return False
    return len(number_text(c)) <= 12


def build_product(coef: Fraction, factors: list[tuple[Node, Fraction]]) -> Node:
    """coef × Π base**e as one readable node: c*x*y**2/(z*w), the sign on the first factor."""
    if coef == 0:
        return ZERO
    negative, c = coef < 0, abs(coef)
    top = [_power(b, e) for b, e in factors if e > 0]
    bottom = [_power(b, -e) for b, e in factors if e < 0]
    if c.denominator == 1 or not bottom and _decimal(c):  # 0.5*x, but 1/(2*sqrt(x))
        p, q = c, Fraction(1)
    else:
        p, q = Fraction(c.numerator), Fraction(c.denominator)
    if p != 1 or not top:
        top.insert(0, Num(p))
    if q != 1:
        bottom.insert(0, Num(q))
    if negative:
        lead = top[0]
        top[0] = Num(-lead.value) if isinstance(lead, Num) else Neg(lead)
    node = _chain(top)
    return Div(node, _chain(bottom)) if bottom else node


def mul(a: Node, b: Node) -> Node:
    ca, fa = _factors(a)
    cb, fb = _factors(b)
    c = ca * cb
    if not tidy(c):
        return Mul(a, b)
    return build_product(*_combine(c, fa + fb))


def div(a: Node, b: Node) -> Node:
    ca, fa = _factors(a)
    cb, fb = _factors(b)
    if cb == 0:
        return Div(a, b)
    c = ca / cb
    if not tidy(c):
        return Div(a, b)
    return build_product(*_combine(c, fa + [(base, -e) for base, e in fb]))


def pow_(a: Node, b: Node) -> Node:
    if is_num(b, 0) or is_num(a, 1):
        return ONE
    if is_num(b, 1):
        return a
    if isinstance(b, Num):
        if isinstance(a, Num):
            r = fold_pow(a.value, b.value)
            if r is not None:
                return Num(r)
        elif b.value.denominator == 1:
            n = b.value
            if isinstance(a, Pow) and isinstance(a.right, Num) and a.right.value.denominator == 1:
                return pow_(a.left, Num(a.right.value * n))
            if isinstance(a, (Mul, Div, Neg)):
                c, f = _factors(a)
                r = fold_pow(c, n)
                if r is not None:
                    return build_product(*_combine(r, [(base, e * n) for base, e in f]))
        if is_num(a, 0) and b.value > 0:
            return ZERO
    return Pow(a, b)


# --- sums --------------------------------------------------------------------------------

Term = tuple[Fraction, tuple[tuple[Node, Fraction], ...]]


def _terms(u: Node, sign: int = 1) -> list[Term]:
    if isinstance(u, Add):
        return _terms(u.left, sign) + _terms(u.right, sign)
    if isinstance(u, Sub):
        return _terms(u.left, sign) + _terms(u.right, -sign)
    if isinstance(u, Neg):
        return _terms(u.arg, -sign)
    known = u.memo.get("term")
    if known is None:
        known = u.memo["term"] = _combine(*_factors(u))
    c, f = known
    return [(sign * c, tuple(f))]


def build_sum(terms: list[Term]) -> Node:
    """Σ terms as one node: equal terms merged, zeros dropped, constant last, a positive
    term first when there is one."""
    entries: list[list] = []
    index: dict[tuple, int] = {}
    for c, f in terms:
        i = index.get(f)
        if i is not None and tidy(entries[i][0] + c):
            entries[i][0] += c
        else:
            index[f] = len(entries)
            entries.append([c, f])
    entries = [e for e in entries if e[0] != 0]
    if not entries:
        return ZERO
    entries = [e for e in entries if e[1]] + [e for e in entries if not e[1]]
    first = next((i for i, e in enumerate(entries) if e[0] > 0), 0)
    entries.insert(0, entries.pop(first))
    node = build_product(entries[0][0], list(entries[0][1]))
    for c, f in entries[1:]:
        if c > 0:
            node = Add(node, build_product(c, list(f)))
        else:
            node = Sub(node, build_product(-c, list(f)))
    return node


def add(a: Node, b: Node) -> Node:
    return build_sum(_terms(a) + _terms(b))


def sub(a: Node, b: Node) -> Node:
    return build_sum(_terms(a) + _terms(b, -1))


def neg(a: Node) -> Node:
    return build_sum(_terms(a, -1))
