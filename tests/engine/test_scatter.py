"""Many starts: seeded starts, path thinning and the one-sentence summary."""

import numpy as np

from gdviz.engine.landscape import basin_batch, label_ends, run_in_chunks
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.scatter import PathRecorder, random_starts, summarise
from gdviz.engine.surfaces import SURFACES


def test_random_starts_are_seeded_and_inside_the_box():
    a = random_starts(64, ((-2, 2), (10, 11)), seed=5)
    assert a.shape == (64, 2)
    assert (a[:, 0] >= -2).all() and (a[:, 0] <= 2).all()
    assert (a[:, 1] >= 10).all() and (a[:, 1] <= 11).all()
    assert np.array_equal(a, random_starts(64, ((-2, 2), (10, 11)), seed=5))
    assert not np.array_equal(a, random_starts(64, ((-2, 2), (10, 11)), seed=6))


def _himmelblau_batch(starts, steps=300):
    s = SURFACES["himmelblau"]
    return s, basin_batch(s, OPTIMIZERS["gd"], {"lr": 0.01, "weight_decay": 0.0},
                          np.asarray(starts, float), steps)


def test_recorded_paths_follow_the_batch_and_thin_to_the_limit():
    s, batch = _himmelblau_batch([[0.0, 0.0], [-1.0, -1.0]])
    rec = PathRecorder(batch)
    list(run_in_chunks(batch, chunk=7, on_step=rec.record))
    for run in range(2):
        end = int(batch.end_step[run])
        full = rec.path(run, end, 10_000)
        assert len(full) == end + 1 and np.array_equal(full[0], batch.start[run])
        assert np.array_equal(full[-1], batch.params[run])
        thin = rec.path(run, end, 30)
        assert len(thin) == min(30, end + 1)  # run 0 takes 46 steps (thinned), run 1 only 17
        assert np.array_equal(thin[0], full[0]) and np.array_equal(thin[-1], full[-1])
    assert batch.end_step[0] > 40 > batch.end_step[1]
    # GD on Himmelblau from these two starts reaches two different minima
    labels, minima = label_ends(batch, s.minima_array())
    assert labels[0] != labels[1] and (labels >= 0).all()


def test_summary_counts_every_kind_of_ending():
    out = summarise(np.array([0, 0, 2, 3, 3, -1, -2, -2]), [0.0, 1.0, 2.0, 3.0], steps=500)
    assert out.counts == {0: 2, 2: 1, 3: 2, -1: 1, -2: 2}
    assert out.summary == ("Of 8 starts, 2 reached the global minimum; 3 stopped in 2 other "
                           "minima (local minima trap plain descent); 1 diverged; 2 did not "
                           "settle within 500 steps (still moving, oscillating or stalled on "
                           "a saddle or plateau).")
    one = summarise(np.array([1]), [0.0, 1.0], steps=10).summary
    assert one == "Of 1 starts, 1 stopped in 1 other minimum (local minima trap plain descent)."
    found = summarise(np.array([0, 1]), [], steps=10).summary
    assert found == "Of 2 starts, 2 converged to 2 minima."


def test_tied_minima_are_never_the_global_minimum():
    """Himmelblau's four minima all have loss 0: a start that reached any of them reached
    "one of the 4 lowest", not "the global minimum"."""
    s = SURFACES["himmelblau"]
    losses = s.loss_and_grad(s.minima_array())[0]
    out = summarise(np.array([0, 1, 1, 3, -2]), losses, steps=200).summary
    assert "global minimum" not in out
    assert out.startswith("Of 5 starts, 4 reached one of the 4 lowest minima (all at loss 0)")
