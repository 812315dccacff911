"""A tiny multilayer perceptron as an objective for the run engine.

Architecture: 2 inputs → up to ``MAX_HIDDEN_LAYERS`` hidden layers of up to
``MAX_WIDTH`` units (all with one activation) → an output layer and a head:

* ``softmax_ce``  — K = n_classes outputs; softmax + cross-entropy against
  one-hot targets (torch.nn.CrossEntropyLoss);
* ``sigmoid_bce`` — 1 output, two-class data only; sigmoid + binary
  cross-entropy (torch.nn.BCEWithLogitsLoss);
* ``mse``         — K outputs used as they are, mean squared error against the
  one-hot targets (torch.nn.MSELoss).

**Flat parameter layout.** The run engine sees a network as one vector per
run (params (R, P)). Its order is W1, b1, W2, b2, …, W_L, b_L; W_l has shape
(n_{l−1}, n_l) — input i to unit j — stored row-major, so W_l[i, j] sits at
``offset(W_l) + i·n_l + j``. ``unpack`` returns views into the vector, no copies.

**Steps, batches, epochs** and **what loss_and_grad returns** (the training-set
loss beside the mini-batch gradient the step uses): see network.py, shared with the CNN.

Large numbers of runs (a loss-landscape grid of 64² weight vectors) are
evaluated in chunks of runs so no activation array exceeds about 2 MB. The
activations and their gradients live in preallocated buffers (one set per
thread and shape), since allocating fresh arrays of a few hundred kB each step
costs more in page faults than the arithmetic.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .datasets import Dataset
from .init import INITS, init_layers
from .layers import ACTIVATIONS, LOSSES, FoldedDense, sigmoid, softmax
from .network import Metrics, Network, StepPosition, check_batch_size  # noqa: F401 (re-exported)

Array = np.ndarray

MAX_HIDDEN_LAYERS = 4
MAX_WIDTH = 32
HEADS = ("softmax_ce", "sigmoid_bce", "mse")
HEAD_NAMES = {"softmax_ce": "softmax + cross-entropy", "sigmoid_bce": "sigmoid + BCE",
              "mse": "MSE on one-hot targets"}
CHUNK_ELEMENTS = 1 << 18  # floats in the widest activation array of one chunk of runs (2 MB)


class Workspace:
    """Buffers for one forward and backward pass of R runs on B samples, samples as columns
    (layers.FoldedDense): per hidden layer l of n_l units, ``zt`` (R, n_l, B), ``at``
    (R, n_l + 1, B) — the activations and a last row of 1s (set once, never written
    again) — and their gradients ``dzt``, ``dat`` (R, n_l, B); the output layer's
    ``logits`` and ``dlogits`` (R, B, K), samples as rows.

    ``z``, ``a``, ``dz``, ``da`` are the same numbers as (R, B, n_l) views, one sample
    per row (the logits last in ``z`` and ``dz``), for the views and the trace."""

    def __init__(self, sizes: Sequence[int], runs: int, samples: int):
        hidden = sizes[1:-1]
        self.zt = [np.empty((runs, n, samples)) for n in hidden]
        self.at = [np.empty((runs, n + 1, samples)) for n in hidden]
        for a1 in self.at:
            a1[:, -1, :] = 1.0
        self.dzt = [np.empty((runs, n, samples)) for n in hidden]
        self.dat = [np.empty((runs, n, samples)) for n in hidden]
        self.logits = np.empty((runs, samples, sizes[-1]))
        self.dlogits = np.empty((runs, samples, sizes[-1]))

    @property
    def z(self) -> list[Array]:
        return [np.swapaxes(t, 1, 2) for t in self.zt] + [self.logits]

    @property
    def a(self) -> list[Array]:
        return [np.swapaxes(t[:, :-1], 1, 2) for t in self.at]

    @property
    def dz(self) -> list[Array]:
        return [np.swapaxes(t, 1, 2) for t in self.dzt] + [self.dlogits]

    @property
    def da(self) -> list[Array]:
        return [np.swapaxes(t, 1, 2) for t in self.dat]


def with_ones(x: Array) -> Array:
    """[xᵀ; 1] (…, n + 1, B) of inputs x (…, B, n): the samples as columns and a row of 1s."""
    x1 = np.empty(x.shape[:-2] + (x.shape[-1] + 1, x.shape[-2]))
    x1[..., :-1, :] = np.swapaxes(x, -1, -2)
    x1[..., -1, :] = 1.0
    return x1


class MLP(Network):
    """A network over a ``Dataset``: ``loss_and_grad(params (R, P), step)`` for the engine."""

    id = "mlp"

    def __init__(self, data: Dataset, hidden: Sequence[int] = (16, 16),
                 activation: str = "tanh", head: str = "softmax_ce",
                 batch_size: int | None = None, shuffle_seed: int = 0):
        hidden = tuple(int(h) for h in hidden)
        if len(hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(hidden)}")
        if any(not 1 <= h <= MAX_WIDTH for h in hidden):
            raise ValueError(f"hidden layers need 1 to {MAX_WIDTH} units, got {list(hidden)}")
        if activation not in ACTIVATIONS:
            raise KeyError(f"unknown activation {activation!r}; "
                           f"choose one of {', '.join(ACTIVATIONS)}")
        if head not in HEADS:
            raise KeyError(f"unknown head {head!r}; choose one of {', '.join(HEADS)}")
        if head == "sigmoid_bce" and data.n_classes != 2:
            raise ValueError(f"the sigmoid_bce head needs two classes; {data.name} has "
                             f"{data.n_classes} — use softmax_ce or mse")
        batch_size = check_batch_size(batch_size, data.n_train)
        self.data = data
        self.hidden = hidden
        self.activation = activation
        self.head = head
        self.batch_size = batch_size
        self.shuffle_seed = int(shuffle_seed)
        self.n_classes = data.n_classes
        n_out = 1 if head == "sigmoid_bce" else data.n_classes
        self.sizes = (2, *hidden, n_out)
        self.n_layers = len(self.sizes) - 1
        # (W slice, b slice) of each layer in the flat vector
        self._slots: list[tuple[int, int, int, int, int]] = []
        offset = 0
        for n_in, n_o in zip(self.sizes[:-1], self.sizes[1:]):
            self._slots.append((offset, offset + n_in * n_o, offset + n_in * n_o + n_o, n_in, n_o))
            offset += n_in * n_o + n_o
        self.dim = offset
        self._act = ACTIVATIONS[activation]
        self._loss = LOSSES[head]
        self._t_train = self._targets(data.y_train)
        self._t_test = self._targets(data.y_test)
        self._perm_cache: tuple[int, Array] | None = None
        self._x1 = {id(x): with_ones(x) for x in (data.x_train, data.x_test)}

    # -- description ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        return (f"MLP {'-'.join(map(str, self.sizes))} ({self.activation}, "
                f"{HEAD_NAMES[self.head]}) on {self.data.name}")

    @property
    def formula(self) -> str:
        """The network as one expression, in the layout's row-vector convention (z = x·W + b),
        e.g. ŷ = softmax(tanh(tanh(x·W1 + b1)·W2 + b2)·W3 + b3)."""
        inner = "x"
        for l in range(1, self.n_layers + 1):
            inner = f"{inner}·W{l} + b{l}"
            if l < self.n_layers:
                inner = f"{self.activation}({inner})"
        out = {"softmax_ce": f"softmax({inner})", "sigmoid_bce": f"σ({inner})",
               "mse": inner}[self.head]
        loss = {"softmax_ce": "L = −mean Σ_k y_k log ŷ_k (one-hot y)",
                "sigmoid_bce": "L = −mean(y log ŷ + (1−y) log(1−ŷ))",
                "mse": "L = mean (ŷ − y)² (one-hot y)"}[self.head]
        return f"ŷ = {out};  {loss}"

    def _targets(self, y: Array) -> Array:
        if self.head == "sigmoid_bce":
            return y.astype(float)[:, None]
        return np.eye(self.n_classes)[y]

    # -- flat layout -----------------------------------------------------------------------

    def layer_slices(self) -> list[tuple[slice, slice]]:
        """[(slice of W_l, slice of b_l)] in the flat vector, first layer to last."""
        return [(slice(w0, w1), slice(w1, b1)) for w0, w1, b1, _, _ in self._slots]

    def unpack(self, params: Array) -> list[tuple[Array, Array]]:
        """[(W_l (R, n_in, n_out), b_l (R, n_out))] as views into params (R, P)."""
        if params.ndim != 2 or params.shape[1] != self.dim:
            raise ValueError(f"params must have shape (runs, {self.dim}), got {params.shape}")
        r = params.shape[0]
        return [(params[:, w0:w1].reshape(r, n_in, n_out), params[:, w1:b1])
                for w0, w1, b1, n_in, n_out in self._slots]

    def pack(self, layers: Sequence[tuple[Array, Array]]) -> Array:
        """The flat params (R, P) from [(W_l, b_l)], each (R, …) or without the run axis."""
        ws = [np.asarray(w, float) for w, _ in layers]
        runs = ws[0].shape[0] if ws[0].ndim == 3 else 1
        out = np.empty((runs, self.dim))
        for (w_view, b_view), (w, b) in zip(self.unpack(out), layers):
            w_view[...] = w
            b_view[...] = b
        return out

    def init_params(self, init: str = "xavier", seed: int = 0, runs: int = 1) -> Array:
        """Initial weights (runs, P) drawn by ``init`` (see init.py), biases zero.

        Every row is the same network — the same start for every run of a race;
        the same seed, architecture and init always give the same weights."""
        if init not in INITS:
            raise KeyError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        one = self.pack(init_layers(init, self.sizes, seed))
        return np.repeat(one, runs, axis=0)

    # -- forward and backward --------------------------------------------------------------

    def _chunks(self, runs: int, samples: int):
        per = max(1, CHUNK_ELEMENTS // max(1, samples * max(self.sizes)))
        if per >= runs:
            yield slice(None)
            return
        for r0 in range(0, runs, per):
            yield slice(r0, min(runs, r0 + per))

    def _workspace(self, runs: int, samples: int) -> Workspace:
        """This thread's buffers for (runs, samples); kept for small shapes (the last few)."""
        return self.cached_workspace((runs, samples), runs * samples * sum(self.sizes[1:]),
                                     lambda: Workspace(self.sizes, runs, samples))

    def _blocks(self, params: Array) -> list[Array]:
        """[W_l; b_l] (R, n_in + 1, n_out) of each layer: views into params (R, P) (the
        flat layout keeps b_l right after the rows of W_l)."""
        r = params.shape[0]
        return [params[:, w0:b1].reshape(r, n_in + 1, n_out)
                for w0, _, b1, n_in, n_out in self._slots]

    def _inputs(self, x: Array) -> Array:
        """[xᵀ; 1] of x (…, B, 2): kept for the data set's own points, made for others."""
        cached = self._x1.get(id(x))
        return cached if cached is not None else with_ones(np.asarray(x, float))

    def _forward(self, blocks, x1: Array, ws: Workspace) -> Array:
        """The logits (R, B, n_out) from the inputs [xᵀ; 1] ``x1``, filling ``ws`` (the
        hidden layers' z and a, what backward needs)."""
        a1 = x1
        for l in range(self.n_layers - 1):
            z = FoldedDense.forward(a1, blocks[l], out=ws.zt[l])
            a1 = ws.at[l]
            self._act.forward(z, out=a1[:, :-1])
        return FoldedDense.forward(a1, blocks[-1], out=ws.logits, rows=True)

    def _backward(self, x1: Array, blocks, ws: Workspace, grads) -> None:
        """Backpropagate ∂L/∂logits (in ``ws.dlogits``) through the layers into ``grads``
        [∂L/∂[W_l; b_l]] (views of the flat gradient)."""
        last = self.n_layers - 1
        d, rows = ws.dlogits, True
        for l in range(last, -1, -1):
            x_in = x1 if l == 0 else ws.at[l - 1]
            FoldedDense.backward(d, x_in, blocks[l], rows=rows, dwb_out=grads[l],
                                 dx_out=ws.dat[l - 1] if l > 0 else None, need_dx=l > 0)
            if l > 0:
                d, rows = self._act.backward(ws.dat[l - 1], ws.zt[l - 1], ws.at[l - 1][:, :-1],
                                             out=ws.dzt[l - 1]), False

    def _loss_and_grad_on(self, params: Array, x: Array, t: Array) -> tuple[Array, Array]:
        loss = np.empty(params.shape[0])
        grad = np.empty_like(params)
        x1 = self._inputs(x)
        for rows in self._chunks(params.shape[0], len(x)):
            blocks = self._blocks(params[rows])
            ws = self._workspace(blocks[0].shape[0], len(x))
            logits = self._forward(blocks, x1, ws)
            loss[rows], _ = self._loss.loss_and_grad(logits, t, out=ws.dlogits)
            self._backward(x1, blocks, ws, self._blocks(grad[rows]))
        return loss, grad

    def per_sample_pass(self, params: Array, idx: Array) -> tuple[Array, Workspace, Array]:
        """One forward and backward pass for each training point ``idx`` (S,) on its own,
        at the weights ``params`` (P,): (per-point loss (S,), the workspace (S, 1, n_l)
        of z, a and ∂ℓ/∂z, the per-point gradient (S, P)).

        Each point is treated as a run of one sample (the weights repeated S times), so
        this is the very ``_forward``/``_backward`` the engine trains with; the mean of
        the per-point gradients of a batch is that batch's gradient."""
        idx = np.asarray(idx, dtype=np.int64)
        rows = np.repeat(np.asarray(params, float)[None, :], len(idx), axis=0)
        x = self.data.x_train[idx][:, None, :]  # (S, 1, 2): each run its own sample
        t = self._t_train[idx][:, None, :]
        ws = Workspace(self.sizes, len(idx), 1)
        blocks = self._blocks(rows)
        x1 = with_ones(x)
        logits = self._forward(blocks, x1, ws)
        loss, _ = self._loss.loss_and_grad(logits, t, out=ws.dlogits)
        grad = np.empty_like(rows)
        self._backward(x1, blocks, ws, self._blocks(grad))
        return loss, ws, grad

    def targets(self, idx: Array) -> Array:
        """The loss's targets of training points ``idx``: one-hot rows (softmax_ce, mse)
        or the 0/1 label as one column (sigmoid_bce)."""
        return self._t_train[np.asarray(idx, dtype=np.int64)]

    def _outputs(self, params: Array, x: Array):
        """(rows, logits) per chunk of runs — the logits live in a reused buffer."""
        x1 = self._inputs(x)
        for rows in self._chunks(params.shape[0], len(x)):
            blocks = self._blocks(params[rows])
            ws = self._workspace(blocks[0].shape[0], len(x))
            yield rows, self._forward(blocks, x1, ws), ws

    # -- what the views show ---------------------------------------------------------------

    def logits(self, params: Array, x: Array) -> Array:
        """Network outputs (R, B, n_out) at points x (B, 2)."""
        params = np.asarray(params, dtype=float)
        x = np.asarray(x, float)
        out = np.empty((params.shape[0], len(x), self.sizes[-1]))
        for rows, z, _ in self._outputs(params, x):
            out[rows] = z
        return out

    def predict(self, params: Array, x: Array) -> Array:
        """Predicted class (R, B): argmax of the outputs (sigmoid head: logit > 0)."""
        return self._classes(self.logits(params, x))

    def predict_proba_grid(self, params: Array, xs: Array, ys: Array) -> Array:
        """Class scores (R, len(ys), len(xs), K) on the grid; [r, i, j] is at (xs[j], ys[i]).

        softmax_ce: the softmax probabilities; sigmoid_bce: (1 − σ, σ); mse: the raw
        outputs clipped to [0, 1] (scores, not probabilities — MSE does not make them sum
        to one)."""
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        gx, gy = np.meshgrid(xs, ys)
        z = self.logits(params, np.column_stack([gx.ravel(), gy.ravel()]))
        if self.head == "softmax_ce":
            p = softmax(z)
        elif self.head == "sigmoid_bce":
            p1 = sigmoid(z[..., 0])
            p = np.stack([1.0 - p1, p1], axis=-1)
        else:
            p = np.clip(z, 0.0, 1.0)
        return p.reshape(z.shape[0], len(ys), len(xs), -1)

    def unit_weights(self, params: Array) -> list[tuple[Array, Array, Array]]:
        """Per hidden layer, for one weight vector (P,): (incoming (n, n_in), bias (n,),
        outgoing (n, n_next)), each unit's own weights along the first axis — the
        columns of W_l and the rows of W_{l+1}."""
        layers = self.unpack(np.asarray(params, float)[None, :])
        return [(layers[l][0][0].T, layers[l][1][0], layers[l + 1][0][0])
                for l in range(self.n_layers - 1)]

    def hidden_activity(self, params: Array) -> Array:
        """Fraction of each hidden layer's units that are never active — pre-activation
        z ≤ 0 on every training point — per run: (R, number of hidden layers).

        For relu these units are dead: output 0 and gradient 0 everywhere, so they
        never learn again. (For leaky_relu they still pass 0.01 of the gradient; for
        tanh and sigmoid the number says how many units never turn positive.)"""
        params = np.asarray(params, dtype=float)
        x = self.data.x_train
        out = np.empty((params.shape[0], self.n_layers - 1))
        for rows, _, ws in self._outputs(params, x):
            for l, z in enumerate(ws.z[:-1]):
                out[rows, l] = (z <= 0).all(axis=1).mean(axis=1)
        return out
