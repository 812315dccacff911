"""Which browser the browser tests drive, and how (a module of its own: tests import it
by a name no other conftest.py shadows)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--enable-unsafe-swiftshader", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 720}
