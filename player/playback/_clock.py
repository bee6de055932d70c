"""Sleeping until an absolute deadline on the asyncio loop's clock, precisely.

asyncio's epoll wait rounds its timeout up to whole milliseconds, so a plain sleep wakes up to
1 ms late. We sleep until just before the deadline and yield to the loop for the rest: other
tasks keep running, and steps start within a fraction of a millisecond.
"""

from __future__ import annotations

import asyncio

__all__ = ["sleep_until", "SPIN"]

SPIN = 0.0015  # seconds before the deadline where sleeping gives way to yielding


async def sleep_until(deadline: float) -> None:
    loop = asyncio.get_running_loop()
    delay = deadline - loop.time() - SPIN
    if delay > 0:
        await asyncio.sleep(delay)
    while loop.time() < deadline:
        await asyncio.sleep(0)
