"""Answers of pure computations kept in memory, so a lecture hall asks once, not 200 times.

A named surface's contour grid depends only on (surface, n, digits): when 200 students
open the same link, the first request computes it in the job pool and the other 199 are
answered from here in microseconds — none of them waits in the quick lane's queue, none
is refused with a 503. Requests that arrive while it is being computed wait for that one
computation instead of starting their own.

If the computation ends without a text (its client left and the job was cancelled; the
pool refused it) the waiters do not share that: the next one computes it itself.

The cache holds at most ``MAX_BYTES`` of answers (least recently used out first): 16 MB,
about 80 contour grids of the page's 120² at 9 digits as text, or 8 of the largest grid
the API accepts (gzip-compressed, as a browser asks for them, about a third of that).
An answer larger than a quarter of that is not kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

MAX_BYTES = 16 << 20


class AnswerCache:
    """JSON answers (text, or gzip bytes) by key, bounded by their total size; one
    computation per key at a time."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._texts: OrderedDict[Hashable, str | bytes] = OrderedDict()
        self._bytes = 0
        self._pending: dict[Hashable, asyncio.Future] = {}

    def __len__(self) -> int:
        return len(self._texts)

    @property
    def size(self) -> int:
        """Characters or bytes held (JSON text is mostly ASCII: about bytes)."""
        return self._bytes

    async def answer(self, key: Hashable,
                     make: Callable[[], Awaitable[str | bytes | None]]) -> str | bytes | None:
        """The text for ``key``: kept, or the one being made now, or made by ``make()``.
        None when ``make`` gave none; its exceptions propagate to its own caller only."""
        while (text := self._get(key)) is None and key in self._pending:
            await asyncio.shield(self._pending[key])  # (set to None however it ends)
        if text is not None:
            return text
        done = self._pending[key] = asyncio.get_running_loop().create_future()
        try:
            text = await make()
            if text is not None:
                self._put(key, text)
            return text
        finally:
            del self._pending[key]
            done.set_result(None)

    def _get(self, key: Hashable) -> str | bytes | None:
        text = self._texts.get(key)
        if text is not None:
            self._texts.move_to_end(key)
        return text

    def _put(self, key: Hashable, text: str | bytes) -> None:
        if len(text) > self.max_bytes // 4:
            return
        self._texts[key] = text
        self._bytes += len(text)
        while self._bytes > self.max_bytes:
            _, old = self._texts.popitem(last=False)
            self._bytes -= len(old)


def answer_cache(app) -> AnswerCache:
    """``app``'s cache, made on first use."""
    cache = getattr(app.state, "answer_cache", None)
    if cache is None:
        cache = app.state.answer_cache = AnswerCache()
    return cache
