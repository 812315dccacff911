"""The answer cache: a pure computation made once per key, waiters share it, a failed or
abandoned one is not shared, the size bound holds; and a contour grid asked for again is
answered without a job (gdviz/api/answer_cache.py)."""

from __future__ import annotations

import asyncio

import pytest

from gdviz.api.answer_cache import AnswerCache
from gdviz.scenarios.schema import CONTOUR_DIGITS, CONTOUR_GRID, contour_grid_path


def test_concurrent_askers_share_one_computation():
    async def scenario():
        cache, calls, gate = AnswerCache(), [], asyncio.Event()

        async def make():
            calls.append(1)
            await gate.wait()
            return '{"z": 1}'

        askers = [asyncio.ensure_future(cache.answer("k", make)) for _ in range(50)]
        await asyncio.sleep(0)
        gate.set()
        texts = await asyncio.gather(*askers)
        assert texts == ['{"z": 1}'] * 50 and len(calls) == 1
        assert await cache.answer("k", make) == '{"z": 1}' and len(calls) == 1  # kept
    asyncio.run(scenario())


def test_a_computation_that_gives_nothing_or_fails_is_not_shared():
    async def scenario():
        cache, outcomes = AnswerCache(), iter([None, RuntimeError("busy"), "ok"])

        async def make():
            await asyncio.sleep(0)
            outcome = next(outcomes)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        first, second, third = (asyncio.ensure_future(cache.answer("k", make)) for _ in range(3))
        # the first asker's job was cancelled (None): the second makes its own, which
        # fails for it alone; the third makes the one that is kept
        assert await first is None
        with pytest.raises(RuntimeError, match="busy"):
            await second
        assert await third == "ok" and len(cache) == 1
    asyncio.run(scenario())


def test_the_cache_keeps_to_its_size_least_recently_used_out_first():
    async def scenario():
        cache = AnswerCache(max_bytes=400)

        def text(c):
            async def make():
                return c * 90
            return make

        for key in "abcd":
            await cache.answer(key, text(key))
        await cache.answer("a", text("!"))  # a hit: "a" is now the most recent
        await cache.answer("e", text("e"))
        assert cache.size <= 400 and len(cache) == 4
        assert await cache.answer("a", text("!")) == "a" * 90  # kept
        assert await cache.answer("b", text("B")) == "B" * 90  # the oldest went first
        await cache.answer("big", text("x" * 2))  # over a quarter of the bound: not kept
        assert len(cache) == 4 and cache.size <= 400
    asyncio.run(scenario())


def test_a_contour_grid_is_computed_once_then_answered_from_memory(client):
    path = contour_grid_path("booth")
    assert path == f"/api/surfaces/booth/grid?n={CONTOUR_GRID}&digits={CONTOUR_DIGITS}"
    first = client.get(path)
    pool = client.app.state.job_pool
    done = pool.counts["done"]
    again = [client.get(path) for _ in range(3)]
    assert all(r.status_code == 200 and r.content == first.content for r in again)
    assert pool.counts["done"] == done  # no job for the repeats
    other = client.get(path.replace("digits=9", "digits=8"))  # another question: a job
    assert other.status_code == 200 and pool.counts["done"] == done + 1


def test_the_page_preloads_the_grid_the_page_will_ask_for(client):
    page = client.get("/?v=1&surface=rosenbrock").text
    assert (f'<link rel="preload" as="fetch" crossorigin="anonymous" '
            f'href="{contour_grid_path("rosenbrock").replace("&", "&amp;")}">') in page
    assert 'rel="preload" as="fetch"' not in client.get("/?v=1&model=mlp").text  # no named surface


def test_a_grid_is_kept_gzipped_from_the_worker_with_its_etag_and_304(client, monkeypatch):
    """A browser's grid (it accepts gzip) is compressed once in the job process and kept
    so: the largest grid is ~85 ms of gzip, which the event loop every stream shares
    never spends. It still has an ETag, a second visit gets a 304, and it decodes to the
    very JSON an uncompressed request gets."""
    from starlette.middleware.gzip import GZipResponder
    path = contour_grid_path("himmelblau")
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers

    async def on_the_loop(self, body, *, more_body):
        raise AssertionError("a grid was compressed on the event loop")
    monkeypatch.setattr(GZipResponder, "apply_compression", on_the_loop)
    pool = client.app.state.job_pool
    gz = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert gz.status_code == 200 and gz.headers["content-encoding"] == "gzip"
    assert gz.content == plain.content  # (httpx decodes it)
    tag = gz.headers["etag"]
    assert tag.startswith('W/"') and gz.headers["cache-control"] == "no-cache"
    done = pool.counts["done"]
    again = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert again.headers["etag"] == tag and again.content == plain.content
    revisit = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
    assert revisit.status_code == 304 and revisit.content == b"" and revisit.headers["etag"] == tag
    assert pool.counts["done"] == done  # kept: no job for either
