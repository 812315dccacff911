"""The stream socket's inbox: a message wakes a waiting ``get`` before its tick, an
empty tick gives None, order is kept, and a full inbox makes the reader wait (or
``put_nowait`` raise) instead of growing."""

from __future__ import annotations

import asyncio

import pytest

from gdviz.streaming.inbox import Inbox

LONG = 60.0  # a tick that never comes within the test: only a message can end the wait


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_a_message_wakes_a_get_waiting_for_its_tick():
    async def main():
        inbox = Inbox()
        waiting = asyncio.create_task(inbox.get(LONG))
        await asyncio.sleep(0)
        inbox.put_nowait("hello")
        return await waiting
    assert run(main()) == "hello"


def test_a_tick_with_no_message_gives_none_and_the_inbox_stays_usable():
    async def main():
        inbox = Inbox()
        first = await inbox.get(0.0)
        again = await inbox.get(0.001)
        inbox.put_nowait("later")
        return first, again, await inbox.get(LONG), inbox.empty()
    assert run(main()) == (None, None, "later", True)


def test_messages_come_out_in_order_even_with_a_zero_timeout():
    async def main():
        inbox = Inbox()
        for text in ("a", "b", "c"):
            await inbox.put(text)
        return [await inbox.get(0.0) for _ in range(3)]
    assert run(main()) == ["a", "b", "c"]


def test_a_full_inbox_makes_the_reader_wait_until_the_loop_takes_one():
    async def main():
        inbox = Inbox(maxsize=2)
        inbox.put_nowait(1)
        inbox.put_nowait(2)
        with pytest.raises(asyncio.QueueFull):
            inbox.put_nowait(3)
        blocked = asyncio.create_task(inbox.put(3))
        await asyncio.sleep(0)
        assert not blocked.done()
        got = [await inbox.get(LONG)]
        await blocked
        got += [await inbox.get(LONG), await inbox.get(LONG)]
        return got
    assert run(main()) == [1, 2, 3]


def test_waiting_without_a_timeout_ends_only_with_a_message():
    async def main():
        inbox = Inbox()
        waiting = asyncio.create_task(inbox.get())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()
        await inbox.put(b"bytes")
        return await waiting
    assert run(main()) == b"bytes"
