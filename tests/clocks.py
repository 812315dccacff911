"""Clocks for tests: time that moves only when the test says so (never the machine's)."""


class Ticking:
    """Advances by ``step`` seconds at every reading: a budget of b seconds allows
    exactly ⌊b / step⌋ more readings — the same on an idle or a loaded machine."""

    def __init__(self, step: float, start: float = 0.0):
        self.step, self.now = step, start

    def __call__(self) -> float:
        self.now += self.step
        return self.now
