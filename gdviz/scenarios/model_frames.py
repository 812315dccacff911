"""The extra frame fields a model scenario carries (docs/models.md, "Frames").

Computed for many frames at once — the frames' weights are the rows of one
array, so a network's accuracy and test loss over a whole tick (or a whole
``POST /api/run`` trajectory) is one vectorised forward pass, not one per step.

* every model: ``grad_norm`` = ‖grad‖, ``rel_update`` = ‖update‖ / ‖params‖;
* classifiers (logreg2, mlp, cnn): ``accuracy`` on the training points;
* networks (mlp, cnn): ``test_loss``, ``test_accuracy``, ``grad_norms`` (‖∂L/∂W_l‖ of the full
  training gradient per weight layer, first to last), and the frame's place
  in the epochs: ``epoch`` (complete epochs), ``batch`` (the batch the next
  step uses) and ``batches_per_epoch``;
* cnn, on the frames asked for (``full``: the stream's frames that carry the
  weights; every frame of a whole result): ``confusion`` — counts [true][predicted]
  on the test images (the training images when there is no test set) — and
  ``mistakes``, up to ``MISTAKES`` of them, the most confident first:
  [image index, predicted class, its probability].
"""

from __future__ import annotations

import numpy as np

from gdviz.engine.nets.cnn import CNN
from gdviz.engine.nets.layers import softmax
from gdviz.engine.nets.linear import LogReg2
from gdviz.engine.nets.network import Network

from .jsonsafe import num, vec

Array = np.ndarray

MISTAKES = 12
HEAVY = ("confusion", "mistakes")  # fields only the frames asked for (``full``) carry


def _norms(a: Array) -> Array:
    with np.errstate(all="ignore"):
        return np.sqrt(np.einsum("kp,kp->k", a, a))


def model_fields(objective, steps: Array, params: Array, grads: Array,
                 updates: Array | None, full: Array | None = None) -> list[dict]:
    """Extra fields for K frames: ``steps`` (K,), ``params``/``grads`` (K, P),
    ``updates`` (K, P) with NaN rows where a frame has no update (or None); ``full``
    (K,) bool: the frames that get the ``HEAVY`` fields (None: all)."""
    steps = np.asarray(steps)
    k = len(steps)
    grad_norm = _norms(grads)
    with np.errstate(all="ignore"):
        rel = _norms(updates) / _norms(params) if updates is not None else np.full(k, np.nan)
    cols: dict[str, Array] = {"grad_norm": grad_norm, "rel_update": rel}
    finite = np.isfinite(params).all(axis=1)
    if isinstance(objective, LogReg2):
        cols["accuracy"] = _where(finite, lambda p: objective_accuracy(objective, p), params)
    elif isinstance(objective, Network):
        out = _network_fields(objective, steps, params, grads, finite, cols)
        if isinstance(objective, CNN):
            full = np.ones(k, bool) if full is None else np.asarray(full, bool)
            for i in np.flatnonzero(full):
                out[i].update(_confusion(objective, params[i]) if finite[i]
                              else {"confusion": None, "mistakes": None})
        return out
    return [{name: num(v[i]) for name, v in cols.items()} for i in range(k)]


def objective_accuracy(model: LogReg2, params: Array) -> Array:
    """Share of training points on the right side of w1·x1 + w2·x2 = 0, per row."""
    x, y = model.data.x_train, model.data.y_train
    pred = (params @ x.T) > 0
    return (pred == (y == 1)).mean(axis=1)


def _where(finite: Array, f, params: Array) -> Array:
    """f(params) on the finite rows, NaN elsewhere (an overflowed run has no accuracy)."""
    out = np.full(len(params), np.nan)
    if finite.any():
        with np.errstate(all="ignore"):
            out[finite] = f(params[finite])
    return out


def _network_fields(net: Network, steps, params, grads, finite, cols) -> list[dict]:
    k = len(steps)
    m = {"accuracy": np.full(k, np.nan),
         "test_loss": np.full(k, np.nan), "test_accuracy": np.full(k, np.nan)}
    layer_norms = np.full((k, net.n_layers), np.nan)
    if finite.any():
        with np.errstate(all="ignore"):
            metrics = net.metrics(params[finite], train_loss=False)
            for name in ("accuracy", "test_loss", "test_accuracy"):
                m[name][finite] = getattr(metrics, name)
            # the full-batch gradient: the frame's own with the full batch, else recomputed
            full = grads[finite] if not net.stochastic else net.full_loss_and_grad(
                params[finite])[1]
            layer_norms[finite] = net.layer_grad_norms(full)
    cols.update(accuracy=m["accuracy"], test_loss=m["test_loss"],
                test_accuracy=m["test_accuracy"])
    out = []
    for i in range(k):
        pos = net.position(int(steps[i]))
        row = {name: num(v[i]) for name, v in cols.items()}
        row["grad_norms"] = vec(layer_norms[i]) or [None] * net.n_layers
        row.update(epoch=pos.epoch, batch=pos.batch, batches_per_epoch=pos.batches_per_epoch)
        out.append(row)
    return out


def _confusion(net: CNN, params: Array) -> dict:
    """``confusion`` [true][predicted] and the most confident ``mistakes`` on the test
    images (the training images when there is no test set) for one weight vector."""
    d = net.data
    x, y = (d.x_test, d.y_test) if d.n_test else (d.x_train, d.y_train)
    with np.errstate(all="ignore"):
        probs = softmax(net.logits(params[None, :], x))[0]
    pred = probs.argmax(axis=1)
    k = net.n_classes
    confusion = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    wrong = np.flatnonzero(pred != y)
    sure = probs[wrong, pred[wrong]]
    top = wrong[np.argsort(-sure, kind="stable")][:MISTAKES]
    return {"confusion": confusion.tolist(),
            "mistakes": [[int(i), int(pred[i]), num(probs[i, pred[i]])] for i in top]}
