"""Backpropagation for one training point at a time, layer by layer: what a step is made of.

``trace(model, params, idx)`` runs the model's own forward and backward pass for each
training point in ``idx`` on its own (the point is a batch of one) and keeps every
intermediate value, first layer first:

* ``z = a_prev·W + b`` (pre-activation) and ``a`` (the activation; at the output layer
  ``a = z``, the logits — the head turns them into ``probs``);
* ``delta = ∂ℓ/∂z``: at the output the head's gradient (softmax − one-hot for
  cross-entropy, σ(z) − y for BCE, 2(z − y)/K for MSE), then back through each layer
  ``∂ℓ/∂a_prev = delta·Wᵀ`` and each activation's derivative ``delta_prev = ∂ℓ/∂a_prev · f'(z_prev)``;
* ``grad_w = a_prevᵀ·delta`` (one point: the outer product) and ``grad_b = delta``, in
  the model's flat layout, so concatenating them layer by layer gives ℓ's gradient.

ℓ is the point's own loss — the model's loss on a batch of one — so the mean of the
points' gradients over a mini-batch is exactly the gradient the step uses
(tests/engine/nets/test_nets_trace.py). Nothing is computed twice: the MLP's pass is
``MLP.per_sample_pass`` (its ``_forward``/``_backward`` with each point as its own run);
the 2-weight models are one ``Dense`` layer without a bias and their loss (``MSE`` for
linreg2, ``SigmoidBCE`` for logreg2) from ``layers.py``, the pieces the MLP is built of.

A layer record is generic — ``name``, ``kind``, ``z``, ``a``, ``delta``, ``grad_w`` and
``grad_b`` (``None`` for a layer without that parameter, e.g. a pooling layer or the
bias-free 2-weight models) and the flat slices of its weights — so other layer kinds
(convolution, pooling) can add records of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import LOSSES, Dense, sigmoid, softmax
from .linear import LinReg2, LogReg2
from .mlp import MLP

Array = np.ndarray


@dataclass(frozen=True)
class LayerTrace:
    """One layer for S points: z, a, ∂ℓ/∂a (``grad_a``: what flows back into the layer,
    Σ_k δ_k·W_next[j, k]; the output layer's is delta, since its a = z) and delta = ∂ℓ/∂z
    (S, n); grad_w (S, n_in, n) and grad_b (S, n) or None; ``w_slice``/``b_slice`` where
    those weights sit in the flat vector."""

    name: str
    kind: str
    z: Array
    a: Array
    grad_a: Array
    delta: Array
    grad_w: Array | None
    grad_b: Array | None
    w_slice: slice | None
    b_slice: slice | None


@dataclass(frozen=True)
class Trace:
    """Training points ``idx`` (S,) at one weight vector: inputs x (S, 2), the loss's
    targets (S, K), labels (S,) (class, or the regression target), each point's loss
    ℓ (S,), the logits (S, K), the head's probabilities (S, K) (None for MSE heads), the
    head id, and the layers first to last."""

    idx: Array
    x: Array
    target: Array
    label: Array
    loss: Array
    logits: Array
    probs: Array | None
    head: str
    layers: list[LayerTrace]

    def flat_grad(self) -> Array:
        """ℓ's gradient (S, P) in the model's flat layout, from the layers' grad_w/grad_b."""
        parts = []
        for layer in self.layers:
            for g in (layer.grad_w, layer.grad_b):
                if g is not None:
                    parts.append(g.reshape(len(self.idx), -1))
        return np.concatenate(parts, axis=1)


def _head_probs(head: str, logits: Array) -> Array | None:
    if head == "softmax_ce":
        return softmax(logits)
    if head == "sigmoid_bce":
        return sigmoid(logits)
    return None


def _mlp_trace(net: MLP, params: Array, idx: Array) -> Trace:
    loss, ws, grad = net.per_sample_pass(params, idx)
    layers = []
    last = net.n_layers - 1
    for l, (w_sl, b_sl) in enumerate(net.layer_slices()):
        z = ws.z[l][:, 0, :].copy()
        a = ws.a[l][:, 0, :].copy() if l < last else z.copy()
        delta = ws.dz[l][:, 0, :].copy()
        n_in, n_out = net.sizes[l], net.sizes[l + 1]
        layers.append(LayerTrace(
            name=f"hidden {l + 1}" if l < last else "output", kind="dense", z=z, a=a,
            grad_a=ws.da[l][:, 0, :].copy() if l < last else delta.copy(), delta=delta,
            grad_w=grad[:, w_sl].reshape(len(idx), n_in, n_out),
            grad_b=grad[:, b_sl].copy(), w_slice=w_sl, b_slice=b_sl))
    logits = layers[-1].z
    y = net.data.y_train[idx]
    return Trace(idx, net.data.x_train[idx].copy(), net.targets(idx).astype(float), y,
                 loss, logits, _head_probs(net.head, logits), net.head, layers)


def _linear_trace(model: LinReg2 | LogReg2, params: Array, idx: Array) -> Trace:
    """One bias-free Dense layer (W = [[w1], [w2]]) and the model's loss, per point."""
    if isinstance(model, LinReg2):
        x_all, y_all, head = model.data.x, model.data.y.astype(float), "mse"
    else:
        x_all, y_all, head = model.data.x_train, model.data.y_train.astype(float), "sigmoid_bce"
    s = len(idx)
    x = x_all[idx][:, None, :]                              # (S, 1, 2)
    t = y_all[idx][:, None, None]                           # (S, 1, 1)
    w = np.repeat(np.asarray(params, float).reshape(1, 2, 1), s, axis=0)
    z = Dense.forward(x, w, np.zeros((s, 1)))              # ŷ (linreg2) or the logit
    loss, delta = LOSSES[head].loss_and_grad(z, t)
    grad_w, _, _ = Dense.backward(delta, x, w, need_dx=False)
    layer = LayerTrace(name="output", kind="dense", z=z[:, 0, :], a=z[:, 0, :].copy(),
                       grad_a=delta[:, 0, :].copy(), delta=delta[:, 0, :], grad_w=grad_w, grad_b=None,
                       w_slice=slice(0, 2), b_slice=None)
    logits = layer.z
    label = y_all[idx] if isinstance(model, LinReg2) else model.data.y_train[idx]
    return Trace(np.asarray(idx), x[:, 0, :].copy(), t[:, 0, :].copy(), label, loss, logits,
                 _head_probs(head, logits), head, [layer])


def n_points(model) -> int:
    """How many training points ``trace`` may be asked about."""
    if isinstance(model, LinReg2):
        return len(model.data.y)
    return model.data.n_train


def trace(model, params, idx) -> Trace:
    """The per-point forward and backward pass of training points ``idx`` at ``params`` (P,)."""
    idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
    params = np.asarray(params, dtype=float)
    with np.errstate(all="ignore"):  # huge weights overflow to inf: shown as null
        if isinstance(model, MLP):
            return _mlp_trace(model, params, idx)
        if isinstance(model, (LinReg2, LogReg2)):
            return _linear_trace(model, params, idx)
    raise TypeError(f"no trace for {type(model).__name__}: only models trained on data")
