"""What every network objective shares: the mini-batch schedule, the training-set loss
beside the step's gradient, accuracy and per-layer gradient norms.

A subclass (``MLP``, ``CNN``) sets ``data`` (train/test inputs and labels), ``head``,
``batch_size``, ``shuffle_seed``, the one-hot (or 0/1) targets ``_t_train``/``_t_test``
and ``_perm_cache = None``, and provides

* ``_loss_and_grad_on(params (R, P), x, t) -> (loss (R,), grad (R, P))``,
* ``_outputs(params, x)`` yielding ``(rows, logits (r, B, n_out), workspace)`` per chunk
  of runs, and
* ``layer_slices()``: [(slice of W_l, slice of b_l)] in the flat vector.

**Steps, batches, epochs.** With batch size b on N training points an epoch has
⌈N/b⌉ batches (the last one smaller if b does not divide N, as torch's DataLoader
with ``drop_last=False``). Step k (the update taken from frame k) uses batch
j = k mod ⌈N/b⌉ of epoch e = k div ⌈N/b⌉: the slice j·b … j·b+b of a permutation of
the training points drawn from ``default_rng([shuffle_seed, e])``. The order depends
only on the data, ``batch_size`` and ``shuffle_seed`` — every run of a race, and every
optimizer, sees the same batches at the same step, so races are fair.

**What loss_and_grad returns.** ``loss`` is always the mean loss over the *whole
training set* at the params, so loss curves, the run engine's divergence and
oscillation tests and the final loss mean the same thing whatever the batch size.
``grad`` is the gradient of the *mini-batch* loss at step k — the gradient the
optimizer step uses. With the full batch the two come from one forward and backward
pass; with mini-batches a second forward pass over the training set gives the loss.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

Array = np.ndarray

SAME_OUTPUT = 1e-6  # outputs (logits) that differ by no more over the inputs are the same
CACHED_WORKSPACE_ELEMENTS = 1 << 20  # larger workspaces are allocated per call, not kept
CACHED_WORKSPACES = 4                # per thread: the last few shapes


@dataclass(frozen=True)
class StepPosition:
    """Where step k falls: 0-based epoch and batch within it (k = epoch·batches_per_epoch
    + batch), and how many samples that batch has."""

    step: int
    epoch: int
    batch: int
    batches_per_epoch: int
    batch_size: int


class Metrics(NamedTuple):
    """Per run (R,): mean training loss and accuracy; the same on the test set
    (NaN when the data set has no test points)."""

    loss: Array
    accuracy: Array
    test_loss: Array
    test_accuracy: Array


def check_batch_size(batch_size: int | None, n_train: int) -> int:
    """The batch size (the full batch when None), refused outside 1 … n_train."""
    batch_size = n_train if batch_size is None else int(batch_size)
    if not 1 <= batch_size <= n_train:
        raise ValueError(f"batch_size must be between 1 and the {n_train} training points, "
                         f"got {batch_size}")
    return batch_size


class Network:
    """The engine's interface for a network trained on a labelled data set."""

    # how the diagnosis names a hidden unit, its layer and a training sample
    WORDS = {"unit": "unit", "layer": "hidden layer", "sample": "point"}

    # -- sizes -----------------------------------------------------------------------------

    @property
    def work_per_sample(self) -> int:
        """Multiply-adds of one forward pass per sample: each weight once in a dense
        network (a CNN uses each kernel weight at every pixel). What a step, a slice and
        a whole run cost grows with (gdviz/scenarios/cost.py, slice.py)."""
        return self.dim

    @property
    def activations_per_sample(self) -> int:
        """Numbers one sample makes in a forward pass (each layer's outputs): what a pass's
        buffers hold per sample, several times over (gdviz/jobs/memory.py)."""
        raise NotImplementedError

    # -- buffers ---------------------------------------------------------------------------

    def cached_workspace(self, key, elements: int, make: Callable):
        """This thread's buffers for ``key`` (e.g. (runs, samples)), made by ``make()``:
        kept for the last few keys when they hold ≤ ``CACHED_WORKSPACE_ELEMENTS`` floats,
        made afresh otherwise. Reusing buffers matters: fresh arrays of a few hundred kB
        per pass cost more in page faults than the arithmetic. Per thread, since runs may
        step in threads."""
        if elements > CACHED_WORKSPACE_ELEMENTS:
            return make()
        local = self.__dict__.get("_local")
        if local is None:
            local = self.__dict__.setdefault("_local", threading.local())
        cache = getattr(local, "workspaces", None)
        if cache is None:
            cache = local.workspaces = OrderedDict()
        if key in cache:
            cache.move_to_end(key)
        else:
            cache[key] = make()
            if len(cache) > CACHED_WORKSPACES:
                cache.popitem(last=False)
        return cache[key]

    # -- mini-batches ----------------------------------------------------------------------

    @property
    def batches_per_epoch(self) -> int:
        return -(-self.data.n_train // self.batch_size)

    @property
    def stochastic(self) -> bool:
        """True when steps use mini-batches (the gradient is noisy)."""
        return self.batch_size < self.data.n_train

    def position(self, step: int) -> StepPosition:
        """Which epoch and batch step ``step`` uses (all 0-based)."""
        step = int(step)
        epoch, batch = divmod(step, self.batches_per_epoch)
        size = min(self.batch_size, self.data.n_train - batch * self.batch_size)
        return StepPosition(step, epoch, batch, self.batches_per_epoch, size)

    def epoch_permutation(self, epoch: int) -> Array:
        """The order in which epoch ``epoch`` visits the training points."""
        cached = self._perm_cache  # read once: other threads may replace it
        if cached is None or cached[0] != epoch:
            rng = np.random.default_rng([self.shuffle_seed, int(epoch)])
            cached = self._perm_cache = (int(epoch), rng.permutation(self.data.n_train))
        return cached[1]

    def batch_indices(self, step: int) -> Array:
        """Indices of the training points in step ``step``'s mini-batch."""
        if not self.stochastic:
            return np.arange(self.data.n_train)
        pos = self.position(step)
        start = pos.batch * self.batch_size
        return self.epoch_permutation(pos.epoch)[start:start + self.batch_size]

    # -- the objective interface -----------------------------------------------------------

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """(training-set loss (R,), gradient of step ``step``'s mini-batch loss (R, P))."""
        params = np.asarray(params, dtype=float)
        if not self.stochastic:
            return self._loss_and_grad_on(params, self.data.x_train, self._t_train)
        idx = self.batch_indices(step)
        _, grad = self._loss_and_grad_on(params, self.data.x_train[idx], self._t_train[idx])
        return self.loss(params), grad

    def full_loss_and_grad(self, params: Array) -> tuple[Array, Array]:
        """Loss and gradient over the whole training set, whatever the batch size."""
        return self._loss_and_grad_on(np.asarray(params, float), self.data.x_train,
                                      self._t_train)

    def _loss_on(self, params: Array, x: Array, t: Array) -> Array:
        loss = np.empty(params.shape[0])
        for rows, z, _ in self._outputs(params, x):
            loss[rows] = self._loss.loss(z, t)
        return loss

    def loss_on(self, params: Array, idx: Array) -> Array:
        """Mean loss (R,) over the training points ``idx`` (a mini-batch's loss)."""
        idx = np.asarray(idx, dtype=np.int64)
        return self._loss_on(np.asarray(params, float), self.data.x_train[idx],
                             self._t_train[idx])

    def loss(self, params: Array, split: str = "train") -> Array:
        """Mean loss (R,) over the training (or ``split="test"``) set; no gradient."""
        params = np.asarray(params, dtype=float)
        if split == "train":
            return self._loss_on(params, self.data.x_train, self._t_train)
        if split == "test":
            if self.data.n_test == 0:
                return np.full(params.shape[0], np.nan)
            return self._loss_on(params, self.data.x_test, self._t_test)
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")

    # -- what the views show ---------------------------------------------------------------

    def _classes(self, z: Array) -> Array:
        """The predicted class from the outputs: argmax (a sigmoid head: logit > 0)."""
        if self.head == "sigmoid_bce":
            return (z[..., 0] > 0).astype(np.int64)
        return z.argmax(axis=-1)

    def _split_metrics(self, params: Array, x: Array, y: Array, t: Array, with_loss=True):
        if len(y) == 0:
            nan = np.full(params.shape[0], np.nan)
            return nan, nan
        loss = np.full(params.shape[0], np.nan)
        acc = np.empty(params.shape[0])
        for rows, z, _ in self._outputs(params, x):
            if with_loss:
                loss[rows] = self._loss.loss(z, t)
            acc[rows] = (self._classes(z) == y).mean(axis=1)
        return loss, acc

    def output_spread(self, params: Array) -> Array:
        """How far apart the network's outputs are over the training inputs, per run (R,):
        the largest max − min, over the inputs, of one output (logit). 0 where it gives
        every input the same output — what it scores then is what a constant guess does."""
        params = np.asarray(params, dtype=float)
        out = np.empty(params.shape[0])
        for rows, z, _ in self._outputs(params, self.data.x_train):
            out[rows] = (z.max(axis=1) - z.min(axis=1)).max(axis=1)
        return out

    def stuck_units(self) -> str:
        """Why a network that gives every input the same output gets no gradient (words)."""
        return {"sigmoid": "its sigmoid units saturated, where almost no gradient passes back",
                "tanh": "its tanh units saturated, where almost no gradient passes back",
                "relu": "its ReLU units went dead (off for every input), passing back no "
                        "gradient"}.get(getattr(self, "activation", None),
                                        "its hidden units pass back no gradient")

    def same_output(self, params: Array) -> bool:
        """Whether the network gives every training input the same output (one weight
        vector (P,) or (1, P)): its outputs differ by at most ``SAME_OUTPUT`` over them."""
        return bool(self.output_spread(np.reshape(params, (1, -1)))[0] <= SAME_OUTPUT)

    def metrics(self, params: Array, train_loss: bool = True) -> Metrics:
        """Loss and accuracy (fraction correct) on the training and test sets, per run.
        ``train_loss=False`` leaves the training loss NaN — for callers that already have
        it (the engine's ``loss``), saving its cost."""
        params = np.asarray(params, dtype=float)
        d = self.data
        loss, acc = self._split_metrics(params, d.x_train, d.y_train, self._t_train, train_loss)
        test_loss, test_acc = self._split_metrics(params, d.x_test, d.y_test, self._t_test)
        return Metrics(loss, acc, test_loss, test_acc)

    def layer_grad_norms(self, grad: Array) -> Array:
        """‖∂L/∂W_l‖ (Frobenius, weights only — no biases) per layer, first to last:
        (R, L), from any flat gradient (R, P), e.g. the one a frame carries."""
        return np.stack([np.sqrt(np.einsum("ri,ri->r", grad[:, w], grad[:, w]))
                         for w, _ in self.layer_slices()], axis=1)

    def grad_norms(self, params: Array) -> Array:
        """‖∂L/∂W_l‖ (Frobenius) per weight layer, first to last, (R, L), of the
        *full training-set* gradient — steady, whatever the batch size, so vanishing
        (first ≪ last) and exploding gradients show without mini-batch noise."""
        return self.layer_grad_norms(self.full_loss_and_grad(params)[1])
