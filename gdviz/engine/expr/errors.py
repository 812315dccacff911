"""The one error a refused expression raises: a message and where it points."""

from __future__ import annotations


class ExprError(ValueError):
    """An expression was refused.

    ``message`` says what is wrong in words a student can act on and names the
    offending token; ``position`` is its 0-based column in the text as typed
    (None when the problem is the expression as a whole, e.g. its length is
    measured before any column is read) and ``end`` the column just after it.
    """

    def __init__(self, message: str, position: int | None = None, end: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        if end is None and position is not None:
            end = position + 1
        self.end = end

    def __reduce__(self):  # pickles whole (a worker builds expressions for the server)
        return type(self), (self.message, self.position, self.end)

    def pointer(self, text: str) -> str:
        """The text with a caret line under the offending token (for terminals and logs)."""
        if self.position is None or len(text) > 200:
            return self.message
        width = max(1, (self.end or self.position + 1) - self.position)
        return f"{text}\n{' ' * self.position}{'^' * width}\n{self.message}"

    def as_dict(self) -> dict:
        """JSON-ready ``{"message", "position", "end"}`` for an API error body."""
        return {"message": self.message, "position": self.position, "end": self.end}
