"""Blocking calls (the Tavus REST client, clip decoding) on daemon threads, awaited from the loop.

Not asyncio.to_thread: its executor's threads are joined when asyncio.run returns and again at
interpreter exit, so a request still on the wire (up to the read timeout) would hold a Ctrl-C'd
run open for seconds. A daemon thread is abandoned instead; what it was doing is accounted for
elsewhere (a create's answer lands in the client's `unsettled` list, which the way out settles).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["in_thread"]

_T = TypeVar("_T")


async def in_thread(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """fn(*args, **kwargs) on a new daemon thread. Cancelling the await does not stop the call;
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

    def work() -> None:
        try:
            result: Any = fn(*args, **kwargs)
            ok = True
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            result, ok = exc, False
        try:
            loop.call_soon_threadsafe(deliver, ok, result)
        except RuntimeError:
            pass  # the loop is gone: nobody waits any more

    name = getattr(fn, "__name__", "call")
    threading.Thread(target=work, name=f"echo-player-{name}", daemon=True).start()
    return await future
