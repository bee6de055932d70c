"""Feeding a stream from a blocking iterator without blocking the loop.

A clip's chunks are decoded, resampled and base64-encoded as they are needed (player.audio's
PreparedClip reads its file again), which is blocking work: a 1 MB read plus resampling takes
milliseconds, too long to do on the loop where other steps keep their deadlines. A Feed pulls a
batch at a time on a worker thread and starts the next batch while the current one is being
sent, so the loop only ever pops a ready item. Memory is one or two batches, whatever the clip.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["Feed"]

T = TypeVar("T")

# One worker thread for every feed in the process, not the loop's default pool: decoding runs at
# >1000x real time, so one thread keeps up with many streams, and every thread that allocates
# gets a malloc arena of its own (measured: ~5 MB more peak RSS for a 10-minute clip, issue 13).
_worker: concurrent.futures.ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="echo-player-audio")
        return _worker


class Feed(Generic[T]):
    def __init__(self, items: Iterator[T], batch: int) -> None:
        self._items = items
        self._batch = max(1, batch)
        self._ready: deque[T] = deque()
        self._pending: asyncio.Future[list[T]] | None = None
        self._exhausted = False
        self._closed = False

    async def next(self) -> T | None:
        """The next item, or None once the iterator has run out. Raises what it raised."""
        while not self._ready:
            if self._exhausted:
                return None
            self._fetch()
            assert self._pending is not None
            await asyncio.shield(self._pending)  # a cancel leaves the pull to finish, then close()
            self._harvest()
        item = self._ready.popleft()
        if len(self._ready) <= self._batch // 2:
            self._fetch()  # read ahead: the next batch is decoded while this one goes out
        return item

    def close(self) -> None:
        """Release the iterator (its file or ffmpeg), now or as soon as a pull in flight ends."""
        if self._closed:
            return
        self._closed = self._exhausted = True
        self._ready.clear()
        if self._pending is None or self._pending.done():
            self._close_items()
        else:  # never close a generator another thread is running: wait for its batch
            self._pending.add_done_callback(self._close_after)

    def _fetch(self) -> None:
        self._harvest()
        if self._pending is None and not self._exhausted:
            self._pending = asyncio.get_running_loop().run_in_executor(_executor(), self._take)

    def _harvest(self) -> None:
        if self._pending is None or not self._pending.done():
            return
        pending, self._pending = self._pending, None
        batch = pending.result()
        if len(batch) < self._batch:
            self._exhausted = True
        if not self._closed:
            self._ready.extend(batch)

    def _take(self) -> list[T]:  # on a worker thread; only ever one at a time
        out: list[T] = []
        for item in self._items:
            out.append(item)
            if len(out) == self._batch:
                break
        return out

    def _close_after(self, pending: asyncio.Future[list[T]]) -> None:
        if not pending.cancelled():
            pending.exception()  # retrieved: an error after the stream was given up is moot
        self._close_items()

    def _close_items(self) -> None:
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
