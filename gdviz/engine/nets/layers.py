"""The pieces of a tiny network — each forward with its backward right beside it.

Everything is vectorised over runs: R networks of the same shape are evaluated
at once on the same B samples. Shapes:

* inputs x (B, n_in) — shared by all runs — or (R, B, n_in) inside the network;
* weights W (R, n_in, n_out), biases b (R, n_out);
* pre-activations z and activations a (R, B, n) — any leading shape works for
  the activations and losses, which act elementwise / along the last axis.

A backward takes the gradient of the loss with respect to the piece's output
and returns it with respect to its inputs (and parameters), using what the
forward computed. The losses follow torch.nn's definitions with the default
``reduction='mean'``; they return the loss per run (R,) and ∂L/∂logits.

Every function takes an optional ``out`` array to write its (big) result into.
The MLP passes preallocated buffers: fresh arrays of a few hundred kB per call
cost more in page faults than the arithmetic itself.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _buffer(out: Array | None, like: Array) -> Array:
    return np.empty(like.shape) if out is None else out


# --- matrix products that stay on one thread ----------------------------------------------

MAX_PRODUCT = 1 << 19
"""Multiply-adds per BLAS call. OpenBLAS spreads a larger product over its threads, and on
a busy machine (a shared 2-core server, or 200 streams at once) those threads wait for
each other: a (25600 × 10)·(10 × 4) product took 7 ms of CPU instead of 0.2 ms
(bench/cnn_step.py). Cut into calls of at most this size, each stays on one thread."""


def matmul(a: Array, b: Array, out: Array | None = None) -> Array:
    """a @ b (NumPy's matmul, stacks broadcast), as several products over a's rows when
    one would exceed ``MAX_PRODUCT`` multiply-adds."""
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if m * k * n <= MAX_PRODUCT or m == 1:
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (m, n))
    step = max(1, MAX_PRODUCT // (k * n))
    for r0 in range(0, m, step):
        np.matmul(a[..., r0:r0 + step, :], b, out=out[..., r0:r0 + step, :])
    return out


def matmul_t(a: Array, b: Array, out: Array | None = None) -> Array:
    """aᵀ @ b — Σ over the long shared axis (rows of both) — as partial sums over chunks of
    rows when one product would exceed ``MAX_PRODUCT`` multiply-adds."""
    k, m, n = a.shape[-2], a.shape[-1], b.shape[-1]
    at = np.swapaxes(a, -1, -2)
    if m * k * n <= MAX_PRODUCT:
        return np.matmul(at, b, out=out)
    step = max(1, MAX_PRODUCT // (m * n))
    total = np.matmul(at[..., :step], b[..., :step, :], out=out)
    for r0 in range(step, k, step):
        total += np.matmul(at[..., r0:r0 + step], b[..., r0:r0 + step, :])
    return total


# --- the affine layer ---------------------------------------------------------------------

class Dense:
    """z = x·W + b  (per run r: z_r = x_r W_r + b_r, one row per sample).

    Backward, from δ = ∂L/∂z (R, B, n_out):
    ∂L/∂W = xᵀδ (summed over samples),  ∂L/∂b = Σ_samples δ,  ∂L/∂x = δ Wᵀ.
    """

    @staticmethod
    def forward(x: Array, w: Array, b: Array, out: Array | None = None) -> Array:
        z = matmul(x, w, out=out)  # (B, in) or (R, B, in) @ (R, in, out) → (R, B, out)
        z += b[:, None, :]
        return z

    @staticmethod
    def backward(dz: Array, x: Array, w: Array, need_dx: bool = True,
                 out: tuple[Array, Array] | None = None,
                 dx_out: Array | None = None) -> tuple[Array, Array, Array | None]:
        """(dW (R, in, out), db (R, out), dx (R, B, in) or None).

        ``out`` = (dW, db) arrays to write into (views of a flat gradient)."""
        ones = np.ones(dz.shape[-2])  # Σ over samples as a matrix product: far faster than sum()
        if out is None:
            dw, db = matmul_t(x, dz), np.matmul(ones, dz)
        else:
            dw, db = out
            matmul_t(x, dz, out=dw)
            np.matmul(ones, dz, out=db)
        dx = matmul(dz, np.swapaxes(w, -1, -2), out=dx_out) if need_dx else None
        return dw, db, dx


class FoldedDense:
    """The affine layer with samples as columns and its bias folded into the product:

    zᵀ = [W; b]ᵀ · [xᵀ; 1]   per run: (n_out, n_in + 1)·(n_in + 1, B) → (n_out, B).

    ``wb`` = [W; b] (R, n_in + 1, n_out) is W (row i = input i) with b as one more row —
    the MLP's flat vector stores each layer so (W_l row-major, then b_l), so ``wb`` is a
    view of it. ``x1`` = [xᵀ; 1] (…, n_in + 1, B): the inputs as columns, and a last row
    of 1s that multiplies b. One BLAS product does the bias add: adding b broadcast along
    the short unit axis cost more than the product itself, and the columns keep each
    unit's B values contiguous for the activation and its derivative.

    Backward, from δᵀ = ∂L/∂zᵀ (R, n_out, B):
    ∂L/∂[W; b] = [xᵀ; 1]·δ   ((n_in + 1, B)·(B, n_out); its last row is Σ_samples δ = ∂L/∂b),
    ∂L/∂xᵀ = W·δᵀ           ((n_in, n_out)·(n_out, B)).

    ``rows=True`` is the output layer's form: z = [x 1]·[W; b] (R, B, n_out), samples as
    rows, since the losses act along the last axis; its backward takes δ (R, B, n_out).
    """

    @staticmethod
    def forward(x1: Array, wb: Array, out: Array | None = None, rows: bool = False) -> Array:
        if rows:
            return np.matmul(np.swapaxes(x1, -1, -2), wb, out=out)
        return np.matmul(np.swapaxes(wb, -1, -2), x1, out=out)

    @staticmethod
    def backward(d: Array, x1: Array, wb: Array, rows: bool = False,
                 dwb_out: Array | None = None, dx_out: Array | None = None,
                 need_dx: bool = True) -> tuple[Array, Array | None]:
        """(∂L/∂[W; b] (R, n_in + 1, n_out), ∂L/∂xᵀ (R, n_in, B) or None) from δᵀ — or δ
        with ``rows=True``."""
        dt = np.swapaxes(d, -1, -2) if rows else d
        dwb = np.matmul(x1, np.swapaxes(dt, -1, -2), out=dwb_out)
        dx = np.matmul(wb[..., :-1, :], dt, out=dx_out) if need_dx else None
        return dwb, dx


# --- activations --------------------------------------------------------------------------
# forward(z) -> a;  backward(da, z, a) -> dz = da · a'(z)

class ReLU:
    """a = max(z, 0);  a' = 1 where z > 0, else 0 (also at z = 0, as torch)."""

    @staticmethod
    def forward(z: Array, out: Array | None = None) -> Array:
        return np.maximum(z, 0.0, out=out)

    @staticmethod
    def backward(da: Array, z: Array, a: Array, out: Array | None = None) -> Array:
        return np.multiply(da, z > 0, out=out)


class LeakyReLU:
    """a = z where z > 0, else s·z with slope s = 0.01 (torch's default) — i.e. max(z, s·z);
    a' = 1 where z > 0, else s (also at z = 0, as torch)."""

    slope = 0.01

    @staticmethod
    def forward(z: Array, out: Array | None = None) -> Array:
        a = np.multiply(z, LeakyReLU.slope, out=out)
        return np.maximum(z, a, out=a)

    @staticmethod
    def backward(da: Array, z: Array, a: Array, out: Array | None = None) -> Array:
        dz = _buffer(out, da)
        np.copyto(dz, da)
        np.multiply(dz, LeakyReLU.slope, out=dz, where=z <= 0)
        return dz


def _bell(z: Array, k: float, out: Array | None = None) -> Array:
    """e/(1 + e)² with e = e^(−k|z|): σ′(z) for k = 1 and tanh′(z)/4 = sech²(z)/4 for k = 2.

    Written with e^(−k|z|) ≤ 1 it never overflows and keeps its relative precision in
    both tails, where a(1 − a) and 1 − a² are 0 once a rounds to 1 (σ at z ≥ 37, tanh at
    |z| ≥ 19) though the true value is still far above the smallest double."""
    e = np.abs(z, out=out)
    e *= -k
    np.exp(e, out=e)
    d = e + 1.0
    d *= d
    e /= d
    return e


class Tanh:
    """a = tanh z;  a' = sech² z = 4e/(1 + e)², e = e^(−2|z|) (not 1 − a², see ``_bell``)."""

    @staticmethod
    def forward(z: Array, out: Array | None = None) -> Array:
        return np.tanh(z, out=out)

    @staticmethod
    def backward(da: Array, z: Array, a: Array, out: Array | None = None) -> Array:
        dz = _bell(z, 2.0, out=out)
        dz *= 4.0
        dz *= da
        return dz


class Sigmoid:
    """a = σ(z) = 1/(1 + e^(−z)), as 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0 with
    e = e^(−|z|) (no overflow, and exact to a few ulps in both tails: ½(1 + tanh(z/2))
    is 0 for z ≤ −40 where σ is still 4e-18); a' = e/(1 + e)² (``_bell``)."""

    @staticmethod
    def forward(z: Array, out: Array | None = None) -> Array:
        e = np.abs(z, out=out)
        np.negative(e, out=e)
        np.exp(e, out=e)
        d = e + 1.0
        np.copyto(e, 1.0, where=z >= 0)
        e /= d
        return e

    @staticmethod
    def backward(da: Array, z: Array, a: Array, out: Array | None = None) -> Array:
        dz = _bell(z, 1.0, out=out)
        dz *= da
        return dz


ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def sigmoid(z: Array) -> Array:
    return Sigmoid.forward(np.asarray(z, float))


def sigmoid_grad(z: Array) -> Array:
    """σ′(z) = σ(z)σ(−z), exact in both tails (``_bell``)."""
    return _bell(np.asarray(z, float), 1.0)


def sigmoid_minus(z: Array, y: Array) -> Array:
    """σ(z) − y for targets y ∈ [0, 1], as (1 − y)σ(z) − yσ(−z) (the same number, since
    σ(z) + σ(−z) = 1): for y = 1 and large z it is −σ(−z) ≈ −e^(−z) to full precision,
    where σ(z) − 1 is 0 once σ(z) rounds to 1."""
    z = np.asarray(z, float)
    return (1.0 - y) * sigmoid(z) - y * sigmoid(-z)


# --- losses (torch semantics, mean reduction) ---------------------------------------------
# loss(logits, targets) -> (R,);  loss_and_grad(logits, targets) -> ((R,), ∂L/∂logits)
# logits (R, B, K); targets (B, K), shared by all runs.

def _samples(z: Array) -> int:
    """B, the samples per run of outputs z (R, …, K): what a mean over samples divides by."""
    return z.size // (z.shape[0] * z.shape[-1])


def _mean_per_run(v: Array) -> Array:
    """Mean over every axis but the first (torch's 'mean' over all elements of one run)."""
    return v.reshape(v.shape[0], -1).mean(axis=1)


# NumPy reduces slowly along a short last axis (K ≤ 8 classes), so the helpers below
# take the max class by class and sum with a product by a vector of ones.

def _max_last(z: Array) -> Array:
    """max over the last axis, (…, K) → (…)."""
    m = z[..., 0].copy()
    for k in range(1, z.shape[-1]):
        np.maximum(m, z[..., k], out=m)
    return m


def _sum_last(z: Array) -> Array:
    """Σ over the last axis, (…, K) → (…)."""
    return z @ np.ones(z.shape[-1])


def log_softmax(z: Array) -> Array:
    """log softmax(z)_k = z_k − logsumexp(z), with the max taken out first (stable)."""
    shifted = z - _max_last(z)[..., None]
    return shifted - np.log(_sum_last(np.exp(shifted)))[..., None]


def softmax(z: Array) -> Array:
    e = np.exp(z - _max_last(z)[..., None])
    return e / _sum_last(e)[..., None]


class SoftmaxCrossEntropy:
    """torch.nn.CrossEntropyLoss on one-hot targets Y (B, K):

    L = −(1/B) Σ_b Σ_k Y_bk · log softmax(z_b)_k = (1/B) Σ_b (logsumexp(z_b) − Σ_k Y_bk z_bk),
    ∂L/∂z = (softmax(z) − Y) / B;   logsumexp(z) = m + log Σ_k e^(z_k − m), m = max_k z_k.

    In the tail where the label's probability rounds to 1, both keep their relative
    precision: with e_k = e^(z_k − m), S = Σ_k e_k and the others' share r = Σ_k e_k(1 − Y_k),
    the label's gradient is −r/(S·B) (not p − 1 = 0), and where the label is the max
    (z_label = m) the loss is log(1 + r) = log1p(r) (not log S − 0 = 0).
    """

    @staticmethod
    def _two_classes(z: Array, y: Array) -> tuple[Array, Array, Array]:
        """K = 2 in closed form: with the margin u = z_other − z_label and e = e^(−|u|) ≤ 1,
        ℓ = log(1 + e^u) = max(u, 0) + log1p(e)  and  ∂ℓ/∂z_other = σ(u) = −∂ℓ/∂z_label,
        σ(u) = 1/(1 + e) for u ≥ 0, e/(1 + e) below (as ``Sigmoid``). The same loss and
        gradient as the general form (the label's share −r/S is −σ(u), log1p(r) is
        log1p(e^u)), exact to a few ulps in both tails, in half its passes over the data
        (the default MLP has two classes: ``bench/mlp_step.py``).
        Returns (ℓ per sample, σ(u), s), s = +1 where the label is class 0, −1 where 1."""
        s = y[..., 0] - y[..., 1]
        u = np.subtract(z[..., 1], z[..., 0])
        u *= s
        e = np.abs(u)
        np.negative(e, out=e)
        np.exp(e, out=e)
        ell = np.log1p(e)
        ell += np.maximum(u, 0.0)
        d = e + 1.0
        np.copyto(e, 1.0, where=u >= 0)
        e /= d
        return ell, e, s

    @staticmethod
    def _parts(z: Array, y: Array, out: Array | None = None):
        m = _max_last(z)
        gap = _sum_last(z * y) - m           # z_label − m  (≤ 0)
        e = np.subtract(z, m[..., None], out=out)
        np.exp(e, out=e)                     # e^(z − m)
        total = _sum_last(e)
        rest = _sum_last(e * (1.0 - y))      # the other classes' share of Σ e
        per_sample = np.where(gap == 0, np.log1p(rest), np.log(total) - gap)
        return e, total, rest, per_sample

    @staticmethod
    def _binary(z: Array, y: Array, out: Array | None = None) -> tuple[Array, Array]:
        """(ℓ per sample, ∂L/∂z) for K = 2 (``_two_classes``): ∂L/∂z_1 = s·σ(u)/B, ∂L/∂z_0 its
        negative."""
        ell, sig, s = SoftmaxCrossEntropy._two_classes(z, y)
        dz = _buffer(out, z)
        sig *= s
        np.divide(sig, _samples(z), out=dz[..., 1])
        np.negative(dz[..., 1], out=dz[..., 0])
        return ell, dz

    @staticmethod
    def _general(z: Array, y: Array, out: Array | None = None) -> tuple[Array, Array]:
        """(ℓ per sample, ∂L/∂z) for any K (``_parts``)."""
        e, total, rest, per_sample = SoftmaxCrossEntropy._parts(z, y, out)
        b = _samples(z)
        e *= 1.0 - y                         # the other classes: e_k
        e -= y * rest[..., None]             # the label: −r
        scale = b * total                    # B · Σ e
        np.reciprocal(scale, out=scale)
        e *= scale[..., None]
        return per_sample, e

    @staticmethod
    def loss(z: Array, y: Array) -> Array:
        if z.shape[-1] == 2:
            return _mean_per_run(SoftmaxCrossEntropy._two_classes(z, y)[0])
        return _mean_per_run(SoftmaxCrossEntropy._parts(z, y)[3])

    @staticmethod
    def loss_and_grad(z: Array, y: Array, out: Array | None = None) -> tuple[Array, Array]:
        form = SoftmaxCrossEntropy._binary if z.shape[-1] == 2 else SoftmaxCrossEntropy._general
        per_sample, dz = form(z, y, out)
        return _mean_per_run(per_sample), dz


class SigmoidBCE:
    """torch.nn.BCEWithLogitsLoss on targets y ∈ {0, 1} (B, 1), in its stable form:

    ℓ(z, y) = max(z, 0) − z·y + log(1 + e^(−|z|))   (= −y log σ(z) − (1−y) log(1−σ(z))),
    L = mean ℓ over all elements,                     ∂L/∂z = (σ(z) − y) / (number of elements).
    """

    @staticmethod
    def loss(z: Array, y: Array) -> Array:
        ell = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return _mean_per_run(ell)

    @staticmethod
    def loss_and_grad(z: Array, y: Array, out: Array | None = None) -> tuple[Array, Array]:
        loss = SigmoidBCE.loss(z, y)
        dz = sigmoid_minus(z, y)  # σ(z) − y, exact where σ(z) is within an ulp of y
        if out is not None:
            np.copyto(out, dz)
            dz = out
        dz *= 1.0 / (z.size // z.shape[0])
        return loss, dz


class MSE:
    """torch.nn.MSELoss: L = mean over all elements of (z − Y)²,  ∂L/∂z = 2(z − Y)/(B·K)."""

    @staticmethod
    def loss(z: Array, y: Array) -> Array:
        d = z - y
        return _mean_per_run(d * d)

    @staticmethod
    def loss_and_grad(z: Array, y: Array, out: Array | None = None) -> tuple[Array, Array]:
        d = np.subtract(z, y, out=out)
        loss = _mean_per_run(d * d)
        d *= 2.0 / (z.size // z.shape[0])
        return loss, d


LOSSES = {"softmax_ce": SoftmaxCrossEntropy, "sigmoid_bce": SigmoidBCE, "mse": MSE}
