"""The bridge from daily-core's threads to the loop: in order, all of it, one wake-up a burst."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from player.transport._bridge import LoopBridge, bridge_for


def test_calls_from_several_threads_all_run_on_the_loop_in_each_threads_order() -> None:
    async def main() -> list[tuple[int, int, bool]]:
        loop = asyncio.get_running_loop()
        bridge = bridge_for(loop)
        assert bridge_for(loop) is bridge  # one per loop
        got: list[tuple[int, int, bool]] = []
        done = asyncio.Event()

        def record(who: int, k: int) -> None:
            got.append((who, k, threading.current_thread() is threading.main_thread()))
            if len(got) == 4 * 500:
                done.set()

        def produce(who: int) -> None:
            for k in range(500):
                bridge.post(record, who, k)

        threads = [threading.Thread(target=produce, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        await asyncio.wait_for(done.wait(), 5)
        for t in threads:
            t.join()
        return got

    got = asyncio.run(main())
    assert all(on_loop for _, _, on_loop in got)
    for who in range(4):
        assert [k for w, k, _ in got if w == who] == list(range(500))


def test_a_burst_wakes_the_loop_once_and_a_failing_call_does_not_stop_the_rest() -> None:
    async def main() -> tuple[int, list[int], list[Any]]:
        loop = asyncio.get_running_loop()
        errors: list[Any] = []
        loop.set_exception_handler(lambda _loop, context: errors.append(context.get("exception")))
        wakes = 0
        real = loop.call_soon_threadsafe

        def counting(*args: Any) -> Any:
            nonlocal wakes
            wakes += 1
            return real(*args)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
        bridge = LoopBridge(loop)
        ran: list[int] = []

        def step(k: int) -> None:
            if k == 3:
                raise RuntimeError("boom")
            ran.append(k)

        thread = threading.Thread(target=lambda: [bridge.post(step, k) for k in range(10)])
        thread.start()
        thread.join()  # all ten posted before the loop runs again
        await asyncio.sleep(0.01)
        return wakes, ran, errors

    wakes, ran, errors = asyncio.run(main())
    assert wakes == 1
    assert ran == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


def test_posting_to_a_closed_loop_is_dropped_quietly() -> None:
    loop = asyncio.new_event_loop()
    bridge = LoopBridge(loop)
    loop.close()
    bridge.post(print, "never")  # no exception, nothing runs
    bridge.post(print, "never again")
