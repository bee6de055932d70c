"""The end of a run waits once for the last utterance, not a margin per superseded one: a new
utterance supersedes (interrupts) the one speaking, on the local replica as on Tavus."""

from __future__ import annotations

import asyncio
from pathlib import Path

from play_support import play, write_scenario
from player.playback._events import EventPump
from player.playback._speech import SpeechTracker
from player.transport.base import RoomEvent


def test_many_superseded_lines_do_not_stall_the_end_of_the_run(tmp_path: Path) -> None:
    # 15 lines 20 ms apart: each one cuts off (or drops, still in TTS) the one before it.
    # Before the fix the end of the run waited 3 s for each of them, one after another (45 s).
    steps = "".join(f"  - say: line number {n} of the run\n    wait: none\n    gap: 20ms\n" for n in range(15))
    path = write_scenario(tmp_path, "steps:\n" + steps)
    played = play(path, tmp_path)
    assert played.error is None, played.error
    assert played.outcome is not None
    assert played.outcome.length < 5.0, played.outcome.length  # one utterance (0.6 s) and its margin at most
    assert not [r for r in played.records("notice") if "no stopped_speaking" in r["text"]]
    stops = [r for r in played.records("event") if r["event_type"] == "conversation.replica.stopped_speaking"]
    last = played.records("message")[-1]["inference_id"]
    assert stops and stops[-1]["inference_id"] == last and not stops[-1].get("interrupted")


def test_the_tracker_owes_only_the_latest_utterance_and_bounds_the_final_wait() -> None:
    async def scenario() -> tuple[float, list[str]]:
        queue: asyncio.Queue[RoomEvent] = asyncio.Queue()
        pump = EventPump(queue, lambda _e: None)
        pump.start(lambda _e: None)
        notices: list[str] = []
        tracker = SpeechTracker(pump, words_per_minute=600, notice=notices.append)
        loop = asyncio.get_running_loop()
        now = loop.time()
        for n in range(50):  # none of these ever gets a stopped_speaking
            tracker.owe(f"i{n}", now, now - 10)
        tracker.owe("last", now, now)
        loop.call_later(0.05, queue.put_nowait, RoomEvent(loop.time() + 0.05, "conversation.replica.stopped_speaking", inference_id="last"))
        started = loop.time()
        await tracker.all_heard()
        await pump.stop()
        return loop.time() - started, notices

    waited, notices = asyncio.run(scenario())
    assert waited < 2.0, waited  # before: 3 s margin for each of the 50 superseded ids
    assert notices == []
