"""Blocking calls (the Tavus REST client, clip decoding, daily's release) on daemon threads,
awaited from the loop. Shared by playback/ and transport/, hence at the package's top.

Not asyncio.to_thread: its executor's threads are joined when asyncio.run returns and again at
interpreter exit, so a request still on the wire (up to the read timeout) would hold a Ctrl-C'd
run open for seconds. A daemon thread is abandoned instead; what it was doing is accounted for
elsewhere (a create's answer lands in the client's `unsettled` list, which the way out settles).

The threads are reused: a call goes to an idle worker if there is one, else to a new thread, so
a hung call never delays another. Thread.start blocks its caller until the new thread runs, up
to a few ms on a busy machine: starting one per REST call, 100 playbacks ending one after the
other held the loop that much for each of their 400 cleanup calls, and the transport's close
started one more for daily's release (issue 13). An idle worker ends after IDLE_SECONDS.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["in_thread", "IDLE_SECONDS"]

_T = TypeVar("_T")
IDLE_SECONDS = 5.0

_Job = Callable[[], Callable[[], None]]  # does the call; returns how to hand its result over
_jobs: "queue.SimpleQueue[_Job]" = queue.SimpleQueue()
_lock = threading.Lock()
_idle = 0  # workers waiting for a job (each job put on _jobs is promised to one of them)


def _worker(job: _Job) -> None:
    global _idle
    while True:
        hand_over = job()
        with _lock:
            _idle += 1
        hand_over()  # only now: a call the result sets off finds this worker idle
        try:
            job = _jobs.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            with _lock:
                try:  # a job promised to us just as we gave up: take it
                    job = _jobs.get_nowait()
                except queue.Empty:
                    _idle -= 1
                    return


def _submit(job: _Job) -> None:
    global _idle
    with _lock:
        if _idle:
            _idle -= 1
            _jobs.put(job)
            return
    threading.Thread(target=_worker, args=(job,), name="echo-player-worker", daemon=True).start()


async def in_thread(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """fn(*args, **kwargs) on a daemon thread. Cancelling the await does not stop the call;
    its result is then dropped."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def deliver(ok: bool, value: Any) -> None:
        if future.done():
            return  # the awaiting task was cancelled
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def work() -> Callable[[], None]:
        try:
            result: Any = fn(*args, **kwargs)
            ok = True
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            result, ok = exc, False

        def hand_over() -> None:
            try:
                loop.call_soon_threadsafe(deliver, ok, result)
            except RuntimeError:
                pass  # the loop is gone: nobody waits any more

        return hand_over

    _submit(work)
    return await future
