"""SIGINT and SIGTERM while a run's event loop is going: one way for `play` and `serve`.

The first signal calls `on_signal` (stop the audio, log it) and cancels the work, which ends in
Interrupted(name) after the work's own cleanup; a second one says what is left and how to clean
it up, and does not cut the (bounded) cleanup short. Plain handlers, not
loop.add_signal_handler: they run even when a signal comes as the loop is finishing (the loop's
own would be dropped unread), and `caught` tells the caller so. Before and after, player.__main__'s
handlers are in place again.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import TypeVar

from .. import _early_signals
from ..errors import Interrupted

__all__ = ["until_signal"]

T = TypeVar("T")


async def until_signal(
    work: Awaitable[T],
    caught: list[str],
    *,
    say: Callable[[str], None],
    on_signal: Callable[[str], None] | None = None,
    leftovers: Callable[[], list[str]] | None = None,
) -> T:
    """Awaits `work`; each signal's name is appended to `caught` (the caller's, so one that
    lands as the loop ends is still seen). `leftovers` names what may still be billed."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)

    def on_loop(name: str) -> None:
        if len(caught) > 1:
            left = leftovers() if leftovers is not None else []
            what = ", ".join(left) if left else "nothing that is billed"
            say(
                f"{name} again: still cleaning up (left: {what}); it ends on its own within seconds. "
                "If it is cut short, run `echo-player cleanup`"
            )
            return
        if on_signal is not None:
            on_signal(name)
        task.cancel()

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        caught.append(name)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the caller sees `caught`
            loop.call_soon_threadsafe(on_loop, name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    early = _early_signals.take()
    if early is not None:  # it came during start-up and its KeyboardInterrupt was swallowed
        caught.append(early)
        loop.call_soon(on_loop, early)
    try:
        return await task
    except asyncio.CancelledError:
        if caught:
            raise Interrupted(caught[0]) from None
        raise
    finally:
        for sig, old_handler in previous.items():
            signal.signal(sig, old_handler)
