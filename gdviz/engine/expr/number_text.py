"""An exact number as the expression language writes it (format.py prints trees with it;
algebra.py asks how long a constant's text is)."""

from __future__ import annotations

from fractions import Fraction


def number_text(v: Fraction) -> str:
    """An exact number as Python reads it: 3, 0.25, 1e-20, 1/3 (an approximation
    only for a fraction too long to write exactly)."""
    if v.denominator == 1 and abs(v.numerator) < 10**16:
        return str(v.numerator)
    s = repr(float(v))
    if Fraction(s) == v:
        return s[:-2] if s.endswith(".0") else s
    if v.denominator == 1:
        return str(v.numerator)  # exact, if long
    if v.denominator <= 10**6 and abs(v.numerator) <= 10**9:
        return f"{v.numerator}/{v.denominator}"
    return s
