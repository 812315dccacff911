"""The job pool (gdviz/jobs/pool.py) with real worker processes: where work runs,
admission, the memory budget, cancel, a worker's death. Nothing here reads a clock:
each test waits for a condition (with a generous deadline, only so a broken pool fails
instead of hanging)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from gdviz.jobs.outcome import Busy, Refused, TooBig, WorkerLost
from gdviz.jobs.pool import MB, JobPool, LaneConfig
from gdviz.scenarios.cost import Allowance
from gdviz.scenarios.landscape import BasinRequest
from gdviz.scenarios.models import Scenario

# Adam on Rastrigin at 256² rarely converges: about a minute of work, until cancelled
HUGE = BasinRequest.model_validate({"surface": "rastrigin", "run": {"optimizer": "adam",
                                    "lr": 0.01}, "grid": {"n": 256}, "steps": 2000})
SMALL = Scenario.model_validate({"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1}],
                                 "steps": 20})
WAIT = 120.0  # seconds a condition may take on a loaded machine before the test fails


def pool(workers=1, queue=1, budget=600 * MB, extra_idle_seconds=WAIT) -> JobPool:
    return JobPool({"jobs": LaneConfig(workers, queue, "computations", ("W", "Q"))}, budget,
                   idle_seconds=WAIT, extra_idle_seconds=extra_idle_seconds)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 4 * WAIT))


async def until(condition) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)


def lane(p: JobPool) -> dict:
    return p.snapshot()["lanes"]["jobs"]


def test_jobs_run_in_another_process():
    async def main():
        p = pool()
        try:
            return await p.run("jobs", "worker_pid", None, 1)
        finally:
            await p.close()
    assert run(main()) != os.getpid()


def test_a_full_lane_refuses_at_once_naming_its_limits():
    async def main():
        p = pool(workers=1, queue=1)
        try:
            running = p.submit("jobs", "landscape", ("basins", HUGE), MB)
            waiting = p.submit("jobs", "landscape", ("basins", HUGE), MB)
            with pytest.raises(Busy) as refused:
                p.submit("jobs", "worker_pid", None, 1)
            await until(lambda: lane(p)["running"] == 1)
            p.cancel(waiting)
            p.cancel(running)
            await until(lambda: not p.busy())
            return refused.value, p.counts
        finally:
            await p.close()
    busy, counts = run(main())
    assert busy.message.startswith("server busy: ") and "(W=1, Q=1)" in busy.message
    assert 1 <= busy.retry_after <= 60 and f"try again in {busy.retry_after} s" in busy.message
    assert counts["cancelled"] == 1 and counts["done"] == 0  # the waiting one never ran


def test_a_job_larger_than_the_whole_budget_is_never_admitted():
    async def main():
        p = pool(budget=100 * MB)
        try:
            p.submit("jobs", "worker_pid", None, 101 * MB)
        finally:
            await p.close()
    with pytest.raises(TooBig, match="GDVIZ_JOB_MEMORY_MB"):
        run(main())


def test_jobs_wait_for_memory_even_with_a_worker_free():
    async def main():
        p = pool(workers=2, queue=2, budget=100 * MB)
        try:
            first = p.submit("jobs", "landscape", ("basins", HUGE), 60 * MB)
            second = p.submit("jobs", "worker_pid", None, 60 * MB)
            await until(lambda: lane(p)["running"] == 1)
            seen = lane(p), p.memory_in_use
            more = [p.submit("jobs", "worker_pid", None, 60 * MB) for _ in range(2)]
            with pytest.raises(Busy) as busy:  # 1 running + 3 waiting: the lane's 4
                p.submit("jobs", "worker_pid", None, 1)
            for job in more:
                p.cancel(job)
            p.cancel(first)
            pid = await p.wait(second)  # starts once the first's memory is free
            return seen, pid, busy.value.message
        finally:
            await p.close()
    (snapshot, in_use), pid, message = run(main())
    assert snapshot["running"] == 1 and snapshot["waiting"] == 1 and in_use == 60 * MB
    assert pid != os.getpid()
    # the sentence does not call 1 running and 3 waiting "the limit" of W=2, Q=2
    assert message.startswith("server busy: 4 computations at once is the limit (W=2, Q=2), "
                              "and 4 are in: 1 running and 3 waiting (the rest of the memory")


def test_a_running_job_stops_at_its_next_chunk_when_cancelled():
    async def main():
        p = pool()
        try:
            job = p.submit("jobs", "landscape", ("basins", HUGE), MB, on_progress=lambda f: None)
            await until(lambda: lane(p)["running"] == 1)
            pid = lane(p)["pids"][0]
            p.cancel(job)
            await until(lambda: not p.busy())
            after = await p.run("jobs", "worker_pid", None, 1)
            return p.counts, pid, after
        finally:
            await p.close()
    counts, pid, after = run(main())
    assert counts["cancelled"] == 1 and counts["lost"] == 0
    assert after == pid  # the same worker, not killed and replaced


def test_a_bursts_extra_worker_exits_soon_and_the_lanes_last_one_stays_warm():
    """After a burst, memory goes back: the lane's second process exits after the short
    idle limit, while its last one waits the long one and serves the next job (its pid is
    one of the two, not a new process)."""
    async def main():
        p = pool(workers=2, extra_idle_seconds=0.05)
        try:
            huge = p.submit("jobs", "landscape", ("basins", HUGE), MB, on_progress=lambda f: None)
            beside = await p.run("jobs", "worker_pid", None, 1)  # the lane's second process
            await until(lambda: lane(p)["running"] == 1 and lane(p)["workers"] == 2)
            both = lane(p)["pids"]
            p.cancel(huge)
            await until(lambda: not p.busy() and lane(p)["workers"] <= 1)
            left = lane(p)["pids"]
            return beside, both, left, await p.run("jobs", "worker_pid", None, 1)
        finally:
            await p.close()
    beside, both, left, after = run(main())
    assert beside in both and len(both) == 2
    assert len(left) == 1 and left[0] in both and after == left[0]


def test_progress_is_reported_between_chunks():
    async def main():
        p = pool()
        seen = []
        try:
            job = p.submit("jobs", "landscape", ("basins", HUGE), MB, on_progress=seen.append)
            await until(lambda: len(seen) >= 2)
            p.cancel(job)
            return seen
        finally:
            await p.close()
    seen = run(main())
    assert seen == sorted(seen) and all(0 <= f <= 1 for f in seen)


def test_a_worker_that_dies_fails_its_job_and_the_next_job_gets_a_new_one():
    async def main():
        p = pool()
        try:
            job = p.submit("jobs", "landscape", ("basins", HUGE), MB)
            await until(lambda: lane(p)["running"] == 1)
            pid = lane(p)["pids"][0]
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(WorkerLost, match="stopped unexpectedly"):
                await p.wait(job)
            return pid, await p.run("jobs", "run", SMALL, 1)
        finally:
            await p.close()
    pid, text = run(main())
    assert text.startswith(b'{"runs":[{"status":')


def test_a_task_refusal_comes_back_as_its_4xx():
    async def main():
        p = pool()
        try:
            await p.run("jobs", "expr_info", ("x +* y", None, 10), 1)
        finally:
            await p.close()
    with pytest.raises(Refused) as refused:
        run(main())
    assert refused.value.status == 422 and refused.value.message.startswith("expr: ")


def test_a_job_past_its_allowance_of_computing_is_stopped_with_a_422_naming_the_field():
    """The estimate admitted it, but its runs cost more a step (HUGE: about a minute): the
    worker stops it once its CPU seconds pass OVERRUN × the allowance's limit."""
    allowance = Allowance(0.25, 0.2, "POST /api/basins", "grid.n", "use fewer starts")

    async def main():
        p = pool()
        try:
            await p.run("jobs", "landscape", ("basins", HUGE), MB, allowance=allowance)
        finally:
            await p.close()
    with pytest.raises(Refused) as refused:
        run(main())
    message = refused.value.message
    assert refused.value.status == 422 and message.startswith("grid.n: this computation was "
                                                               "stopped after 0.5 s of computing")
    assert "2 × the 0.25 s POST /api/basins answers within" in message
    assert message.endswith("; use fewer starts")


def test_a_job_within_its_allowance_is_answered():
    allowance = Allowance(60.0, 0.01, "POST /api/run", "steps", "use fewer steps")

    async def main():
        p = pool()
        try:
            return await p.run("jobs", "run", SMALL, MB, allowance=allowance)
        finally:
            await p.close()
    assert run(main()).startswith(b'{"runs":[')
