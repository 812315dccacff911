"""The CNN against real PyTorch, float64 (skipped when torch is not installed): conv2d,
max_pool2d (ties included) and cross_entropy piece by piece, the whole network's loss
and gradient for every activation, padding and one or two blocks, mini-batches, and
training through the run engine step for step beside torch's own loop."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets.cnn import CNN
from gdviz.engine.nets.conv import Conv3x3, MaxPool2x2, to_spatial
from gdviz.engine.nets.images import digits, shapes
from gdviz.engine.nets.layers import SoftmaxCrossEntropy
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, run_to_end

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torch cross-check "
                                            "is skipped (pip install torch to run it)")
F = torch.nn.functional
ACT = {"relu": F.relu, "leaky_relu": F.leaky_relu, "tanh": torch.tanh,
       "sigmoid": torch.sigmoid}
TOL = dict(rtol=1e-9, atol=1e-12)


def t64(a) -> "torch.Tensor":
    return torch.from_numpy(np.ascontiguousarray(a, dtype=float))


# --- the pieces -------------------------------------------------------------------------

@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("side", [7, 8])
def test_conv_forward_and_backward_equal_torch_conv2d(padding, side):
    rng = np.random.default_rng(side)
    x = rng.normal(size=(2, 3, side, side, 2))       # (R, B, H, W, C_in), per run
    k = rng.normal(size=(2, 4, 2, 3, 3))             # (R, C_out, C_in, 3, 3)
    b = rng.normal(size=(2, 4))
    cols = Conv3x3.columns(x, padding, order="spatial")
    so = side if padding == "same" else side - 2
    z = Conv3x3.forward(cols, k, b, (3, so, so))
    wcols = Conv3x3.columns(x, padding)
    h2 = so // 2
    zw = Conv3x3.forward(wcols, k, b, (4, 3, h2, h2))
    dz = rng.normal(size=zw.shape)
    dk, db, dx = Conv3x3.backward(dz, wcols, k, x.shape[1:], padding)
    for r in range(2):
        xt = t64(x[r].transpose(0, 3, 1, 2)).requires_grad_()
        kt, bt = t64(k[r]).requires_grad_(), t64(b[r]).requires_grad_()
        zt = F.conv2d(xt, kt, bt, padding=1 if padding == "same" else 0)
        np.testing.assert_allclose(z[r], zt.detach().numpy().transpose(0, 2, 3, 1), **TOL)
        # window order holds the same numbers at the pooled pixels
        np.testing.assert_allclose(to_spatial(zw[r][None], so)[0][:, :2 * h2, :2 * h2],
                                   zt.detach().numpy().transpose(0, 2, 3, 1)[:, :2 * h2, :2 * h2],
                                   **TOL)
        # backward: δ at the pooled pixels, 0 on a dropped odd edge
        grad_out = to_spatial(dz[r][None], so)[0].transpose(0, 3, 1, 2)
        zt.backward(t64(grad_out))
        np.testing.assert_allclose(dk[r], kt.grad.numpy(), **TOL)
        np.testing.assert_allclose(db[r], bt.grad.numpy(), **TOL)
        np.testing.assert_allclose(dx[r], xt.grad.numpy().transpose(0, 2, 3, 1), **TOL)


def _window_order(a: np.ndarray) -> np.ndarray:
    """(R, B, H, W, C) with even H, W → window order (R, 4, B, H/2, W/2, C)."""
    return np.stack([a[:, :, i::2, j::2, :] for i in (0, 1) for j in (0, 1)], axis=1)


def test_max_pool_routes_like_torch_max_pool2d_with_ties():
    """Integers 0…2 make most windows hold a tie; torch's CPU kernel keeps the first
    maximum in row-major order, and so must we — for the values and the gradient."""
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, size=(2, 5, 6, 6, 3)).astype(float)
    a[0, 0] = 1.0  # a whole image of ties
    win = _window_order(a)
    p = MaxPool2x2.forward(win)
    dp = rng.normal(size=p.shape)
    da = to_spatial(MaxPool2x2.backward(dp, win, p), 6)
    mask = to_spatial(MaxPool2x2.routing_mask(win, p), 6, fill=False)
    ties = (win == p[:, None]).sum(axis=1) > 1
    assert ties.mean() > 0.3  # the test is about ties: most windows have one
    for r in range(2):
        at = t64(a[r].transpose(0, 3, 1, 2)).requires_grad_()
        pt, idx = F.max_pool2d(at, 2, return_indices=True)
        np.testing.assert_array_equal(p[r], pt.detach().numpy().transpose(0, 2, 3, 1))
        pt.backward(t64(dp[r].transpose(0, 3, 1, 2)))
        np.testing.assert_array_equal(da[r], at.grad.numpy().transpose(0, 2, 3, 1))
        # the routing mask marks exactly the pixels torch's indices name
        want = np.zeros((5, 3, 36), dtype=bool)
        np.put_along_axis(want, idx.numpy().reshape(5, 3, -1), True, axis=2)
        np.testing.assert_array_equal(mask[r], want.reshape(5, 3, 6, 6).transpose(0, 2, 3, 1))


def test_torch_cpu_max_pool2d_keeps_the_first_of_tied_maxima():
    """The rule we copy, checked on torch itself: all four equal → index 0 (top-left);
    the last three equal → index 1 (top-right)."""
    x = t64([[[[1.0, 1.0], [1.0, 1.0]]], [[[0.0, 2.0], [2.0, 2.0]]]])
    _, idx = F.max_pool2d(x, 2, return_indices=True)
    assert idx.flatten().tolist() == [0, 1]


def test_softmax_cross_entropy_equals_torch_on_ten_classes():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 7, 10)) * 4
    y = rng.integers(0, 10, 7)
    loss, dz = SoftmaxCrossEntropy.loss_and_grad(z, np.eye(10)[y])
    for r in range(3):
        zt = t64(z[r]).requires_grad_()
        lt = F.cross_entropy(zt, torch.from_numpy(y))
        lt.backward()
        assert loss[r] == pytest.approx(lt.item(), rel=1e-12)
        np.testing.assert_allclose(dz[r], zt.grad.numpy(), **TOL)


# --- the whole network --------------------------------------------------------------------

def torch_net(net: CNN, row: np.ndarray):
    """The CNN's parameters as torch leaf tensors (torch's shapes; W as (F, K))."""
    return [t64(v[0]).requires_grad_() for pair in net.unpack(row[None, :]) for v in pair]


def torch_logits(net: CNN, ts, x: np.ndarray):
    h = t64(x)[:, None]
    pad = 1 if net.padding == "same" else 0
    for l in range(len(net.blocks)):
        h = F.max_pool2d(ACT[net.activation](F.conv2d(h, ts[2 * l], ts[2 * l + 1], padding=pad)), 2)
    return h.flatten(1) @ ts[-2] + ts[-1]  # torch's flatten: (channel, row, col)


def torch_loss_and_grad(net: CNN, row: np.ndarray, idx=None):
    ts = torch_net(net, row)
    idx = np.arange(net.data.n_train) if idx is None else idx
    loss = F.cross_entropy(torch_logits(net, ts, net.data.x_train[idx]),
                           torch.from_numpy(net.data.y_train[idx]))
    loss.backward()
    return loss.item(), np.concatenate([t.grad.numpy().ravel() for t in ts])


CASES = [
    (digits(n=80, seed=1), (6,), "valid", "relu"),
    (digits(n=80, seed=2), (4, 5), "same", "tanh"),
    (shapes(n=48, size=13, seed=3), (3, 4), "valid", "leaky_relu"),   # odd maps: 11 → 5
    (shapes(n=48, size=9, noise=0.3, seed=4), (5,), "same", "sigmoid"),  # 9 → 4, odd edge
    (shapes(n=48, size=16, classes=3, seed=5), (2, 3), "same", "relu"),
]


@pytest.mark.parametrize("data, kernels, padding, activation", CASES,
                         ids=[f"{c[0].name}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_same_weights_same_loss_and_gradient_as_torch(data, kernels, padding, activation):
    net = CNN(data, kernels, padding, activation)
    params = np.vstack([net.init_params(init, seed) for seed, init in
                        enumerate(["he", "glorot", "xavier"])])
    rng = np.random.default_rng(0)
    for _, b in net.unpack(params):
        b[...] = rng.normal(0, 0.1, b.shape)
    loss, grad = net.loss_and_grad(params)
    for r in range(len(params)):
        want_loss, want_grad = torch_loss_and_grad(net, params[r])
        assert loss[r] == pytest.approx(want_loss, rel=1e-12)
        np.testing.assert_allclose(grad[r], want_grad, rtol=1e-9, atol=1e-13)


def test_ties_in_the_pool_are_routed_as_torch_routes_them():
    """Digits have black margins: with zero biases and same padding every conv output
    there is exactly 0, so whole pooling windows tie (tanh′(0) = 1 lets the routed gradient
    through) — the gradient must still equal torch's."""
    net = CNN(digits(n=60, seed=3), (4,), "same", "tanh")
    row = net.init_params("he", 7)
    ws = next(net._outputs(row, net.data.x_train))[2]
    a, p = ws.a[0], ws.p[0]
    assert ((a == p[:, None]).sum(axis=1) > 1).mean() > 0.1  # ties do occur
    _, grad = net.loss_and_grad(row)
    np.testing.assert_allclose(grad[0], torch_loss_and_grad(net, row[0])[1], rtol=1e-9,
                               atol=1e-13)


def test_minibatch_gradient_equals_torch_on_that_batch():
    net = CNN(digits(n=100, seed=0), (4,), "valid", "relu", batch_size=16)
    row = net.init_params("he", 1)
    for step in (0, 3, 9):
        idx = net.batch_indices(step)
        _, grad = net.loss_and_grad(row, step=step)
        np.testing.assert_allclose(grad[0], torch_loss_and_grad(net, row[0], idx)[1],
                                   rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("optimizer, hp, batch_size", [
    ("adam", {"lr": 0.01}, None),
    ("momentum", {"lr": 0.05, "momentum": 0.9}, 20),
])
def test_training_through_batch_follows_torchs_loop(optimizer, hp, batch_size):
    net = CNN(digits(n=100, seed=0), (4,), "valid", "relu", batch_size=batch_size)
    start = net.init_params("he", 0)
    steps = 25
    b = Batch(net, OPTIMIZERS[optimizer], hyper_arrays([{**defaults(optimizer), **hp}]), start,
              steps)
    ours = run_to_end(b).params[:, 0]
    ts = torch_net(net, start[0])
    opt = (torch.optim.Adam(ts, **hp) if optimizer == "adam" else torch.optim.SGD(ts, **hp))
    y = torch.from_numpy(net.data.y_train)
    for k in range(steps):
        idx = net.batch_indices(k)
        opt.zero_grad()
        F.cross_entropy(torch_logits(net, ts, net.data.x_train[idx]), y[idx]).backward()
        opt.step()
        np.testing.assert_allclose(ours[k + 1], np.concatenate(
            [t.detach().numpy().ravel() for t in ts]), rtol=1e-9, atol=1e-12)
