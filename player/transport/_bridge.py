"""Handing calls from daily-core's threads to an asyncio loop, in order, one wake-up a batch.

Each `loop.call_soon_threadsafe` writes a byte to the loop's self-pipe: a syscall on the calling
thread, a wake-up from epoll and a read on the loop, each taking and dropping the GIL. With one
per room event, 100 playbacks in one process made ~20,000 such hand-offs a run (issue 13). A
LoopBridge queues the calls and wakes its loop only when the queue was empty; the loop runs every
call queued so far in one go. Calls keep their order (one queue per loop, whatever the room).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["LoopBridge", "bridge_for"]

_bridges: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopBridge]" = weakref.WeakKeyDictionary()
_bridges_lock = threading.Lock()


class LoopBridge:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._calls: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self._lock = threading.Lock()
        self._woken = False  # a drain is scheduled and has not started taking calls yet

    def post(self, fn: Callable[..., None], *args: Any) -> None:
        """From any thread: fn(*args) on the loop, after every call posted before it. Dropped
        once the loop has closed."""
        if self._loop.is_closed():
            return
        with self._lock:
            self._calls.append((fn, args))
            if self._woken:
                return
            self._woken = True
        try:
            self._loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop has closed: nobody will run these
            with self._lock:
                self._calls.clear()
                self._woken = False

    def _drain(self) -> None:
        with self._lock:
            self._woken = False  # from here on, a new post schedules another drain
            calls, self._calls = self._calls, deque()
        for fn, args in calls:
            try:
                fn(*args)
            except Exception as exc:  # as call_soon_threadsafe's handles do: report, go on
                self._loop.call_exception_handler({"message": f"exception in {fn!r}", "exception": exc})


def bridge_for(loop: asyncio.AbstractEventLoop) -> LoopBridge:
    """The loop's bridge (one per loop, made on first use)."""
    with _bridges_lock:
        bridge = _bridges.get(loop)
        if bridge is None:
            bridge = _bridges[loop] = LoopBridge(loop)
        return bridge
