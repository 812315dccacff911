"""An immutable expression tree over x and y, with structural equality.

Nodes: ``Num`` (an exact rational, so 1/3 stays 1/3 and 0.1·2 is exactly 0.2),
``Var`` (x or y), ``Const`` (pi or e), ``Neg``, the binary ``Add Sub Mul Div
Pow`` and ``Call`` (an allow-listed function of one or two arguments).

Two nodes are equal when they have the same shape and leaves, so equal
subtrees built separately (as derivatives do) are recognised as one: the
compiler evaluates each distinct subtree once. Each node caches its hash, the
variables it depends on (``free``), its ``size`` (nodes, counting repeats) and
its ``depth``, so none of these walks the tree again; ``memo`` is a per-node
cache for facts derived from it (algebra.py keeps a node's factorisation there),
which never changes the node's value, equality or hash.
"""

from __future__ import annotations

import math
from fractions import Fraction

VARIABLES = ("x", "y")
_NO_VARS: frozenset = frozenset()
CONSTANTS = {"pi": math.pi, "e": math.e}


class Node:
    """Base of all nodes: ``args`` are the children, ``payload`` the leaf data or function name."""

    __slots__ = ("args", "payload", "free", "size", "depth", "_hash", "memo")

    def __init__(self, payload, args: tuple["Node", ...] = ()):
        set_ = object.__setattr__
        set_(self, "payload", payload)
        set_(self, "args", args)
        free, size, depth = _NO_VARS, 1, 0
        for a in args:
            if a.free is not free:
                free = a.free if not free else free | a.free
            size += a.size
            depth = a.depth if a.depth > depth else depth
        set_(self, "free", free)
        set_(self, "size", size)
        set_(self, "depth", depth + 1)
        set_(self, "_hash", hash((type(self).__name__, payload, args)))
        set_(self, "memo", {})

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        return (type(other) is type(self) and other._hash == self._hash
                and other.payload == self.payload and other.args == self.args)

    def __ne__(self, other) -> bool:
        return not self == other

    def __repr__(self) -> str:
        """The node's shape, e.g. ``Add(Var('x'), Num(Fraction(1, 3)))`` (format.py prints it
        as text; the tree does not depend on its printer)."""
        parts = ([] if self.payload is None else [repr(self.payload)]) + [repr(a) for a in self.args]
        return f"{type(self).__name__}({', '.join(parts)})"

    @property
    def is_constant(self) -> bool:
        """True when the node depends on neither x nor y."""
        return not self.free


class Num(Node):
    """A number, held exactly as a Fraction."""

    __slots__ = ()

    def __init__(self, value):
        v = value if isinstance(value, Fraction) else Fraction(value)
        super().__init__(v)

    @property
    def value(self) -> Fraction:
        return self.payload


class Var(Node):
    __slots__ = ()

    def __init__(self, name: str):
        if name not in VARIABLES:
            raise ValueError(f"unknown variable {name!r}")
        super().__init__(name)
        object.__setattr__(self, "free", frozenset((name,)))

    @property
    def name(self) -> str:
        return self.payload


class Const(Node):
    """A named constant: pi or e."""

    __slots__ = ()

    def __init__(self, name: str):
        if name not in CONSTANTS:
            raise ValueError(f"unknown constant {name!r}")
        super().__init__(name)

    @property
    def name(self) -> str:
        return self.payload


class Neg(Node):
    __slots__ = ()

    def __init__(self, arg: Node):
        super().__init__(None, (arg,))

    @property
    def arg(self) -> Node:
        return self.args[0]


class BinOp(Node):
    """Base of the five binary operations; ``symbol`` is their Python spelling."""

    __slots__ = ()
    symbol = "?"

    def __init__(self, left: Node, right: Node):
        super().__init__(None, (left, right))

    @property
    def left(self) -> Node:
        return self.args[0]

    @property
    def right(self) -> Node:
        return self.args[1]


class Add(BinOp):
    __slots__ = ()
    symbol = "+"


class Sub(BinOp):
    __slots__ = ()
    symbol = "-"


class Mul(BinOp):
    __slots__ = ()
    symbol = "*"


class Div(BinOp):
    __slots__ = ()
    symbol = "/"


class Pow(BinOp):
    __slots__ = ()
    symbol = "**"


class Call(Node):
    """``fn(args…)`` for a function name of the allow-list (see functions.py)."""

    __slots__ = ()

    def __init__(self, fn: str, args: tuple[Node, ...]):
        super().__init__(fn, tuple(args))

    @property
    def fn(self) -> str:
        return self.payload


X, Y = Var("x"), Var("y")
PI, E = Const("pi"), Const("e")
ZERO, ONE, TWO = Num(0), Num(1), Num(2)


def is_num(node: Node, value=None) -> bool:
    """Whether ``node`` is a number (equal to ``value``, if given)."""
    return isinstance(node, Num) and (value is None or node.value == value)


def distinct_nodes(*roots: Node) -> int:
    """How many distinct subtrees ``roots`` have together (what evaluating them costs)."""
    seen: set[Node] = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(n.args)
    return len(seen)
