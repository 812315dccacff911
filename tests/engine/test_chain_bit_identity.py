"""Every frame of a fixed corpus of runs is bit for bit what main's code computed before
schedules, clipping and noise became transforms chained with the optimizer
(``chain_corpus.py`` says what is run, what is hashed and how to regenerate the
fixture from a checkout of main)."""

import json
from pathlib import Path

import pytest

import chain_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "chain_main.json"


def test_every_frame_of_the_corpus_is_bit_identical_to_mains():
    want = json.loads(FIXTURE.read_text())
    if chain_corpus.machine() != want["_machine"]:
        pytest.skip("the fixture was made on a machine whose float kernels (libm, SIMD, BLAS) "
                    "round differently: regenerate it here from main (chain_corpus.py)")
    got = chain_corpus.compute()
    assert sorted(got) == sorted(want), "the corpus changed: regenerate the fixture from main"
    differ = [f"{name}: main {want[name]!r}, now {got[name]!r}"
              for name in want if got[name] != want[name]]
    assert not differ, (f"{len(differ)} of {len(want)} scenarios differ (diff one field by "
                        "field with chain_corpus.py --fields NAME here and on main):\n"
                        + "\n".join(differ[:20]))


def test_the_corpus_covers_what_it_claims():
    """Runs end at different steps (the batch steps a subset of its runs), some diverge,
    and every optimizer meets every schedule and option on the surfaces."""
    want = json.loads(FIXTURE.read_text())
    want.pop("_machine")
    statuses = [s.split("/") for v in want.values() for s in v.split()[:-1]]
    ends = {int(end) for _, end in statuses}
    assert {"converged", "diverged", "max_steps"} <= {status for status, _ in statuses}
    assert len(ends) > 10
    names = [n.split("/") for n in want]
    for optimizer in chain_corpus.OPTIMIZERS:
        for schedule in chain_corpus.SCHEDULES:
            for extra in chain_corpus.EXTRAS:
                assert ["bowl", optimizer, schedule, extra] in names
    assert {n[0] for n in names} >= {"mlp", "cnn"}
