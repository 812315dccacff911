"""One image's trace through the CNN: the mean of per-image gradients is the step's
gradient, every stage equals torch's intermediate tensors (retain_grad), and the pool's
routing mask sends the gradient only to the winners."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets.cnn import CNN
from gdviz.engine.nets.cnn_trace import cnn_trace
from gdviz.engine.nets.images import digits, shapes

NET = CNN(shapes(n=40, size=13, seed=1), (3, 2), "valid", "tanh")  # odd maps: 11 → 5 → 3 → 1
PARAMS = NET.init_params("glorot", 2)[0]


def test_the_mean_of_per_image_gradients_is_the_batch_gradient():
    for net, p in ((NET, PARAMS), (CNN(digits(n=60), (4,), "same", "relu", batch_size=8),
                                   None)):
        p = net.init_params("he", 3)[0] if p is None else p
        for step in (0, 2):
            idx = net.batch_indices(step)
            _, grad = net.loss_and_grad(p[None], step=step)
            np.testing.assert_allclose(cnn_trace(net, p, idx).flat_grad().mean(0), grad[0],
                                       rtol=1e-12, atol=1e-15)


def test_layers_are_conv_pool_conv_pool_output_with_the_flat_shapes():
    t = cnn_trace(NET, PARAMS, [4])
    assert [(l.name, l.kind) for l in t.layers] == [
        ("conv 1", "conv"), ("pool 1", "maxpool"), ("conv 2", "conv"), ("pool 2", "maxpool"),
        ("output", "dense")]
    conv1, pool1, conv2, pool2, out = t.layers
    assert conv1.z.shape == (1, 11, 11, 3) and conv1.grad_w.shape == (1, 3, 1, 3, 3)
    assert pool1.a.shape == (1, 5, 5, 3) and pool1.grad_w is None and pool1.grad_b is None
    assert pool1.mask.shape == (1, 11, 11, 3) and conv2.grad_w.shape == (1, 2, 3, 3, 3)
    assert out.grad_w.shape == (1, 2, 4) and t.probs.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(out.delta, t.probs - t.target, rtol=1e-12, atol=1e-15)


def test_the_pool_routes_the_gradient_to_the_winners_only():
    """The course's answer: "the gradient for the maximum is 1, the others are 0"."""
    t = cnn_trace(NET, PARAMS, [0, 1, 2])
    conv1, pool1 = t.layers[0], t.layers[1]
    mask = pool1.mask
    assert (mask[:, :10, :10].reshape(3, 5, 2, 5, 2, 3).sum(axis=(2, 4)) == 1).all()
    assert not mask[:, 10].any() and not mask[:, :, 10].any()  # the dropped odd edge
    # what arrives at the pool output goes to the winner, unchanged; zeros elsewhere
    routed = conv1.grad_a
    assert (routed[~mask] == 0).all()
    winners = routed[:, :10, :10].reshape(3, 5, 2, 5, 2, 3).sum(axis=(2, 4))
    np.testing.assert_array_equal(winners, pool1.delta)
    # the winner holds the window's max
    a = conv1.a[:, :10, :10].reshape(3, 5, 2, 5, 2, 3)
    np.testing.assert_array_equal(np.where(mask[:, :10, :10].reshape(a.shape), a, -np.inf)
                                  .max(axis=(2, 4)), pool1.a)


def test_every_stage_equals_torchs_tensors():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    F = torch.nn.functional
    t = cnn_trace(NET, PARAMS, [5])
    ts = [torch.tensor(v[0].copy(), requires_grad=True) for pair in NET.unpack(PARAMS[None])
          for v in pair]
    h = torch.from_numpy(NET.data.x_train[[5]])[:, None]
    kept = []
    for l in range(2):
        z = F.conv2d(h, ts[2 * l], ts[2 * l + 1])
        a = torch.tanh(z)
        p, idx = F.max_pool2d(a, 2, return_indices=True)
        for v in (z, a, p):
            v.retain_grad()
        kept.append((z, a, p, idx))
        h = p
    logits = h.flatten(1) @ ts[4] + ts[5]
    logits.retain_grad()
    loss = F.cross_entropy(logits, torch.from_numpy(NET.data.y_train[[5]]))
    loss.backward()
    assert t.loss[0] == pytest.approx(loss.item(), rel=1e-13)

    def nhwc(v):
        return v.detach().numpy()[0].transpose(1, 2, 0)

    for l, (z, a, p, idx) in enumerate(kept):
        conv, pool = t.layers[2 * l], t.layers[2 * l + 1]
        for ours, theirs in ((conv.z, z), (conv.a, a), (pool.a, p)):
            np.testing.assert_allclose(ours[0], nhwc(theirs), rtol=1e-12, atol=1e-14)
        for ours, theirs in ((conv.grad_a, a.grad), (conv.delta, z.grad), (pool.delta, p.grad)):
            np.testing.assert_allclose(ours[0], nhwc(theirs), rtol=1e-12, atol=1e-14)
        c, side = conv.z.shape[-1], conv.z.shape[1]
        want = np.zeros((c, side * side), dtype=bool)
        np.put_along_axis(want, idx.numpy()[0].reshape(c, -1), True, axis=1)
        np.testing.assert_array_equal(pool.mask[0], want.reshape(c, side, side).transpose(1, 2, 0))
    np.testing.assert_allclose(t.layers[-1].delta[0], logits.grad.numpy()[0], rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(t.flat_grad()[0], np.concatenate(
        [v.grad.numpy().ravel() for v in ts]), rtol=1e-12, atol=1e-14)
