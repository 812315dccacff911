"""Cross-check against real PyTorch (skipped when torch is not installed): the same
weights give the same loss and gradients for every head and activation, and training
through the run engine follows torch's training loop step for step."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets.datasets import blobs, moons
from gdviz.engine.nets.mlp import HEADS, MLP
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, run_to_end

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torch cross-check "
                                            "is skipped (pip install torch to run it)")

TWO = moons(n=90, noise=0.2, test_fraction=0.0, seed=0)
THREE = blobs(n=90, classes=3, test_fraction=0.0, seed=0)
ACT = {"relu": lambda: torch.nn.ReLU(), "leaky_relu": lambda: torch.nn.LeakyReLU(),
       "tanh": lambda: torch.nn.Tanh(), "sigmoid": lambda: torch.nn.Sigmoid()}


def torch_net(net: MLP, row: np.ndarray):
    """The same network in torch, float64, weights copied from one flat row."""
    mods = []
    for l, (w, b) in enumerate(net.unpack(row[None, :])):
        lin = torch.nn.Linear(w.shape[1], w.shape[2], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w[0].T)))  # torch: (out, in)
            lin.bias.copy_(torch.from_numpy(b[0].copy()))
        mods.append(lin)
        if l < net.n_layers - 1:
            mods.append(ACT[net.activation]())
    return torch.nn.Sequential(*mods)


def torch_loss(net: MLP, out, idx=None):
    d = net.data
    y = d.y_train if idx is None else d.y_train[idx]
    if net.head == "softmax_ce":
        return torch.nn.CrossEntropyLoss()(out, torch.from_numpy(y))
    if net.head == "sigmoid_bce":
        return torch.nn.BCEWithLogitsLoss()(out, torch.from_numpy(y.astype(float)[:, None]))
    onehot = torch.from_numpy(np.eye(net.n_classes)[y])
    return torch.nn.MSELoss()(out, onehot)


def torch_flat_grad(model) -> np.ndarray:
    parts = []
    for mod in model:
        if isinstance(mod, torch.nn.Linear):
            parts += [mod.weight.grad.numpy().T.ravel(), mod.bias.grad.numpy().ravel()]
    return np.concatenate(parts)


def torch_flat_params(model) -> np.ndarray:
    parts = []
    for mod in model:
        if isinstance(mod, torch.nn.Linear):
            parts += [mod.weight.detach().numpy().T.ravel(), mod.bias.detach().numpy().ravel()]
    return np.concatenate(parts)


def torch_loss_and_grad(net: MLP, row: np.ndarray, idx=None):
    model = torch_net(net, row)
    x = net.data.x_train if idx is None else net.data.x_train[idx]
    loss = torch_loss(net, model(torch.from_numpy(x)), idx)
    loss.backward()
    return loss.item(), torch_flat_grad(model)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("activation", list(ACT))
def test_same_weights_same_loss_and_gradient_as_torch(head, activation):
    data = TWO if head == "sigmoid_bce" else THREE
    net = MLP(data, (7, 5), activation, head)
    params = np.vstack([net.init_params(init, seed) for seed, init in
                        enumerate(["he", "glorot", "large"])])
    rng = np.random.default_rng(0)
    for _, b in net.unpack(params):
        b[...] = rng.normal(0, 0.2, b.shape)
    loss, grad = net.loss_and_grad(params)
    for r in range(len(params)):
        want_loss, want_grad = torch_loss_and_grad(net, params[r])
        assert loss[r] == pytest.approx(want_loss, rel=1e-12)
        np.testing.assert_allclose(grad[r], want_grad, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("head", HEADS)
def test_minibatch_gradient_equals_torch_on_that_batch(head):
    data = TWO if head == "sigmoid_bce" else THREE
    net = MLP(data, (6,), "tanh", head, batch_size=16)
    row = net.init_params("glorot", 1)
    for step in (0, 5, 11):
        idx = net.batch_indices(step)
        _, grad = net.loss_and_grad(row, step=step)
        _, want = torch_loss_and_grad(net, row[0], idx)
        np.testing.assert_allclose(grad[0], want, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("optimizer, hp, batch_size", [
    ("adam", {"lr": 0.01}, None),
    ("momentum", {"lr": 0.1, "momentum": 0.9}, 16),
    ("rmsprop", {"lr": 0.005}, 32),
])
def test_training_through_batch_follows_torchs_loop(optimizer, hp, batch_size):
    net = MLP(TWO, (16, 16), "tanh", "softmax_ce", batch_size=batch_size)
    start = net.init_params("xavier", 0)
    steps = 40
    b = Batch(net, OPTIMIZERS[optimizer], hyper_arrays([{**defaults(optimizer), **hp}]), start,
              steps)
    ours = run_to_end(b).params[:, 0]

    model = torch_net(net, start[0])
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), **hp)
    elif optimizer == "momentum":
        opt = torch.optim.SGD(model.parameters(), **hp)
    else:
        opt = torch.optim.RMSprop(model.parameters(), **hp)
    x = torch.from_numpy(net.data.x_train)
    for k in range(steps):
        idx = net.batch_indices(k)
        opt.zero_grad()
        torch_loss(net, model(x[idx]), idx).backward()
        opt.step()
        np.testing.assert_allclose(ours[k + 1], torch_flat_params(model), rtol=1e-9, atol=1e-12,
                                   err_msg=f"step {k + 1}")
