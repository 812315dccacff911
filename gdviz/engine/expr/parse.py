"""``parse_expr(text) -> Node``: a typed formula, checked against an allow-list.

The text first passes scan.py (length, characters, parentheses, tokens), then
``ast.parse(text, mode="eval")`` — Python's own parser, which only builds a
syntax tree and runs nothing — and then every node of that tree is checked
here against an allow-list and turned into an expression tree (tree.py):

* numbers (int and float literals; never bool, complex, strings or bytes);
* the names x, y, pi, e;
* + − * / ** (and ^, written as ** by scan.py), unary − and +;
* calls of an allow-listed function name (functions.py, aliases resolved),
  with exactly its number of plain positional arguments.

Anything else — attributes, subscripts, comparisons, lambdas, comprehensions,
keyword or starred arguments, unknown names — raises ``ExprError`` naming the
offending token and its column. Nothing is ever evaluated from the text:
there is no eval, exec or compile of it, no sympify.

While building, constant subtrees are checked and folded: a power whose
constant exponent exceeds MAX_EXPONENT in size is refused before it is
computed (9**9**9: 9**9 folds to 387420489, which is then refused as an
exponent), and any constant subexpression must be a finite number within
±MAX_CONSTANT (so log(0), 1/0 and 10**400 are refused too). The tree is also
capped at MAX_NODES nodes and MAX_TREE_DEPTH levels.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
from fractions import Fraction

from .algebra import folded, folded_neg
from .errors import ExprError
from .evaluate import constant_value
from .functions import FUNCTIONS, canonical_name, names
from .limits import MAX_CONSTANT, MAX_EXPONENT, MAX_NODES, MAX_TREE_DEPTH
from .scan import Scanned, scan, tokens
from .tree import CONSTANTS, VARIABLES, Add, Call, Const, Div, Mul, Node, Num, Pow, Sub, Var

_OPERATORS = {ast.Add: Add, ast.Sub: Sub, ast.Mult: Mul, ast.Div: Div, ast.Pow: Pow}
_OPERATOR_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
                     ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitOr: "|",
                     ast.BitAnd: "&", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
_REFUSED_OPERATORS = {ast.FloorDiv: "'//' (floor division) is not allowed — use /"}
_REFUSED_NODES = {
    "Lambda": "'lambda' is not allowed",
    "IfExp": "'if … else' is not allowed",
    "Compare": "comparisons are not allowed",
    "BoolOp": "'and' / 'or' are not allowed",
    "ListComp": "comprehensions are not allowed",
    "SetComp": "comprehensions are not allowed",
    "DictComp": "comprehensions are not allowed",
    "GeneratorExp": "comprehensions are not allowed",
    "JoinedStr": "f-strings are not allowed",
    "Subscript": "indexing with [ ] is not allowed",
    "List": "lists are not allowed",
    "Set": "sets are not allowed",
    "Dict": "dicts are not allowed",
    "Starred": "'*' unpacking is not allowed",
    "NamedExpr": "':=' is not allowed",
    "Await": "'await' is not allowed",
    "Yield": "'yield' is not allowed",
    "YieldFrom": "'yield' is not allowed",
    "Slice": "slices are not allowed",
}


def parse_expr(text: str, variables: tuple[str, ...] = VARIABLES) -> Node:
    """The expression tree of ``text``, or ExprError(message, position). ``variables``: the
    coordinates it may use — ("x", "y") for f(x, y), ("x",) for a function of one variable."""
    scanned = scan(text)
    try:
        module = ast.parse(scanned.source, mode="eval")
    except SyntaxError as e:
        raise _syntax_error(e, scanned, text) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):  # not reachable in 200 chars
        raise ExprError("the expression could not be read", 0) from None
    return _Builder(scanned, text, variables).build(module.body, 1)


def _syntax_error(e: SyntaxError, scanned: Scanned, text: str) -> ExprError:
    at = (e.offset or 0) - 1
    if at < 0 or at >= len(scanned.source) or scanned.source[at:].strip() == "":
        end = len(text.rstrip())
        return ExprError("the expression is incomplete — something is missing at the end", end)
    for tok in tokens(scanned.source):
        if tok.start <= at < tok.end:
            start, stop = scanned.column(tok.start), scanned.end_column(tok.end)
            return ExprError(f"unexpected '{text[start:stop]}' here", start, stop)
    start = scanned.column(at)
    return ExprError(f"unexpected '{text[start]}' here", start)


def _unknown_name(name: str, variables: tuple[str, ...]) -> str:
    if len(name) > 1 and set(name) <= set(variables):
        return f"unknown name '{name}' — write {'*'.join(name)} for a product"
    m = re.fullmatch(r"([xy])(\d+)", name)
    if m:
        v, k = m.groups()
        return f"unknown name '{name}' — write {v}*{k} or {v}**{k}"
    close = difflib.get_close_matches(name, names() + list(variables) + list(CONSTANTS), 1)
    hint = f" — did you mean {close[0]}?" if close else ""
    return f"unknown name '{name}'{hint} (use {', '.join(variables)}, pi, e)"


def _unknown_function(name: str) -> str:
    close = difflib.get_close_matches(name, names(), 1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown function '{name}' — {hint}use one of {', '.join(FUNCTIONS)}"


def _family(op: ast.operator) -> str:
    return {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}.get(
        type(op), "other")


def _describe(v: float) -> str:
    return f"{v:.6g}"


class _Builder:
    """Walks Python's syntax tree, refusing what is not allow-listed, building ours."""

    def __init__(self, scanned: Scanned, text: str, variables: tuple[str, ...]):
        self.scanned = scanned
        self.text = text
        self.variables = variables
        self.count = 0
        self.values: dict[Node, float] = {}

    # --- positions -------------------------------------------------------------------
    def span(self, node) -> tuple[int, int]:
        s = self.scanned
        return s.column(node.col_offset), s.end_column(node.end_col_offset)

    def segment(self, node) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def refuse(self, message: str, node=None, span: tuple[int, int] | None = None):
        start, end = span if span is not None else self.span(node)
        raise ExprError(message, start, end)

    def operator_span(self, node: ast.BinOp) -> tuple[int, int]:
        symbol = _OPERATOR_SYMBOLS.get(type(node.op), "")
        lo, hi = node.left.end_col_offset, node.right.col_offset
        i = self.scanned.source.find(symbol, lo, hi) if symbol else -1
        if i < 0:
            return self.span(node)
        return self.scanned.column(i), self.scanned.end_column(i + len(symbol))

    # --- the walk --------------------------------------------------------------------
    def build(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_TREE_DEPTH:
            self.refuse(f"the expression is nested more than {MAX_TREE_DEPTH} levels deep", node)
        self.count += 1
        if self.count > MAX_NODES:
            self.refuse(f"the expression is too long: more than {MAX_NODES} numbers, names "
                        "and operations", node)
        kind = type(node).__name__
        method = getattr(self, "_" + kind, None)
        if method is None:
            self.refuse(_REFUSED_NODES.get(kind, f"'{self.segment(node)}' is not allowed here"),
                        node)
        out = method(node, depth)
        if out.is_constant:
            self.check_constant(out, node)
        return out

    def check_constant(self, out: Node, node: ast.AST) -> None:
        v = constant_value(out, self.values)
        seg = self.segment(node)
        if math.isnan(v):
            self.refuse(f"'{seg}' is not a real number", node)
        if math.isinf(v) and not isinstance(out, Num):
            self.refuse(f"'{seg}' has no finite value", node)
        if abs(v) > MAX_CONSTANT:
            self.refuse(f"'{seg}' is too large (the limit is ±{MAX_CONSTANT:g})", node)

    def _Constant(self, node: ast.Constant, depth: int) -> Node:
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            self.refuse(f"'{self.segment(node)}' is not allowed — write a number", node)
        if isinstance(v, complex):
            self.refuse(f"complex numbers such as '{self.segment(node)}' are not allowed", node)
        if not isinstance(v, (int, float)):
            self.refuse("text and bytes are not allowed — an expression has only numbers", node)
        literal = self.scanned.source[node.col_offset:node.end_col_offset]
        return Num(Fraction(literal))

    def _Name(self, node: ast.Name, depth: int) -> Node:
        name = node.id
        if name in self.variables:
            return Var(name)
        if name in VARIABLES:
            self.refuse(f"'{name}' is not a variable here — a function of "
                        f"{', '.join(self.variables)} only", node)
        if name in CONSTANTS:
            return Const(name)
        if canonical_name(name):
            self.refuse(f"'{name}' is a function — write {name}(…) with parentheses", node)
        self.refuse(_unknown_name(name, self.variables), node)

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Node:
        if isinstance(node.op, ast.USub):
            return folded_neg(self.build(node.operand, depth + 1))
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand, depth + 1)
        word = "'not'" if isinstance(node.op, ast.Not) else "'~'"
        start = self.scanned.column(node.col_offset)
        self.refuse(f"{word} is not allowed", span=(start, start + 1))

    def _BinOp(self, node: ast.BinOp, depth: int) -> Node:
        op = _OPERATORS.get(type(node.op))
        if op is None:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), "this operator")
            self.refuse(_REFUSED_OPERATORS.get(type(node.op), f"'{symbol}' is not allowed"),
                        span=self.operator_span(node))
        # a flat chain a + b - c + … (or a*b/c*…) is one level to a reader: its left
        # spine does not count towards MAX_TREE_DEPTH (MAX_NODES still bounds it)
        same = isinstance(node.left, ast.BinOp) and _family(node.left.op) == _family(node.op)
        left = self.build(node.left, depth if same else depth + 1)
        right = self.build(node.right, depth + 1)
        if op is Pow and right.is_constant:
            p = constant_value(right, self.values)
            if abs(p) > MAX_EXPONENT:
                self.refuse(f"the exponent {_describe(p)} is too large — a constant power is "
                            f"limited to |p| ≤ {MAX_EXPONENT}", span=self.operator_span(node))
        return folded(op, left, right)

    def _Call(self, node: ast.Call, depth: int) -> Node:
        func = node.func
        if isinstance(func, ast.Attribute):
            return self._Attribute(func, depth)
        if not isinstance(func, ast.Name):
            self.refuse("only a function name can be called, e.g. sin(x)", func)
        name = canonical_name(func.id)
        if name is None:
            if func.id in VARIABLES or func.id in CONSTANTS:
                self.refuse(f"'{func.id}' is not a function — write {func.id}*(…)", func)
            self.refuse(_unknown_function(func.id), func)
        if node.keywords:
            kw = node.keywords[0]
            if kw.arg is None:
                self.refuse("'**' unpacking is not allowed", kw)
            self.refuse(f"keyword arguments are not allowed — write {func.id}(…)", kw)
        for a in node.args:
            if isinstance(a, ast.Starred):
                self.refuse("'*' unpacking is not allowed", a)
        arity = FUNCTIONS[name].arity
        if len(node.args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            self.refuse(f"{func.id} takes {arity} {plural}, not {len(node.args)}", node)
        return Call(name, tuple(self.build(a, depth + 1) for a in node.args))

    def _Attribute(self, node: ast.Attribute, depth: int) -> Node:
        dot = self.scanned.source.rfind(".", node.value.end_col_offset, node.end_col_offset)
        start = self.scanned.column(dot if dot >= 0 else node.col_offset)
        end = self.scanned.end_column(node.end_col_offset)
        self.refuse(f"attribute access (.{node.attr}) is not allowed", span=(start, end))

    def _Tuple(self, node: ast.Tuple, depth: int) -> Node:
        if not node.elts:
            self.refuse("empty parentheses '()' are not allowed", node)
        self.refuse("a comma is only allowed between a function's arguments, e.g. max(x, y)",
                    node)



