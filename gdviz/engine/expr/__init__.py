"""Custom objectives f(x, y) typed by a person: parsed safely, differentiated exactly.

Public API (see docs/expressions.md):

* ``parse_expr(text) -> Node`` — the allow-listed parse (ExprError on refusal);
* ``expr_surface(text, domain=None) -> ExprSurface`` — a ``Surface`` for the
  engine, with minima, start, lr, contour scale and gradient formulas
  (ExprError for the text, DomainError for the domain);
* ``derivative``, ``gradient``, ``hessian`` — symbolic derivatives of a tree;
* ``compile_trees(*trees) -> Program`` — a vectorised NumPy evaluator;
* ``to_text`` / ``to_pretty`` — Python-syntax and unicode printing;
* ``ExprError`` (``message``, ``position``, ``end``) and the limits.

Module layout, one job each: limits · errors · tree · functions (forward +
derivative of each function) · algebra (simplifying constructors) · scan
(checks before Python's parser) · parse (allow-list walk of ``ast``) · diff ·
evaluate · format · minima · surface.
"""

from .diff import derivative, gradient, hessian
from .errors import ExprError
from .evaluate import Program, compile_trees
from .format import to_pretty, to_text
from .functions import ALIASES, FUNCTIONS
from .limits import (MAX_CONSTANT, MAX_DERIVED_NODES, MAX_DOMAIN_COORD, MAX_EXPONENT,
                     MAX_EXPR_CHARS, MAX_NODES, MAX_PAREN_DEPTH, MAX_TREE_DEPTH, MIN_DOMAIN_SPAN)
from .parse import parse_expr
from .surface import DEFAULT_DOMAIN, DomainError, ExprSurface, check_domain, expr_surface

__all__ = [
    "ALIASES", "DEFAULT_DOMAIN", "DomainError", "ExprError", "ExprSurface", "FUNCTIONS",
    "MAX_CONSTANT", "MAX_DERIVED_NODES", "MAX_DOMAIN_COORD", "MAX_EXPONENT", "MAX_EXPR_CHARS",
    "MAX_NODES", "MAX_PAREN_DEPTH", "MAX_TREE_DEPTH", "MIN_DOMAIN_SPAN", "Program",
    "check_domain", "compile_trees", "derivative", "expr_surface", "gradient", "hessian",
    "parse_expr", "to_pretty", "to_text",
]
