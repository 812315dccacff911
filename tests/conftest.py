import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gdviz.main import create_app  # noqa: E402


from local_client import LOCAL, LocalClient, local_client  # noqa: E402,F401


@pytest.fixture(scope="session")
def client():
    with local_client() as c:
        yield c
