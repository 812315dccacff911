"""Every verdict and every frame of a corpus of large batches (basin maps, sweeps, many
starts) is bit for bit what main's code computed (``batch_corpus.py`` says what is run,
what is hashed and how to regenerate the fixture from a checkout of main)."""

import json
from pathlib import Path

import batch_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "batch_main.json"


def test_every_verdict_and_frame_of_the_large_batches_is_bit_identical_to_mains():
    batch_corpus.assert_matches_fixture(FIXTURE, batch_corpus.compute)


def test_the_corpus_reaches_every_verdict_a_batch_can_give():
    """Some runs of the corpus end with each status (and stall) a surface run can have,
    so a change to any rule's evaluation shows in it."""
    want = json.loads(FIXTURE.read_text())
    want.pop("_machine")
    seen = {word.split(":")[0] for v in want.values() for word in v.split()[:-1]}
    assert {"converged", "diverged", "oscillating", "stalled", "noise_floor", "max_steps",
            "stall.saddle", "stall.plateau"} <= seen
