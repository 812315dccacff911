"""Weight initialisations. Biases always start at zero.

For a layer with fan-in n_in and fan-out n_out — a dense layer's inputs and outputs;
a 3 × 3 convolution's n_in = 3·3·c_in and n_out = 3·3·c_out (the course's
definitions: the inputs and outputs each kernel weight touches):

* ``xavier`` — W ~ U(−1/√n_in, 1/√n_in)  (Xavier's original heuristic; also
  the bound of torch.nn.Linear's default weights)
* ``glorot`` — "normalised Xavier" (Glorot & Bengio 2010):
  W ~ U(−√(6/(n_in + n_out)), √(6/(n_in + n_out))), so Var W = 2/(n_in + n_out)
* ``he``     — Kaiming/He (2015) for ReLU nets: W ~ N(0, 2/n_in)
* ``zeros``  — W = 0: every hidden unit of a layer computes the same thing and
  gets the same gradient, forever (the symmetry problem)
* ``large``  — W ~ N(0, 1): saturates tanh/sigmoid units, makes gradients explode
  or vanish with depth

Drawing is seeded: one ``np.random.default_rng(seed)`` draws the layers in
order, first to last, so the same seed, architecture and init give the same
weights.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

Array = np.ndarray

INITS = ("xavier", "glorot", "he", "zeros", "large")


def layer_weights(init: str, n_in: int, n_out: int, rng: np.random.Generator) -> Array:
    """One weight matrix W (n_in, n_out) drawn by ``init``."""
    return draw(init, (n_in, n_out), n_in, n_out, rng)


def kernel_weights(init: str, c_in: int, c_out: int, rng: np.random.Generator,
                   k: int = 3) -> Array:
    """Convolution kernels (c_out, c_in, k, k) — torch's layout — drawn by ``init`` with
    fan-in k·k·c_in and fan-out k·k·c_out."""
    return draw(init, (c_out, c_in, k, k), k * k * c_in, k * k * c_out, rng)


def draw(init: str, shape: tuple[int, ...], n_in: int, n_out: int,
         rng: np.random.Generator) -> Array:
    """Weights of ``shape`` drawn by ``init`` for fan-in ``n_in`` and fan-out ``n_out``."""
    if init == "xavier":
        bound = 1.0 / np.sqrt(n_in)
        return rng.uniform(-bound, bound, shape)
    if init == "glorot":
        bound = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-bound, bound, shape)
    if init == "he":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), shape)
    if init == "zeros":
        return np.zeros(shape)
    if init == "large":
        return rng.normal(0.0, 1.0, shape)
    raise KeyError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")


def init_layers(init: str, sizes: Sequence[int], seed: int) -> list[tuple[Array, Array]]:
    """[(W1, b1), (W2, b2), …] for layer sizes (n_0, n_1, …, n_L); biases zero."""
    rng = np.random.default_rng(seed)
    return [(layer_weights(init, n_in, n_out, rng), np.zeros(n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]
