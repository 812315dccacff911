"""Every frame of a fixed corpus of runs is bit for bit what main's code computed before
schedules, clipping and noise became transforms chained with the optimizer
(``chain_corpus.py`` says what is run, what is hashed and how to regenerate the
fixture from a checkout of main)."""

import json
from pathlib import Path

import chain_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "chain_main.json"


def test_every_frame_of_the_corpus_is_bit_identical_to_mains():
    chain_corpus.assert_matches_fixture(
        FIXTURE, chain_corpus.compute,
        " (diff one field by field with chain_corpus.py --fields NAME here and on main)")


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
