"""DailyTransport on the REAL daily-python, offline: invalid URLs and microphone pacing.

The unreachable-room failure (19 s in daily-core) is exercised end to end, inside a network
namespace so daily-core's lookups cannot leave the machine, by tests/test_play_daily.py.
"""

from __future__ import annotations

import asyncio
import time

import daily
import pytest

from player import protocol
from player.errors import JoinError
from player.transport import DailyTransport, init_daily
from player.transport.base import ROOM_ERROR
from room_support import silence
from timing_support import assert_on_time

init_daily(daily)


async def _join_error(url: str) -> tuple[str, float, list[str]]:
    transport = DailyTransport()  # the real daily module, imported lazily
    transport.send(protocol.interrupt("c1"))  # queued: must not surface as ChannelNotOpen
    began = time.monotonic()
    try:
        with pytest.raises(JoinError) as info:
            await transport.join(url)
    finally:
        elapsed = time.monotonic() - began
        await transport.close()
        await transport.close()
    events = [transport.events.get_nowait().event_type for _ in range(transport.events.qsize())]
    return str(info.value), elapsed, events


@pytest.mark.parametrize(
    "url, expected",
    [
        ("not a url", "could not join not a url: not a valid room URL (not a url)"),
        ("local://echo-player/c1", "could not join local://echo-player/c1: not a valid room URL"),
    ],
)
def test_invalid_urls_fail_at_once_with_one_line(url: str, expected: str) -> None:
    message, elapsed, events = asyncio.run(_join_error(url))
    assert message.startswith(expected) and "\n" not in message
    assert elapsed < 3.0
    assert ROOM_ERROR not in events


def test_microphone_writes_are_paced_by_the_real_custom_audio_source() -> None:
    async def main() -> tuple[float, float, float]:
        transport = DailyTransport(microphone_piece=0.02)
        try:
            mic = await transport.open_microphone(24000)  # update_inputs works before a join
            began = time.monotonic()
            await mic.write(silence(0.5))
            paced = time.monotonic() - began
            # Cancelling a long write stops it between 20 ms pieces, not after the whole 2 s.
            task = asyncio.create_task(mic.write(silence(2.0)))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            began = time.monotonic()
            await mic.write(silence(0.1))  # waits only for the piece in flight
            after_cancel = time.monotonic() - began
            return paced, after_cancel, mic.sample_rate
        finally:
            await transport.close()

    paced, after_cancel, rate = asyncio.run(main())
    assert rate == 24000
    assert_on_time(paced, 0.5, early=0.1, what="paced write")
    assert after_cancel < 0.3
