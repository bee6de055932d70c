"""The pieces that let 100 playbacks share one process (issue 13): step records the GC does not
track, the heap frozen while playing, reused worker threads, and the event pump's horizon."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from player._threads import in_thread
from player.playback import StepRecord, StepRecords, _heap
from player.playback._events import EventPump
from player.playback._heap import frozen_heap
from player.transport.base import RoomEvent


def test_step_records_read_back_as_written_and_are_not_tracked_by_the_gc() -> None:
    records = StepRecords()
    written = [StepRecord(i, f"s{i}" if i % 2 else None, "pause", i * 0.5, i * 0.5 + 0.001) for i in range(5)]
    for r in written:
        records.add(r)
    assert list(records) == written and records == written and len(records) == 5
    assert records[-1] == written[-1] and records[1:3] == written[1:3]
    assert records[2].lateness == pytest.approx(0.001)
    assert records.latenesses() == [r.lateness for r in written]
    assert StepRecords(written) == records and records != written[:4]
    gc.collect()
    # The point of the class: what a run keeps per step is invisible to the cyclic GC.
    assert not any(gc.is_tracked(row) for row in records._rows)
    assert gc.is_tracked(written[0])  # a dataclass instance would have stayed tracked


def test_a_long_runs_records_repr_is_bounded_and_says_how_many() -> None:
    """asyncio.run's exit reprs the main task's result (twice): a repr of every record made
    100 playbacks' outcomes cost 0.2 s there."""
    rows = [StepRecord(i, None, "pause", i * 0.01, i * 0.01 + 0.0001) for i in range(10_000)]
    text = repr(StepRecords(rows))
    assert len(text) < 300 and "10000 steps" in text
    assert repr(rows[0]) in text and repr(rows[-1]) in text
    few = StepRecords(rows[:3])
    assert repr(few) == f"StepRecords({rows[:3]!r})"  # short ones in full, as before


def test_the_heap_is_frozen_while_any_playback_plays_and_thawed_after_the_last() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    first, second = frozen_heap(), frozen_heap()
    first.__enter__()
    assert gc.get_freeze_count() > 0
    second.__enter__()  # overlapping playbacks
    first.__exit__(None, None, None)
    assert gc.get_freeze_count() > 0  # the other one still plays
    second.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_itself_is_left_alone() -> None:
    gc.unfreeze()
    keep = [object() for _ in range(3)]
    gc.freeze()
    try:
        with frozen_heap():
            assert not _heap._ours  # someone else froze: neither frozen again nor thawed by us
        assert gc.get_freeze_count() > 0  # not thawed (the count itself drops as objects die)
    finally:
        gc.unfreeze()
    del keep


def test_blocking_calls_reuse_an_idle_worker_and_a_hung_one_blocks_nobody() -> None:
    release = threading.Event()
    hung_on: list[int] = []

    def hang() -> None:
        hung_on.append(threading.get_ident())
        release.wait(10)

    def workers() -> set[int]:
        return {t.ident for t in threading.enumerate() if t.name == "echo-player-worker" and t.ident is not None}

    async def main() -> None:
        await in_thread(threading.get_ident)
        idle = workers()
        assert await in_thread(threading.get_ident) in idle  # no new thread for it
        hung = asyncio.ensure_future(in_thread(hang))
        await asyncio.sleep(0.05)
        other = await asyncio.wait_for(in_thread(threading.get_ident), 2)  # not queued behind it
        assert other != hung_on[0]
        release.set()
        await hung
        idle = workers()
        assert await in_thread(threading.get_ident) in idle

    asyncio.run(main())


def test_a_failing_call_raises_in_the_awaiting_task() -> None:
    def boom() -> None:
        raise ValueError("no")

    async def main() -> None:
        with pytest.raises(ValueError, match="no"):
            await in_thread(boom)
        assert await in_thread(lambda: 7) == 7

    asyncio.run(main())


def _event(t: float, kind: str = "conversation.utterance") -> RoomEvent:
    return RoomEvent(t, kind)


def test_the_pump_forgets_what_nobody_can_ask_about_and_still_answers_from_its_horizon() -> None:
    async def main() -> tuple[list[float], RoomEvent | None, RoomEvent | None]:
        queue: asyncio.Queue[RoomEvent] = asyncio.Queue()
        pump = EventPump(queue, lambda e: None)
        pump.start(lambda e: None)
        for t in (1.0, 2.0, 3.0, 4.0):
            queue.put_nowait(_event(t))
        await asyncio.sleep(0.01)
        pump.forget_before(2.5)
        kept = [e.t for e in pump.history]
        found = await pump.wait(lambda e: True, since=2.5, deadline=time.monotonic())
        gone = pump.seen(lambda e: e.t < 2.5, since=0.0)
        await pump.stop()
        return kept, found, gone

    kept, found, gone = asyncio.run(main())
    assert kept == [3.0, 4.0]
    assert found is not None and found.t == 3.0
    assert gone is None


def test_the_heap_is_frozen_before_t0_not_at_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # gc.get_freeze_count() walks every frozen object (~7 ms after the CLI froze its start-up):
    # asked at t=0 it made the first step that late.
    import player
    from player.playback import _heap, _scheduler

    asked: list[float] = []
    real_count = gc.get_freeze_count
    monkeypatch.setattr(_heap.gc, "get_freeze_count", lambda: asked.append(time.monotonic()) or real_count())
    starts: list[float] = []
    real_run = _scheduler.Scheduler.run

    async def run(self: Any, t0: float) -> Any:
        starts.append(t0)
        return await real_run(self, t0)

    monkeypatch.setattr(_scheduler.Scheduler, "run", run)
    gc.unfreeze()
    path = tmp_path / "one.scenario.yaml"
    path.write_text("version: 1\nsteps:\n  - say: Hi\n    wait: none\n", encoding="utf-8")
    outcome = player.play(path, local=True)
    assert len(outcome.records) == 1
    assert asked and starts and asked[0] < starts[0]
    assert gc.get_freeze_count() == 0  # thawed after the last playback
