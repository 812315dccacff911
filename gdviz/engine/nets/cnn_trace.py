"""One training image's way through the CNN and back, stage by stage: what the views show.

``cnn_trace(net, params, idx)`` runs the CNN's own forward and backward pass
(``CNN.per_sample_pass``: each image a batch of one) and lays every stage out as maps,
first layer first:

* a **conv** layer: ``z`` = K ∗ x + b and ``a`` = activation(z) over the whole map
  (S, H', W', C); ``grad_a`` = ∂ℓ/∂a — the gradient the pool routed back: the pool
  output's gradient at each window's winner, 0 at the other three pixels — and
  ``delta`` = ∂ℓ/∂z = grad_a · activation′(z); ``grad_w`` (S, C_out, C_in, 3, 3) and
  ``grad_b`` (S, C_out) in the flat layout.
* a **maxpool** layer: ``z`` = ``a`` = the pooled map (S, h, w, C); ``delta`` =
  ``grad_a`` = ∂ℓ/∂(pool output), what arrives from above; ``mask`` (S, H', W', C):
  True at each window's winner — where that gradient goes. No weights (None).
* the **dense** output: ``z`` = ``a`` = the logits (S, K), ``delta`` = ∂ℓ/∂logits =
  softmax − one-hot, ``grad_w`` (S, F, K) and ``grad_b`` (S, K).

ℓ is the image's own loss, so the mean of the images' gradients over a mini-batch is
exactly the gradient the step uses. A 2×2 pool drops the last row and column of an odd
map; training never computes those pixels (they reach neither the output nor the
loss), so here their z and a come from the same convolution over the whole map, and
their gradients are exactly 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cnn import CNN
from .conv import to_spatial
from .layers import softmax
from .trace import LayerTrace

Array = np.ndarray


@dataclass(frozen=True)
class MapLayer(LayerTrace):
    """One layer's stages for S images (see the module docstring); ``w_slice``/``b_slice``
    where its weights sit in the flat vector (None for a pool)."""

    mask: Array | None = None  # a pool's routing mask (the fields above: LayerTrace's)


@dataclass(frozen=True)
class CnnTrace:
    """Training images ``idx`` (S,) at one weight vector: the images x (S, H, W), one-hot
    targets (S, K), labels (S,), each image's loss ℓ (S,), logits and softmax
    probabilities (S, K), and the layers first to last."""

    idx: Array
    x: Array
    target: Array
    label: Array
    loss: Array
    logits: Array
    probs: Array
    head: str
    layers: list[MapLayer]

    def flat_grad(self) -> Array:
        """ℓ's gradient (S, P) in the flat layout, from the layers' grad_w/grad_b."""
        parts = [g.reshape(len(self.idx), -1) for layer in self.layers
                 for g in (layer.grad_w, layer.grad_b) if g is not None]
        return np.concatenate(parts, axis=1)


def cnn_trace(net: CNN, params, idx) -> CnnTrace:
    """The per-image forward and backward pass of training images ``idx`` at ``params``."""
    idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
    params = np.asarray(params, dtype=float)
    s = len(idx)
    with np.errstate(all="ignore"):  # huge weights overflow: shown as null
        loss, ws, grad = net.per_sample_pass(params, idx)
        full = net.full_maps(net.data.x_train[idx], params)
    slices = net.layer_slices()
    layers = []
    for l, b in enumerate(net.blocks):
        side = b.side_conv
        pooled = np.zeros((s, side, side, b.c_out), dtype=bool)
        pooled[:, :2 * b.side_pool, :2 * b.side_pool] = True
        z = np.where(pooled, to_spatial(ws.z[l], side)[:, 0], full[l])
        with np.errstate(all="ignore"):
            a = np.where(pooled, to_spatial(ws.a[l], side)[:, 0], net._act.forward(full[l]))
        w_sl, b_sl = slices[l]
        layers.append(MapLayer(
            f"conv {l + 1}", "conv", z, a, to_spatial(ws.da[l], side)[:, 0],
            to_spatial(ws.dz[l], side)[:, 0],
            grad[:, w_sl].reshape(s, b.c_out, b.c_in, 3, 3), grad[:, b_sl].copy(), w_sl, b_sl))
        p = ws.p[l][:, 0].copy()
        dp = ws.dp[l][:, 0].copy()
        layers.append(MapLayer(f"pool {l + 1}", "maxpool", p, p.copy(), dp, dp.copy(), None,
                               None, None, None,
                               mask=to_spatial(ws.mask[l], side, fill=False)[:, 0]))
    w_sl, b_sl = slices[-1]
    logits = ws.logits[:, 0].copy()
    dlogits = ws.dlogits[:, 0].copy()
    layers.append(MapLayer("output", "dense", logits, logits.copy(), dlogits, dlogits.copy(),
                           grad[:, w_sl].reshape(s, net.features, net.n_classes),
                           grad[:, b_sl].copy(), w_sl, b_sl))
    y = net.data.y_train[idx]
    return CnnTrace(idx, net.data.x_train[idx].copy(), np.eye(net.n_classes)[y], y, loss,
                    logits, softmax(logits), net.head, layers)
