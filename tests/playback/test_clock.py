"""sleep_until: never early, by the waker thread or the loop's own timer, and cancellable."""

from __future__ import annotations

import asyncio

import pytest

from player.playback._clock import _CROWD, sleep_until


def test_it_never_returns_before_the_deadline() -> None:
    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        early = []
        for k in range(30):
            deadline = loop.time() + 0.001 * (k % 5)  # zero delays included
            await sleep_until(deadline)
            early.append(deadline - loop.time())
        return early

    assert max(asyncio.run(main())) <= 0


def test_many_sleepers_on_one_loop_all_wake_in_order() -> None:
    # Past _CROWD sleepers the loop's timer alone wakes them: same guarantee.
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        start, woke = loop.time() + 0.05, []

        async def one(i: int) -> None:
            deadline = start + 0.0005 * i
            await sleep_until(deadline)
            assert loop.time() >= deadline
            woke.append(i)

        await asyncio.gather(*(one(i) for i in range(3 * _CROWD)))
        return woke

    woke = asyncio.run(main())
    assert sorted(woke) == list(range(3 * _CROWD))


def test_a_cancelled_sleep_raises_and_later_sleeps_still_work() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(sleep_until(loop.time() + 10))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        deadline = loop.time() + 0.01
        await sleep_until(deadline)
        assert loop.time() >= deadline

    asyncio.run(main())


def test_two_loops_in_two_threads_share_the_waker() -> None:
    import threading

    results: list[bool] = []

    def run() -> None:
        async def main() -> bool:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 0.02
            await sleep_until(deadline)
            return loop.time() >= deadline

        results.append(asyncio.run(main()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == [True, True]
