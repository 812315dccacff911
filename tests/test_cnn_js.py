"""The page's CNN pass (static/js/nets/cnn-forward.js) equals the engine's own trace
(engine/nets/cnn_trace.py) to 1e-12: forward maps, pool winners, the gradient routed
back, ∂ℓ/∂z, logits, probabilities and the loss — for both paddings, one or two blocks,
every activation. Run through Node; skipped without Node except in CI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from node_call import node_path

from gdviz.engine.nets.cnn import CNN
from gdviz.engine.nets.cnn_trace import cnn_trace
from gdviz.engine.nets.images import digits, shapes
from gdviz.scenarios.kinds.cnn import describe_cnn as _cnn

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import { readFileSync } from "node:fs";
const mod = await import(process.argv[1]);
const cases = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map(({ params, desc, image, label, at }) => {
  const fwd = mod.forwardImage(params, desc, image);
  const back = mod.backwardImage(fwd, params, desc, label);
  const sum = mod.convSum(fwd, params, desc, 0, at[0], at[1], at[2]);
  return {
    blocks: fwd.blocks.map((b, l) => ({ z: [...b.z], a: [...b.a], p: [...b.p], won: [...b.won],
      dp: [...back.blocks[l].dp], da: [...back.blocks[l].da], dz: [...back.blocks[l].dz] })),
    logits: [...fwd.logits], probs: [...fwd.probs], loss: back.loss, dlogits: [...back.dlogits],
    sum: { z: sum.z, zMap: sum.zMap, n: sum.terms.length,
           total: sum.terms.reduce((s, t) => s + t.product, sum.bias) },
  };
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(cases: list) -> list:
    node = node_path()
    url = (ROOT / "static" / "js" / "nets" / "cnn-forward.js").as_uri()
    done = subprocess.run([node, "--input-type=module", "-e", SCRIPT, url],
                          input=json.dumps(cases), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


NETS = [
    CNN(digits(n=40, seed=1), (4,), "valid", "relu"),
    CNN(digits(n=40, seed=2), (3, 2), "same", "tanh"),
    CNN(shapes(n=30, size=13, seed=3), (2, 3), "valid", "leaky_relu"),  # odd maps
    CNN(shapes(n=30, size=9, noise=0.4, seed=4), (3,), "same", "sigmoid"),
]


@pytest.mark.parametrize("net", NETS, ids=lambda n: f"{n.padding}-{n.kernels}-{n.activation}")
def test_the_pages_pass_equals_the_engines_trace(net):
    params = net.init_params("glorot", 5)[0]
    params += np.random.default_rng(1).normal(0, 0.1, params.shape)
    idx = [0, 3]
    t = cnn_trace(net, params, idx)
    desc = _cnn(net)
    cases = [{"params": params.tolist(), "desc": desc, "image": net.data.x_train[i].ravel().tolist(),
              "label": int(net.data.y_train[i]), "at": [1, 1, 2]} for i in idx]  # kernel 1 at row 1, col 2
    out = run_node(cases)
    close = dict(rtol=1e-12, atol=1e-13)
    for s, got in enumerate(out):
        for l, b in enumerate(got["blocks"]):
            conv, pool = t.layers[2 * l], t.layers[2 * l + 1]
            shape = conv.z.shape[1:]
            np.testing.assert_allclose(np.reshape(b["z"], shape), conv.z[s], **close)
            np.testing.assert_allclose(np.reshape(b["a"], shape), conv.a[s], **close)
            np.testing.assert_allclose(np.reshape(b["p"], pool.a.shape[1:]), pool.a[s], **close)
            np.testing.assert_array_equal(np.reshape(b["won"], shape).astype(bool), pool.mask[s])
            np.testing.assert_allclose(np.reshape(b["dp"], pool.a.shape[1:]), pool.delta[s], **close)
            np.testing.assert_allclose(np.reshape(b["da"], shape), conv.grad_a[s], **close)
            np.testing.assert_allclose(np.reshape(b["dz"], shape), conv.delta[s], **close)
        np.testing.assert_allclose(got["logits"], t.logits[s], **close)
        np.testing.assert_allclose(got["probs"], t.probs[s], **close)
        np.testing.assert_allclose(got["dlogits"], t.layers[-1].delta[s], **close)
        assert got["loss"] == pytest.approx(t.loss[s], rel=1e-12)
        # the sum the view writes out is the conv pixel it shows
        assert got["sum"]["n"] == 9 and got["sum"]["z"] == got["sum"]["zMap"]
        assert got["sum"]["total"] == pytest.approx(t.layers[0].z[s][1, 2, 1], rel=1e-12)
