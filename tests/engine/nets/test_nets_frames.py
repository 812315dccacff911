"""Every frame and status of fixed network scenarios equals what the engine recorded before
the speed work of issue 19 (tests/fixtures/engine_frames/frames.npz, made by its
scenarios.py from the code of that time).

Statuses and end steps must be identical. The CNN's numbers are bit for bit the same (its
arithmetic did not change). The MLPs' are compared to 1e-12 relative (the scale of each
array, per frame; they differ by ≤ 1e-14): the MLP now folds each bias into its layer's
matrix product ([x 1]·[W; b] instead of x·W then + b), which rounds each sum in another
order — a difference of a few ulps, of the kind torch's own Linear (addmm) has too."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "engine_frames"))
from scenarios import ARRAYS, FRAMES, SCENARIOS, record  # noqa: E402

REFERENCE = np.load(FRAMES)
RTOL = 1e-12
# (none since the tails work: the CNN's softmax − one-hot is now taken in a form exact to a
# few ulps, so its frames move by ulps too — within RTOL like the MLPs')
BIT_IDENTICAL: set[str] = set()


def _close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, what
    nan = np.isnan(want)
    assert (np.isnan(got) == nan).all(), f"{what}: NaN in other places"
    frames = want.reshape(want.shape[0], -1) if want.ndim > 1 else want[:, None]
    g = got.reshape(frames.shape)
    # each frame's own scale (its NaNs skipped: a diverged frame may be all NaN, scale 0)
    scale = np.abs(np.where(nan.reshape(frames.shape), 0.0, frames)).max(axis=1, keepdims=True)
    err = np.abs(np.where(nan.reshape(frames.shape), 0.0, g - frames))
    worst = np.nanmax(err / np.where(scale > 0, scale, 1.0))
    assert worst <= RTOL, f"{what}: off by {worst:.2e} of the frame's scale"


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_frame_and_status_as_before(name):
    runs = record(SCENARIOS[name])
    for r, traj in enumerate(runs):
        for k in ARRAYS:
            want = REFERENCE[f"{name}/{r}/{k}"]
            if k in ("status", "end_step") or name in BIT_IDENTICAL:
                np.testing.assert_array_equal(traj[k], want, err_msg=f"{name} run {r}: {k}")
            else:
                _close(traj[k], want, f"{name} run {r}: {k}")
    assert f"{name}/{len(runs)}/params" not in REFERENCE.files  # as many runs as before
