"""The image pieces of a tiny CNN — each forward with its backward right beside it.

Shapes are channel-last and vectorised over runs: a feature map is (R, B, H, W, C)
— R runs, B images, H × W pixels, C channels — and the input images (B, H, W, C) are
shared by all runs. Kernels are stored as torch stores them, (R, C_out, C_in, 3, 3),
biases (R, C_out).

* ``Conv3x3``  — z[o] = b[o] + Σ_{c,i,j} K[o, c, i, j] · x[c, y+i, x+j]: torch's conv2d
  (cross-correlation, stride 1), ``valid`` (no padding: the map shrinks by 2) or
  ``same`` (one ring of zeros: the map keeps its size).
* ``MaxPool2x2`` — p = the max of each 2 × 2 window, stride 2 (torch's max_pool2d(2));
  an odd last row or column is dropped (floor mode). The gradient goes to the
  window's winner only — "the gradient for the maximum is 1, the others are 0".
  **Ties**: the first maximum in row-major order wins (top-left, top-right,
  bottom-left, bottom-right), as torch's CPU kernel does (it keeps the running max
  and replaces it only on a strictly greater value). (NaN: torch routes to a NaN;
  here a window holding NaN routes nowhere — such a run has diverged anyway.)

**Window order.** Every convolution in the CNN is followed by a pool, so training
computes the conv map in *window order*: (R, 4, B, H/2, W/2, C), where [:, q] holds
corner q (row-major: (0,0), (0,1), (1,0), (1,1)) of every pooling window. Each
corner is then one contiguous block, and the pool is an elementwise max of four
blocks — no strided gathers (about 10× faster than pooling a (…, H, W, C) map
with a short channel axis). The pixels of a dropped odd edge are not computed at
all: they reach neither the output nor the loss. ``to_spatial`` lays a window-order
map out as an image for the views; ``Conv3x3.columns(…, order="spatial")`` gives the
full map, dropped edges included.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import matmul, matmul_t

Array = np.ndarray
PADDINGS = ("valid", "same")
KERNEL = 3
CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))  # a pooling window's pixels, row-major


def out_size(n: int, padding: str) -> int:
    """Side of a 3 × 3 convolution's output for an n-pixel side."""
    return n if padding == "same" else n - KERNEL + 1


def to_spatial(t: Array, side: int, fill: float = 0.0) -> Array:
    """A window-order map (…, 4, B, h, w, C) as images (…, B, side, side, C); a dropped
    odd edge (side > 2h) gets ``fill``."""
    h, w = t.shape[-3], t.shape[-2]
    out = np.full(t.shape[:-5] + (t.shape[-4], side, side, t.shape[-1]), fill,
                  dtype=t.dtype)
    for q, (i, j) in enumerate(CORNERS):
        out[..., i:2 * h:2, j:2 * w:2, :] = t[..., q, :, :, :, :]
    return out


class Conv3x3:
    """A 3 × 3 convolution, stride 1, with bias (torch.nn.Conv2d(c_in, c_out, 3, padding=…)).

    Forward by im2col: one row per output pixel holding the 3 × 3 × C_in patch under it,
    columns in (c, i, j) order — torch's kernel layout, so K reshapes to (C_out, 9·C_in)
    — and a last column of 1s: z = [cols 1] · [Kᵀ; b] = cols · Kᵀ + b, one matrix product
    per run (adding b separately, broadcast over a short channel axis, cost 3× the product).

    Backward, from δ = ∂L/∂z:
    ∂L/∂K = δᵀ · cols (Σ over images and positions),  ∂L/∂b = Σ δ = δᵀ · 1 (the same
    product's last column),
    ∂L/∂x = col2im(δ · K): each row's patch gradient added back onto the 9 pixels it
    came from (a pixel under several windows collects from all of them), then the
    padding ring cut off.
    """

    @staticmethod
    def columns(x: Array, padding: str, order: str = "window", out: Array | None = None) -> Array:
        """im2col of x (…, B, H, W, C): (…, rows, 9·C + 1) — the patch in (c, i, j) order,
        then a 1 that multiplies the bias. Rows in window order (4, B, H'/2, W'/2) — the
        pooled pixels only — or, with ``order="spatial"``, (B, H', W'). ``out``: a
        contiguous buffer of the window-order result to fill."""
        if padding == "same":
            x = np.pad(x, [(0, 0)] * (x.ndim - 3) + [(1, 1), (1, 1), (0, 0)])
        win = sliding_window_view(x, (KERNEL, KERNEL), axis=(-3, -2))  # (…, B, H', W', C, 3, 3)
        lead, c = x.shape[:-4], x.shape[-1]
        width = c * KERNEL * KERNEL
        if order == "spatial":
            parts = [(win, ...)]
            out = np.empty(win.shape[:-3] + (width + 1,))
        else:
            h2, w2 = win.shape[-5] // 2, win.shape[-4] // 2
            shape = lead + (4, x.shape[-4], h2, w2, width + 1)
            out = np.empty(shape) if out is None else out.reshape(shape)
            parts = [(win[..., i:2 * h2:2, j:2 * w2:2, :, :, :], (..., q) + (slice(None),) * 4)
                     for q, (i, j) in enumerate(CORNERS)]
        for src, at in parts:
            np.copyto(np.reshape(out[at][..., :width], src.shape, copy=False), src)
        out[..., width] = 1.0
        return out.reshape(*lead, -1, width + 1)

    @staticmethod
    def forward(cols: Array, k: Array, b: Array, shape: tuple[int, ...],
                out: Array | None = None) -> Array:
        """z (R, *shape, C_out) from the input's columns (rows, 9C + 1) — shared by all
        runs — or (R, rows, 9C + 1); ``shape`` = the rows' layout, e.g. (4, B, H'/2, W'/2).
        The bias rides in the product as the weight of the columns' last entry, 1.
        ``out``: a contiguous (R, *shape, C_out) buffer."""
        r, c_out = k.shape[0], k.shape[1]
        kb = np.empty((r, cols.shape[-1], c_out))  # [Kᵀ; b], contiguous for BLAS
        kb[:, :-1, :] = np.swapaxes(k.reshape(r, c_out, -1), 1, 2)
        kb[:, -1, :] = b
        rows = cols.shape[-2]
        z = matmul(cols, kb, out=None if out is None else out.reshape(r, rows, c_out))
        return z.reshape(r, *shape, c_out)

    @staticmethod
    def backward(dz: Array, cols: Array, k: Array, in_shape: tuple[int, int, int, int] | None,
                 padding: str, dx_out: Array | None = None) -> tuple[Array, Array, Array | None]:
        """(dK (R, C_out, C_in, 3, 3), db (R, C_out), dx (R, B, H, W, C_in) or None) from
        δ in window order (R, 4, B, H'/2, W'/2, C_out). ``in_shape`` = (B, H, W, C_in) of
        the input, or None when no dx is needed (the first layer); ``dx_out``: a buffer
        (R, B, H + 2p, W + 2p, C_in) for dx with its padding ring p."""
        r, c_out = k.shape[0], k.shape[1]
        d = dz.reshape(r, -1, c_out)
        dkb = np.swapaxes(matmul_t(cols, d), 1, 2)  # (R, C_out, 9C + 1): Σ over rows
        dk, db = dkb[..., :-1].reshape(k.shape), dkb[..., -1]  # the 1s column sums δ: db
        if in_shape is None:
            return dk, db, None
        bsz, h, w, c_in = in_shape
        h2, w2 = dz.shape[-3], dz.shape[-2]
        dcols = matmul(d, k.reshape(r, c_out, -1)).reshape(r, 4, bsz, h2, w2, c_in,
                                                               KERNEL, KERNEL)
        pad = 1 if padding == "same" else 0
        dx_shape = (r, bsz, h + 2 * pad, w + 2 * pad, c_in)
        dx = np.zeros(dx_shape) if dx_out is None else dx_out.reshape(dx_shape)
        if dx_out is not None:
            dx.fill(0.0)
        for q, (qi, qj) in enumerate(CORNERS):
            for i in range(KERNEL):
                for j in range(KERNEL):
                    y0, x0 = qi + i, qj + j  # where this corner's patch pixel (i, j) sits
                    dx[:, :, y0:y0 + 2 * h2:2, x0:x0 + 2 * w2:2, :] += dcols[:, q, ..., i, j]
        if pad:
            dx = dx[:, :, 1:-1, 1:-1, :]
        return dk, db, dx


class MaxPool2x2:
    """2 × 2 max-pooling, stride 2 (torch.nn.MaxPool2d(2)), on a window-order map
    a (R, 4, B, h, w, C): p (R, B, h, w, C) = the max over the four corners.

    Backward: ∂L/∂a = ∂L/∂p at each window's winner (the first maximum in row-major
    order), 0 at the other three pixels (and at a dropped edge, never computed).
    """

    @staticmethod
    def forward(a: Array, out: Array | None = None) -> Array:
        p = np.maximum(a[:, 0], a[:, 1], out=out)
        np.maximum(p, a[:, 2], out=p)
        np.maximum(p, a[:, 3], out=p)
        return p

    @staticmethod
    def routing_mask(a: Array, p: Array, out: Array | None = None) -> Array:
        """Bool, a's shape: True at each window's winner — equal to the max, and no
        earlier corner was — where a gradient arriving at the pool output goes."""
        won = np.equal(a, p[:, None], out=out)
        taken = won[:, 0].copy()
        for q in range(1, 4):
            won[:, q] &= ~taken
            taken |= won[:, q]
        return won

    @staticmethod
    def backward(dp: Array, a: Array, p: Array, out: Array | None = None,
                 mask_out: Array | None = None) -> Array:
        """∂L/∂a (a's shape) from ∂L/∂p: routed to the winners, 0 elsewhere."""
        return np.multiply(dp[:, None], MaxPool2x2.routing_mask(a, p, out=mask_out), out=out)

    @staticmethod
    def backward_through_relu(dp: Array, p: Array, mask: Array, out: Array | None = None) -> Array:
        """∂L/∂z of a = relu(z) then this pool, from ∂L/∂p and the routing ``mask``: ∂L/∂p
        at each window's winner where the max p is > 0 (there z = a = p, relu′ = 1), 0
        elsewhere (a loser, or a window of zeros whose winner has z ≤ 0).

        One product dp·[winner ∧ p > 0] for the two that ``backward`` and ``ReLU.backward``
        take, (dp·[winner])·[z > 0]: the same bits, as both multiply dp by 1 where the
        factors are all 1 and by 0 elsewhere (0 · 1 and 1 · 0 are both 0: ±0, the NaN of
        inf · 0, NaN kept, alike). Training skips the ∂L/∂a the trace shows."""
        alive = mask & (p > 0)[:, None]
        return np.multiply(dp[:, None], alive, out=out)
