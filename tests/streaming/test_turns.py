"""The streams of one event loop share a budget per turn of it (gdviz/streaming/turns.py):
while it lasts a stream goes on at once; once spent, it waits for a later turn, after
the work already queued in this one; the budget is back in that turn. Clocks injected."""

from __future__ import annotations

import asyncio

from gdviz.streaming.turns import MAX_WAITS, Turns


def test_a_stream_goes_on_at_once_while_the_turn_has_budget():
    async def scenario():
        clock = [0.0]
        turns, order = Turns(share=1.0, clock=lambda: clock[0]), []
        with turns.spending():
            clock[0] += 0.5  # half the share
        asyncio.get_running_loop().call_soon(order.append, "queued work")
        await turns.wait()
        order.append("stream")
        return order
    assert asyncio.run(scenario()) == ["stream", "queued work"]


def test_once_spent_a_stream_waits_behind_the_turns_other_work_and_the_budget_returns():
    async def scenario():
        clock = [0.0]
        turns, order = Turns(share=1.0, clock=lambda: clock[0]), []
        with turns.spending():
            clock[0] += 1.5
        asyncio.get_running_loop().call_soon(order.append, "queued work")  # e.g. a GET's next part

        async def stream(name):
            await turns.wait()
            order.append(name)
            with turns.spending():
                clock[0] += 0.6  # each stream's tick: the share lasts for two of them

        await asyncio.gather(*(stream(f"s{i}") for i in range(5)))
        return order, turns.used
    order, used = asyncio.run(scenario())
    assert order[0] == "queued work"
    assert order[1:] == ["s0", "s1", "s2", "s3", "s4"]  # all ran, in the order they came
    assert used < 2.0


def test_streams_over_many_turns_each_turn_holds_about_one_share():
    async def scenario():
        clock = [0.0]
        turns = Turns(share=1.0, clock=lambda: clock[0])
        per_turn, marks = [], []

        def mark():  # a callback queued every turn: counts the ticks between two of them
            marks.append(len(per_turn))
            if len(marks) < 50:
                asyncio.get_running_loop().call_soon(mark)

        async def stream():
            for _ in range(10):
                await turns.wait()
                per_turn.append(1)
                with turns.spending():
                    clock[0] += 0.3
                await asyncio.sleep(0)

        asyncio.get_running_loop().call_soon(mark)
        await asyncio.gather(*(stream() for _ in range(8)))
        return [b - a for a, b in zip(marks, marks[1:])]
    ticks = asyncio.run(scenario())
    assert max(ticks) <= 4  # 1.0 s of share, 0.3 s ticks: at most 4 (the last goes over)


def test_a_stream_waits_a_bounded_number_of_turns_whatever_the_others_spend():
    async def scenario():
        turns = Turns(share=1.0, clock=lambda: 0.0)
        resets = 0
        reset = turns._reset

        def reset_then_spent():  # someone spends the whole budget right after each reset
            nonlocal resets
            reset()
            resets += 1
            turns.used += 5.0
        turns._reset = reset_then_spent
        turns.used = 5.0
        waiting = asyncio.ensure_future(turns.wait())
        for _ in range(10 * MAX_WAITS):  # (turns, not seconds: a broken bound fails here)
            if waiting.done():
                break
            await asyncio.sleep(0)
        done = waiting.done()
        waiting.cancel()
        return done, resets
    done, resets = asyncio.run(scenario())
    assert done and resets <= MAX_WAITS
