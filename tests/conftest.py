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


def pytest_collection_modifyitems(config, items):
    """The browser tests run last. Their one Playwright (a session fixture) drives its
    event loop from this thread until the session ends, so a test after them that calls
    ``asyncio.run`` would fail with "cannot be called from a running event loop"."""
    browser = Path(__file__).parent / "browser"
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(browser))
