"""Compiling trees into a vectorised NumPy evaluator — no eval, exec or compile of text.

``compile_trees(*roots)`` walks the trees once and lists one NumPy operation
per *distinct* subtree (equal subtrees are evaluated once, across all roots:
f, its gradient and its Hessian share most of their work). Calling the
program runs that list on arrays ``x`` and ``y`` of any shapes that broadcast,
under ``np.errstate(all="ignore")``: log(−1), 1/0 or an overflow give NaN or
±inf where they happen — gaps in a plot — never a warning or an exception.
Each result is a fresh float array of the broadcast shape (a constant is
broadcast too), so callers may keep or modify it.

Intermediate arrays are released right after their last use, so a long
program over a 65,536-point grid holds only the arrays still needed.

A program pickles as the names of its operations (``kernel_key``), not the functions,
so a worker process can build it and send it back.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .functions import FUNCTIONS
from .tree import CONSTANTS, Add, Call, Const, Div, Mul, Neg, Node, Num, Pow, Sub, Var

Array = np.ndarray

_BINARY: dict[type, Callable] = {Add: np.add, Sub: np.subtract, Mul: np.multiply,
                                 Div: np.divide, Pow: np.power}


def _square(a, _two):
    return np.square(a)


def kernel_key(node: Node) -> str:
    """The name of the operation computing ``node``: "square", "neg", a function name
    ("sin", "atan2", …) or a binary operation's class name ("Add", …)."""
    if isinstance(node, Pow) and isinstance(node.right, Num) and node.right.value == 2:
        return "square"
    if isinstance(node, Neg):
        return "neg"
    if isinstance(node, Call):
        return node.fn
    return type(node).__name__


_BY_NAME: dict[str, Callable] = {"square": _square, "neg": np.negative,
                                 **{op.__name__: fn for op, fn in _BINARY.items()}}


def _kernel_of(key: str) -> Callable:
    """The NumPy function of a ``kernel_key``."""
    return _BY_NAME[key] if key in _BY_NAME else FUNCTIONS[key].forward


def _kernel(node: Node) -> Callable:
    """The NumPy function computing ``node`` from its children's values."""
    return _kernel_of(kernel_key(node))


def leaf_value(node: Node) -> float | None:
    """The float of a number or named constant; None for anything else."""
    if isinstance(node, Num):
        try:
            return float(node.value)
        except OverflowError:
            return math.inf if node.value > 0 else -math.inf
    if isinstance(node, Const):
        return CONSTANTS[node.name]
    return None


class Program:
    """A straight-line list of NumPy operations computing several trees at once."""

    def __init__(self, roots: tuple[Node, ...]):
        slots: dict[Node, int] = {Var("x"): 0, Var("y"): 1}
        init: list = [None, None]
        code: list[tuple[Callable, tuple[int, ...], int]] = []
        # iterative post-order walk: (node, children done?)
        for root in roots:
            stack = [(root, False)]
            while stack:
                node, ready = stack.pop()
                if node in slots:
                    continue
                leaf = leaf_value(node)
                if leaf is not None:
                    slots[node] = len(init)
                    init.append(leaf)
                    continue
                if not ready:
                    stack.append((node, True))
                    stack.extend((a, False) for a in reversed(node.args) if a not in slots)
                    continue
                slots[node] = len(init)
                init.append(None)
                code.append((kernel_key(node), tuple(slots[a] for a in node.args), slots[node]))
        self.outputs = tuple(slots[r] for r in roots)
        self._init = init
        computed = {out for _, _, out in code}
        leaves = set(range(len(init))) - computed  # x, y and the constants
        self._ops = self._with_frees(code, leaves | set(self.outputs))
        self.size = len(code)
        self._resolve()

    def _resolve(self) -> None:
        self._code = [(_kernel_of(key), args, out, frees) for key, args, out, frees in self._ops]

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_code"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._resolve()

    @staticmethod
    def _with_frees(code, keep: set[int]):
        """Attach to each operation the slots whose last use it is (never inputs,
        constants or outputs)."""
        last: dict[int, int] = {}
        for i, (_, args, _) in enumerate(code):
            for a in args:
                last[a] = i
        frees: list[list[int]] = [[] for _ in code]
        for slot, i in last.items():
            if slot not in keep:
                frees[i].append(slot)
        return [(fn, args, out, tuple(frees[i])) for i, (fn, args, out) in enumerate(code)]

    def __call__(self, x, y) -> tuple[Array, ...]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        shape = np.broadcast_shapes(x.shape, y.shape)
        vals = list(self._init)
        vals[0], vals[1] = x, y
        with np.errstate(all="ignore"):
            for fn, args, out, frees in self._code:
                vals[out] = fn(*[vals[a] for a in args])
                for f in frees:
                    vals[f] = None
        return tuple(np.array(np.broadcast_to(vals[i], shape), dtype=float) for i in self.outputs)

    def first(self, x, y) -> Array:
        """The first root's values only (a surface's ``value``)."""
        return self(x, y)[0]


def compile_trees(*roots: Node) -> Program:
    """One program computing every root: ``compile_trees(f, gx, gy)(x, y) -> (f, gx, gy)``."""
    return Program(tuple(roots))


def constant_value(node: Node, cache: dict[Node, float] | None = None) -> float:
    """The float value of a tree with no x or y (NaN or ±inf where it has none),
    computed with the same kernels as ``Program``; ``cache`` holds known subtree values."""
    if cache is not None and node in cache:
        return cache[node]
    leaf = leaf_value(node)
    if leaf is None:
        args = [constant_value(a, cache) for a in node.args]
        with np.errstate(all="ignore"):
            leaf = float(_kernel(node)(*[np.float64(a) for a in args]))
    if cache is not None:
        cache[node] = leaf
    return leaf if not math.isnan(leaf) else math.nan
