"""Sleeping until an absolute deadline on the asyncio loop's clock, precisely and without spinning.

asyncio's epoll wait rounds its timeout up to whole milliseconds, so a plain sleep wakes up to
1 ms late. This module used to sleep until 1.5 ms before the deadline and yield to the loop
(`sleep(0)`) for the rest; that spin cost ~1 ms of CPU per step and, with many playbacks in
one process, every spinning task ran on every loop iteration: 100 playbacks kept a core busy and
fell seconds behind (issue 13). Now one waker thread per process sleeps with the OS's sub-
millisecond timer (a timed lock wait) until the earliest deadline of every waiting task, of
every loop, and wakes that loop through call_soon_threadsafe. The loop itself keeps a timer at
the deadline as a fallback (at most ~1 ms late), so a slow thread hand-off never makes a step
later than the plain sleep would. Idle, the process uses no CPU between steps.

The waker works for loops whose time() is time.monotonic() (asyncio's default and uvloop's
clock agree on Linux and macOS); for any other clock the offset is measured at each call.

The loop-side timers are one heap per loop with a single loop timer at its earliest deadline,
not a loop.call_at per sleep: asyncio's own timer heap compares TimerHandles in Python (~250,000
comparisons a run at 100 playbacks) and every sleep made and cancelled one; sleepers due
together are now woken by one callback (issue 13).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import threading
import time
import weakref

__all__ = ["sleep_until"]

_NEAR = 0.00002  # closer than this to the deadline: not worth a hand-off, yield instead
# The thread wakes the loop this much early, and the task yields (sleep(0)) for the rest: a
# thread-to-loop hand-off takes ~0.1-0.4 ms on a busy VM, which would otherwise all be lateness.
_EARLY = 0.0003
# With this many tasks sleeping on one loop, the loop is busy enough that its own timers are
# checked often (the epoll round-up rarely applies), and a thread hand-off per deadline costs
# more CPU than it saves: the loop's timer alone is used (measured at 100 playbacks, issue 13).
_CROWD = 32


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _LoopTimers:
    """One loop's sleepers: a heap of (deadline, seq, future) and one loop timer at the top."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._armed_at = math.inf  # the loop timer's deadline (inf: none)
        self.sleeping = 0  # sleeps in progress (those past _CROWD skip the waker thread)

    def add(self, deadline: float, future: asyncio.Future[None]) -> None:
        heapq.heappush(self._heap, (deadline, next(self._seq), future))
        if deadline < self._armed_at:
            self._arm(deadline)

    def _arm(self, deadline: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._loop.call_at(deadline, self._fire)
        self._armed_at = deadline

    def _fire(self) -> None:
        self._handle, self._armed_at = None, math.inf
        heap, now = self._heap, self._loop.time()
        while heap and (heap[0][0] <= now or heap[0][2].done()):  # due, or woken/cancelled already
            future = heapq.heappop(heap)[2]
            if not future.done():
                future.set_result(None)
        if heap:
            self._arm(heap[0][0])


_timers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopTimers] = weakref.WeakKeyDictionary()


def _timers_of(loop: asyncio.AbstractEventLoop) -> _LoopTimers:
    timers = _timers.get(loop)
    if timers is None:
        timers = _timers[loop] = _LoopTimers(loop)
    return timers


class _Waker:
    """One thread, a heap of (monotonic deadline, seq, loop, future); started on first use."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def add(self, when: float, loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
        with self._cond:
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (when, next(self._seq), loop, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="echo-player-clock", daemon=True)
                self._thread.start()
            elif earliest is None or when < earliest:
                self._cond.notify()  # only a new earliest deadline changes what the thread waits for

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when = self._heap[0][0]
                now = time.monotonic()
                if when > now:
                    # A timed lock wait (sem_clockwait) is as fine as nanosleep, and a new
                    # earlier deadline interrupts it.
                    self._cond.wait(when - now)
                    continue
                due = []
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap))
            for _, _, loop, future in due:
                if future.done():
                    continue  # woken by the loop's own timer, or cancelled
                try:
                    loop.call_soon_threadsafe(_wake, future)
                except RuntimeError:
                    pass  # that loop has closed


_waker = _Waker()


async def sleep_until(deadline: float, wake: asyncio.Future[None] | None = None) -> None:
    """Return once loop.time() >= deadline (at once when it has passed), or once `wake` (the
    caller's future, e.g. resolved by a pause or skip) is resolved by someone else first."""
    loop = asyncio.get_running_loop()
    now = loop.time()
    if deadline - now > _NEAR:
        timers = _timers_of(loop)
        future: asyncio.Future[None] = wake if wake is not None else loop.create_future()
        timers.add(deadline, future)  # the fallback: at most ~1 ms late (epoll's round-up)
        if timers.sleeping < _CROWD:
            _waker.add(time.monotonic() + (deadline - now) - _EARLY, loop, future)
        timers.sleeping += 1
        try:
            await future
        finally:
            timers.sleeping -= 1
            future.cancel()  # the heaps skip it, if it is still in them (no-op once done)
        now = loop.time()
        if now >= deadline or (wake is not None and now < deadline - 2 * _EARLY):
            return  # on time, or woken well before the clock would have: by the caller
    # The last fraction of a millisecond (_EARLY): yield to the loop until the deadline.
    while loop.time() < deadline:
        await asyncio.sleep(0)
