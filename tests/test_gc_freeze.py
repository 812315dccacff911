"""A worker's startup objects are frozen out of the cyclic collector once (gdviz.main:
``freeze_startup_objects``), so a full collection during a lecture scans only what the
streams keep alive."""

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

PROBE = """
import gc
from local_client import local_client
assert gc.get_freeze_count() == 0
with local_client():  # the app's lifespan runs: a worker has started
    pass
first = gc.get_freeze_count()
with local_client():  # a second app in the same process
    pass
print(first, gc.get_freeze_count())
"""


def test_startup_objects_are_frozen_once_per_process():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=TESTS, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = map(int, out.stdout.split())
    assert first > 20_000  # the modules, routes and models of a started worker
    assert second == first  # not again: a test process would keep every app's cycles
