"""A tiny convolutional network as an objective for the run engine.

Architecture, on grayscale images of 8 × 8 … 16 × 16 pixels (``images.py``):

    x → [conv 3×3 (c_l kernels, stride 1, valid or same padding, bias) → activation
         → max-pool 2×2] × 1 or 2 blocks → flatten → dense → softmax + cross-entropy

with up to ``MAX_KERNELS`` kernels per block and one-hot targets over ≤ 10 classes
(torch.nn.CrossEntropyLoss). The pieces and their backward passes are in ``conv.py``
(convolution, max-pool) and ``layers.py`` (activations, dense, the loss); this file
wires them together, vectorised over runs: R networks of the same shape are
evaluated at once on the same images.

**Flat parameter layout** (params (R, P)), torch's order and shapes:
K1 (c1, 1, 3, 3), b1 (c1), [K2 (c2, c1, 3, 3), b2 (c2)], W (F, K), b (K). The dense
W is stored as the MLP stores it — row i = input i, column j = class j (torch's
Linear weight is Wᵀ) — and its inputs are the last pooled map flattened in torch's
order (channel, row, column), so F = c·h·w. ``unpack`` gives views into the vector.

**Init**: kernels and W drawn by ``init.py`` with fan-in k·k·c_in and fan-out k·k·c_out
for a k × k convolution (n_in and n_out for the dense layer); biases 0.

Steps, mini-batches, epochs and what ``loss_and_grad`` returns are shared with the
MLP (network.py). The first block's im2col columns (window order, conv.py) of the training and test images
are computed once and kept when they are small (``CACHED_COLUMNS``); runs are
evaluated in chunks so no feature map of one chunk exceeds ``CHUNK_ELEMENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .conv import CORNERS, PADDINGS, Conv3x3, MaxPool2x2, out_size
from .images import ImageDataset
from .init import INITS, draw, kernel_weights
from .layers import ACTIVATIONS, Dense, ReLU, SoftmaxCrossEntropy, softmax
from . import network
from .network import Network, check_batch_size

Array = np.ndarray

MAX_KERNELS = 16
MAX_BLOCKS = 2
MAX_CLASSES = 10
MAX_ACTIVATIONS = 1 << 20  # images × Σ conv-map sizes (h·w·c): bounds one pass's memory
MAX_PASS_WORK = 16_000_000  # images × multiply-adds per image: bounds one step's time (~35 ms
#                             on one core of the 2-core development machine, bench/step_cost.py),
#                             so a stream's step never holds the event loop for long
CHUNK_ELEMENTS = 1 << 19   # floats in the largest feature map of one chunk of runs (4 MB)
CACHED_COLUMNS = 1 << 20   # keep a data set's first-block columns up to this many floats (8 MB)


def weight_count(size: int, kernels: Sequence[int], padding: str, classes: int) -> int:
    """How many numbers a CNN's flat weight vector holds."""
    blocks = plan_blocks(size, kernels, padding)
    last = blocks[-1]
    convs = sum(b.c_out * (9 * b.c_in + 1) for b in blocks)
    return convs + (last.side_pool ** 2 * last.c_out + 1) * classes


@dataclass(frozen=True)
class Block:
    """One conv block's geometry: c_in → c_out channels; side of its input, of the conv
    output and of the pooled output (square maps)."""

    c_in: int
    c_out: int
    side_in: int
    side_conv: int
    side_pool: int


def plan_blocks(size: int, kernels: Sequence[int], padding: str) -> list[Block]:
    """The blocks for ``size`` × ``size`` images; ValueError naming the field when a map
    would shrink below 2 × 2 before a pool."""
    blocks, side, c_in = [], int(size), 1
    for l, c_out in enumerate(kernels):
        conv = out_size(side, padding)
        if conv < 2:
            raise ValueError(
                f"kernels: conv block {l + 1} gets {side}×{side} maps; with {padding} padding "
                f"its output is {max(conv, 0)}×{max(conv, 0)}, too small for a 2×2 max-pool — "
                f"use padding same, larger images or fewer blocks")
        blocks.append(Block(c_in, int(c_out), side, conv, conv // 2))
        side, c_in = conv // 2, int(c_out)
    return blocks


def work_per_image(size: int, kernels: Sequence[int], padding: str, classes: int) -> int:
    """Multiply-adds of one forward pass per image: each kernel weight (and bias) at every
    pixel the pools read, then the dense layer."""
    blocks = plan_blocks(size, kernels, padding)
    last = blocks[-1]
    convs = sum(4 * b.side_pool ** 2 * (9 * b.c_in + 1) * b.c_out for b in blocks)
    return convs + last.side_pool ** 2 * last.c_out * classes


def activations_per_image(size: int, kernels: Sequence[int], padding: str) -> int:
    """Σ over conv blocks of the conv map's h·w·c: the numbers one image makes."""
    return sum(b.side_conv ** 2 * b.c_out for b in plan_blocks(size, kernels, padding))


class Workspace:
    """Buffers for one forward and backward pass of R runs on B images. Per block l, in
    window order (R, 4, B, h, w, c) (conv.py): ``z`` (pre-activation), ``a`` (activation),
    ``dz``, ``da`` and the pool's routing ``mask``; pooled (R, B, h, w, c): ``p`` and
    ``dp``; ``cols`` (blocks after the first: the im2col of the previous pool, per run)
    and ``dx`` (their input gradient, padding ring included). Then the flattened
    features are ``p[-1]`` seen as (R, B, F), and ``logits``/``dlogits`` (R, B, K)."""

    def __init__(self, blocks: Sequence[Block], classes: int, runs: int, samples: int,
                 padding: str):
        pad = 2 if padding == "same" else 0
        win = [(runs, 4, samples, b.side_pool, b.side_pool, b.c_out) for b in blocks]
        pooled = [(runs, samples, b.side_pool, b.side_pool, b.c_out) for b in blocks]
        self.z = [np.empty(s) for s in win]
        self.a = [np.empty(s) for s in win]
        self.dz = [np.empty(s) for s in win]
        self.da = [np.empty(s) for s in win]
        self.mask = [np.empty(s, dtype=bool) for s in win]
        self.p = [np.empty(s) for s in pooled]
        self.dp = [np.empty(s) for s in pooled]
        self.cols = [None] + [np.empty((runs, 4 * samples * b.side_pool ** 2, 9 * b.c_in + 1))
                              for b in blocks[1:]]
        self.dx = [None] + [np.empty((runs, samples, b.side_in + pad, b.side_in + pad, b.c_in))
                            for b in blocks[1:]]
        self.logits = np.empty((runs, samples, classes))
        self.dlogits = np.empty((runs, samples, classes))
        self.cols0: Array | None = None  # the first block's columns of this pass's images
        self.w_hwc: Array | None = None  # the dense weights in the features' order

    @staticmethod
    def elements(blocks: Sequence[Block], runs: int, samples: int) -> int:
        """Floats the buffers hold, roughly: 6 window-order maps per block."""
        return 6 * runs * samples * sum(4 * b.side_pool ** 2 * b.c_out for b in blocks)


class CNN(Network):
    """A CNN over an ``ImageDataset``: ``loss_and_grad(params (R, P), step)`` for the engine."""

    id = "cnn"
    head = "softmax_ce"
    WORDS = {"unit": "kernel", "layer": "conv layer", "sample": "image"}

    def __init__(self, data: ImageDataset, kernels: Sequence[int] = (8,),
                 padding: str = "valid", activation: str = "relu",
                 batch_size: int | None = None, shuffle_seed: int = 0):
        kernels = tuple(int(k) for k in kernels)
        if not 1 <= len(kernels) <= MAX_BLOCKS:
            raise ValueError(f"kernels: give 1 or {MAX_BLOCKS} conv blocks, got {len(kernels)}")
        if any(not 1 <= k <= MAX_KERNELS for k in kernels):
            raise ValueError(f"kernels: each block has 1 to {MAX_KERNELS} kernels, "
                             f"got {list(kernels)}")
        if padding not in PADDINGS:
            raise KeyError(f"unknown padding {padding!r}; choose one of {', '.join(PADDINGS)}")
        if activation not in ACTIVATIONS:
            raise KeyError(f"unknown activation {activation!r}; "
                           f"choose one of {', '.join(ACTIVATIONS)}")
        if not 2 <= data.n_classes <= MAX_CLASSES:
            raise ValueError(f"a CNN classifies 2 to {MAX_CLASSES} classes, "
                             f"got {data.n_classes}")
        self.blocks = plan_blocks(data.size, kernels, padding)
        self.data = data
        self.kernels = kernels
        self.hidden = kernels  # units of each hidden (conv) layer: its kernels
        self.padding = padding
        self.activation = activation
        self.batch_size = check_batch_size(batch_size, data.n_train)
        self.shuffle_seed = int(shuffle_seed)
        self.n_classes = data.n_classes
        last = self.blocks[-1]
        self.features = last.side_pool ** 2 * last.c_out
        self.n_layers = len(kernels) + 1  # weight layers: the convs and the dense
        self._slots: list[tuple[str, tuple[int, ...], int, int]] = []
        offset = 0
        shapes = [(f"K{l + 1}", (b.c_out, b.c_in, 3, 3), f"b{l + 1}", (b.c_out,))
                  for l, b in enumerate(self.blocks)]
        shapes.append((f"W{self.n_layers}", (self.features, self.n_classes),
                       f"b{self.n_layers}", (self.n_classes,)))
        for w_name, w_shape, b_name, b_shape in shapes:
            for name, shape in ((w_name, w_shape), (b_name, b_shape)):
                size = int(np.prod(shape))
                self._slots.append((name, shape, offset, offset + size))
                offset += size
        self.dim = offset
        self._act = ACTIVATIONS[activation]
        self._loss = SoftmaxCrossEntropy
        eye = np.eye(self.n_classes)
        self._t_train, self._t_test = eye[data.y_train], eye[data.y_test]
        self._perm_cache: tuple[int, Array] | None = None
        self._columns: dict[int, Array] = {}
        for x in (data.x_train, data.x_test):
            if len(x) and len(x) * 4 * self.blocks[0].side_pool ** 2 * 9 <= CACHED_COLUMNS:
                self._columns[id(x)] = self._first_columns(x)

    # -- description -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        convs = " → ".join(f"conv {b.c_out}@3×3 → {self.activation} → maxpool 2×2"
                           for b in self.blocks)
        s = self.data.size
        return (f"CNN {s}×{s} → {convs} → dense {self.features}→{self.n_classes} "
                f"({self.padding} padding, softmax + cross-entropy) on {self.data.name}")

    @property
    def formula(self) -> str:
        """The network as one expression (∗ = 3×3 convolution, row-vector dense layer)."""
        inner = "x"
        for l in range(1, len(self.blocks) + 1):
            inner = f"maxpool({self.activation}(K{l} ∗ {inner} + b{l}))"
        n = self.n_layers
        return (f"ŷ = softmax(flatten({inner})·W{n} + b{n});  "
                f"L = −mean Σ_k y_k log ŷ_k (one-hot y)")

    @property
    def work_per_sample(self) -> int:
        """Multiply-adds of one forward pass per image (``work_per_image``): what a step, a
        loss-landscape slice and a whole run cost grows with."""
        return work_per_image(self.data.size, self.kernels, self.padding, self.n_classes)

    @property
    def activations_per_sample(self) -> int:
        """The conv maps training computes (window order: the pooled pixels' 2×2 windows)
        and the logits."""
        return sum(4 * b.side_pool ** 2 * b.c_out for b in self.blocks) + self.n_classes

    def layers(self) -> list[dict]:
        """[{name, shape}] of the weights in flat order (``POST /api/model``'s ``layers``)."""
        return [{"name": name, "shape": list(shape)} for name, shape, _, _ in self._slots]

    # -- flat layout -----------------------------------------------------------------------

    def layer_slices(self) -> list[tuple[slice, slice]]:
        """[(slice of K_l or W, slice of its bias)] in the flat vector, first layer to last."""
        s = self._slots
        return [(slice(s[i][2], s[i][3]), slice(s[i + 1][2], s[i + 1][3]))
                for i in range(0, len(s), 2)]

    def unpack(self, params: Array) -> list[tuple[Array, Array]]:
        """[(K_l (R, c_out, c_in, 3, 3) or W (R, F, K), bias (R, n))] as views of params."""
        if params.ndim != 2 or params.shape[1] != self.dim:
            raise ValueError(f"params must have shape (runs, {self.dim}), got {params.shape}")
        r = params.shape[0]
        views = [params[:, a:b].reshape(r, *shape) for _, shape, a, b in self._slots]
        return list(zip(views[0::2], views[1::2]))

    def init_params(self, init: str = "he", seed: int = 0, runs: int = 1) -> Array:
        """Initial weights (runs, P) drawn by ``init``, biases zero — the same network in
        every row; one ``default_rng(seed)`` draws the layers first to last."""
        if init not in INITS:
            raise KeyError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        rng = np.random.default_rng(seed)
        one = np.zeros((1, self.dim))
        layers = self.unpack(one)
        for b, (k, _) in zip(self.blocks, layers):
            k[0] = kernel_weights(init, b.c_in, b.c_out, rng)
        w = layers[-1][0]
        w[0] = draw(init, w.shape[1:], self.features, self.n_classes, rng)
        return np.repeat(one, runs, axis=0)

    def _dense_hwc(self, w: Array) -> Array:
        """W (R, F, K) with its rows put in the (row, col, channel) order of the channel-last
        feature maps: a copy (F·K numbers, small)."""
        last = self.blocks[-1]
        s, c = last.side_pool, last.c_out
        return (w.reshape(w.shape[0], c, s, s, -1).transpose(0, 2, 3, 1, 4)
                .reshape(w.shape[0], self.features, -1))

    def _dense_chw(self, dw_hwc: Array, out: Array) -> None:
        """Write a gradient in (row, col, channel) row order into ``out`` (R, F, K) in
        torch's (channel, row, col) order."""
        last = self.blocks[-1]
        s, c = last.side_pool, last.c_out
        r = dw_hwc.shape[0]
        out[...] = (dw_hwc.reshape(r, s, s, c, -1).transpose(0, 3, 1, 2, 4)
                    .reshape(r, self.features, -1))

    # -- forward and backward ----------------------------------------------------------------

    def _first_columns(self, x: Array) -> Array:
        """im2col of images x (B, H, W) for the first conv, rows in window order: (rows, 9)."""
        return Conv3x3.columns(np.asarray(x, float)[..., None], self.padding)

    def _columns_of(self, x: Array) -> Array:
        cached = self._columns.get(id(x))
        return cached if cached is not None else self._first_columns(x)

    def _chunks(self, runs: int, samples: int):
        """Slices of runs: as many at a time as keep the largest map within
        ``CHUNK_ELEMENTS`` and the chunk's buffers within what is kept between calls
        (``network.CACHED_WORKSPACE_ELEMENTS``). Buffers made afresh for every chunk cost
        page faults: a race of 6 default CNNs in one chunk of 6 took ~735 µs per run for
        its loss, in chunks of 2 whose buffers are kept ~165 (bench/README.md, "Tiny
        networks: … CNN chunks whose buffers are kept")."""
        b = self.blocks[0]
        per = min(CHUNK_ELEMENTS // max(1, samples * b.side_conv ** 2 * b.c_out),
                  network.CACHED_WORKSPACE_ELEMENTS // max(1, Workspace.elements(self.blocks, 1,
                                                                                samples)))
        per = max(1, per)
        for r0 in range(0, runs, per):
            yield slice(r0, min(runs, r0 + per))

    def _workspace(self, runs: int, samples: int) -> Workspace:
        """This thread's buffers for (runs, samples) (kept for the last few shapes)."""
        return self.cached_workspace(
            (runs, samples), Workspace.elements(self.blocks, runs, samples),
            lambda: Workspace(self.blocks, self.n_classes, runs, samples, self.padding))

    def forward(self, layers, cols0: Array, ws: Workspace) -> Array:
        """The logits (R, B, K) for the first conv's columns ``cols0`` (rows, 10), filling
        ``ws`` with what backward needs."""
        ws.cols0 = cols0
        for l, b in enumerate(self.blocks):
            k, bias = layers[l]
            if l == 0:
                cols = cols0
            else:
                cols = Conv3x3.columns(ws.p[l - 1], self.padding, out=ws.cols[l])
            z = Conv3x3.forward(cols, k, bias, ws.z[l].shape[1:-1], out=ws.z[l])
            a = self._act.forward(z, out=ws.a[l])
            MaxPool2x2.forward(a, out=ws.p[l])
        w, bias = layers[-1]
        p = ws.p[-1]
        f = p.reshape(p.shape[0], p.shape[1], self.features)
        ws.w_hwc = self._dense_hwc(w)
        return Dense.forward(f, ws.w_hwc, bias, out=ws.logits)

    def backward(self, ws: Workspace, layers, grads, stages: bool = True) -> None:
        """Backpropagate ∂L/∂logits (in ``ws.dlogits``) through the dense layer and the
        blocks, last to first, into ``grads`` [(dK_l, db_l), …, (dW, db)] (views of the
        flat gradient); ``ws`` keeps every stage's gradient (dp, da, dz per block). With
        ``stages=False`` (training) a ReLU network skips da: its dz comes from dp in one
        product (``MaxPool2x2.backward_through_relu``, the same bits)."""
        p = ws.p[-1]
        f = p.reshape(p.shape[0], p.shape[1], self.features)
        df = ws.dp[-1].reshape(f.shape)
        dw_hwc, db, _ = Dense.backward(ws.dlogits, f, ws.w_hwc, dx_out=df)
        self._dense_chw(dw_hwc, grads[-1][0])
        grads[-1][1][...] = db
        for l in range(len(self.blocks) - 1, -1, -1):
            b = self.blocks[l]
            if stages or self._act is not ReLU:
                da = MaxPool2x2.backward(ws.dp[l], ws.a[l], ws.p[l], out=ws.da[l],
                                         mask_out=ws.mask[l])
                dz = self._act.backward(da, ws.z[l], ws.a[l], out=ws.dz[l])
            else:
                mask = MaxPool2x2.routing_mask(ws.a[l], ws.p[l], out=ws.mask[l])
                dz = MaxPool2x2.backward_through_relu(ws.dp[l], ws.p[l], mask, out=ws.dz[l])
            cols = ws.cols0 if l == 0 else ws.cols[l]
            in_shape = None if l == 0 else (p.shape[1], b.side_in, b.side_in, b.c_in)
            dk, dbias, dx = Conv3x3.backward(dz, cols, layers[l][0], in_shape, self.padding,
                                             dx_out=ws.dx[l])
            grads[l][0][...] = dk
            grads[l][1][...] = dbias
            if l > 0:
                ws.dp[l - 1][...] = dx

    def _loss_and_grad_on(self, params: Array, x: Array, t: Array) -> tuple[Array, Array]:
        loss = np.empty(params.shape[0])
        grad = np.empty_like(params)
        cols0 = self._columns_of(x)
        for rows in self._chunks(params.shape[0], len(x)):
            layers = self.unpack(params[rows])
            ws = self._workspace(layers[0][0].shape[0], len(x))
            logits = self.forward(layers, cols0, ws)
            loss[rows], _ = self._loss.loss_and_grad(logits, t, out=ws.dlogits)
            self.backward(ws, layers, self.unpack(grad[rows]), stages=False)
        return loss, grad

    def per_sample_pass(self, params: Array, idx: Array) -> tuple[Array, Workspace, Array]:
        """One forward and backward pass for each training image ``idx`` (S,) on its own,
        at the weights ``params`` (P,): (per-image loss (S,), the workspace — S runs of
        one image — holding every stage, the per-image gradient (S, P)).

        The very ``forward``/``backward`` the engine trains with, each image a run of its
        own, so the mean of a batch's per-image gradients is that batch's gradient."""
        idx = np.asarray(idx, dtype=np.int64)
        rows = np.repeat(np.asarray(params, float)[None, :], len(idx), axis=0)
        cols0 = self._first_columns(self.data.x_train[idx][:, None])  # (S, rows, 10)
        ws = Workspace(self.blocks, self.n_classes, len(idx), 1, self.padding)
        layers = self.unpack(rows)
        logits = self.forward(layers, cols0, ws)
        loss, _ = self._loss.loss_and_grad(logits, self._t_train[idx][:, None, :],
                                           out=ws.dlogits)
        grad = np.empty_like(rows)
        self.backward(ws, layers, self.unpack(grad))
        return loss, ws, grad

    def full_maps(self, x: Array, params: Array) -> list[Array]:
        """Each block's conv output z over the whole map (B, H', W', C) for images x
        (B, H, W) at weights (P,) — the pixels a 2×2 pool drops on an odd edge included
        (training never computes those: they reach neither the output nor the loss)."""
        layers = self.unpack(np.asarray(params, float)[None, :])
        h = np.asarray(x, float)[..., None]
        out = []
        for l, b in enumerate(self.blocks):
            cols = Conv3x3.columns(h, self.padding, order="spatial")
            z = Conv3x3.forward(cols, layers[l][0], layers[l][1],
                                (len(x), b.side_conv, b.side_conv))[0]
            out.append(z)
            a = self._act.forward(z)
            h = MaxPool2x2.forward(np.stack([a[:, i:2 * b.side_pool:2, j:2 * b.side_pool:2]
                                             for i, j in CORNERS])[None])[0]
        return out

    def _outputs(self, params: Array, x: Array):
        """(rows, logits, workspace) per chunk of runs — in reused buffers."""
        cols0 = self._columns_of(x)
        for rows in self._chunks(params.shape[0], len(x)):
            layers = self.unpack(params[rows])
            ws = self._workspace(layers[0][0].shape[0], len(x))
            yield rows, self.forward(layers, cols0, ws), ws

    # -- what the views show -----------------------------------------------------------------

    def logits(self, params: Array, x: Array) -> Array:
        """Network outputs (R, B, K) for images x (B, H, W)."""
        params = np.asarray(params, dtype=float)
        out = np.empty((params.shape[0], len(x), self.n_classes))
        for rows, z, _ in self._outputs(params, x):
            out[rows] = z
        return out

    def predict(self, params: Array, x: Array) -> Array:
        """Predicted class (R, B): argmax of the outputs."""
        return self._classes(self.logits(params, x))

    def probabilities(self, params: Array, x: Array) -> Array:
        """softmax of the outputs (R, B, K)."""
        return softmax(self.logits(params, x))

    def hidden_activity(self, params: Array) -> Array:
        """Fraction of each conv layer's kernels that are never active — pre-activation
        z ≤ 0 at every pooled position of every training image (an odd edge that the
        pool drops counts for nothing) — per run: (R, conv layers).
        For relu such a kernel is dead: its map is 0 and it gets no gradient, ever."""
        params = np.asarray(params, dtype=float)
        out = np.empty((params.shape[0], len(self.blocks)))
        for rows, _, ws in self._outputs(params, self.data.x_train):
            for l, z in enumerate(ws.z):
                out[rows, l] = (z <= 0).all(axis=(1, 2, 3, 4)).mean(axis=1)
        return out

    def unit_weights(self, params: Array) -> list[tuple[Array, Array, Array]]:
        """Per conv layer, for one weight vector (P,): (incoming (c, …), bias (c,),
        outgoing (c, …)), each kernel's own weights along the first axis — the next
        block's kernel slices K_{l+1}[:, c] or the dense rows of channel c."""
        layers = self.unpack(np.asarray(params, float)[None, :])
        out = []
        for l, b in enumerate(self.blocks):
            k, bias = layers[l][0][0], layers[l][1][0]
            nxt = layers[l + 1][0][0]
            if l + 1 < len(self.blocks):
                outgoing = np.swapaxes(nxt, 0, 1)  # (c_in of the next = this c_out, …)
            else:
                outgoing = nxt.reshape(b.c_out, -1)
            out.append((k, bias, outgoing))
        return out
