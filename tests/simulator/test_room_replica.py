"""The simulated replica speaks like the real one: timing, events, interrupts, underruns.

Driven through the local transport (DailyTransport over fakedaily), so events arrive as they
would from Daily: on another thread, bridged into the asyncio queue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from player import protocol
from player.errors import ProtocolViolation
from player.simulator import local_transport
from player.simulator.replica._room import LocalRoom, RoomSettings
from player.transport import DailyTransport, error_of
from player.transport.base import REPLICA_JOINED, ROOM_ERROR
from room_support import FAST, audio_chunks, b64, collect_until, local_room, next_event, tone
from timing_support import assert_on_time

CID = "c-test"
Scenario = Callable[[DailyTransport, LocalRoom], Awaitable[Any]]


# The replica-specific events the older tests follow; the 2026 extras are tested on their own.
_REPLICA_KINDS = {protocol.STARTED_SPEAKING, protocol.STOPPED_SPEAKING, protocol.REPLICA_INTERRUPTED, protocol.UTTERANCE}


def replica_only(events: list[Any]) -> list[Any]:
    return [e for e in events if e.event_type in _REPLICA_KINDS]


def run_in_room(scenario: Scenario, **room_kw: Any) -> tuple[Any, LocalRoom]:
    async def main(room: LocalRoom, registry: Any) -> Any:
        transport = local_transport(registry)
        try:
            await transport.join(room.url)
            await transport.wait_for_replica(2.0)
            await next_event(transport, REPLICA_JOINED)  # leave the queue to the scenario
            return await scenario(transport, room)
        finally:
            await transport.close()

    with local_room(**room_kw) as (registry, room):
        return asyncio.run(main(room, registry)), room


def test_text_echo_speaks_for_the_estimated_time_after_tts_latency() -> None:
    text = "one two three four five"  # 5 words at 600 wpm: 0.5 s

    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        sent = time.monotonic()
        t.send(protocol.echo_text(CID, text, "t1", True))
        return [sent, *await collect_until(t, protocol.ROLE_STOPPED_SPEAKING)]

    (sent, *events), room = run_in_room(scenario)
    utterance, started, stopped = replica_only(events)
    # 2026: the replica's utterance comes as it starts speaking, with the full text
    assert [e.event_type for e in replica_only(events)] == [protocol.UTTERANCE, protocol.STARTED_SPEAKING, protocol.STOPPED_SPEAKING]
    assert {e.inference_id for e in events} == {"t1"}
    assert all(e.message["inference_id"] == "t1" and "inference_id" not in e.properties for e in events)  # at the envelope
    assert_on_time(started.t - sent, FAST.tts_latency, early=0.02, what="tts latency")
    assert_on_time(stopped.t - started.t, 0.5, early=0.05, what="speaking")
    assert stopped.properties == {"duration": pytest.approx(0.5, abs=0.01), "interrupted": False}
    assert utterance.properties == {"role": "replica", "speech": text}
    assert "properties" not in started.message  # "Omitted for started_speaking"


def test_text_pieces_sharing_an_inference_id_are_one_utterance() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        for piece, done in (("Sorry, ", False), ("let me start ", False), ("that again.", True)):
            t.send(protocol.echo_text(CID, piece, "t1", done))
        return await collect_until(t, protocol.STOPPED_SPEAKING)

    events, room = run_in_room(scenario)
    assert [e.event_type for e in events].count(protocol.STARTED_SPEAKING) == 1
    final = [e for e in events if e.event_type == protocol.UTTERANCE_STREAMING][-1]
    assert final.properties["speech"] == "Sorry, let me start that again." and final.properties["final"] is True
    assert events[-1].properties["duration"] == pytest.approx(0.6, abs=0.01)  # 6 words
    assert [u.chunks for u in room.utterances] == [3]


def test_audio_echo_plays_for_exactly_the_audio_length_without_underruns_when_sent_ahead() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        for message in audio_chunks(CID, tone(0.6), "a1"):  # all at once: a lead of 0.6 s
            t.send(message)
        return await collect_until(t, protocol.STOPPED_SPEAKING)

    events, room = run_in_room(scenario)
    started, stopped = replica_only(events)[-2:]
    assert protocol.UTTERANCE not in [e.event_type for e in events]  # audio echo: no text to report
    assert (started.event_type, started.inference_id) == (protocol.STARTED_SPEAKING, "a1")
    assert stopped.properties["duration"] == pytest.approx(0.6, abs=1e-6)
    assert_on_time(stopped.t - started.t, 0.6, early=0.05, what="speaking")
    assert room.underruns == 0
    (u,) = room.utterances
    assert (u.modality, u.sample_rate, u.chunks, u.done) == ("audio", 24000, 12, True)
    assert u.received_seconds == pytest.approx(0.6) and u.spoken_seconds == pytest.approx(0.6)


def test_chunks_sent_slower_than_real_time_produce_underruns() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        for message in audio_chunks(CID, tone(0.2), "a1", chunk=0.05):
            t.send(message)
            await asyncio.sleep(0.1)  # 50 ms of audio every 100 ms
        return await collect_until(t, protocol.STOPPED_SPEAKING)

    events, room = run_in_room(scenario)
    assert room.underruns >= 2
    assert events[-1].properties["duration"] == pytest.approx(0.2, abs=1e-6)
    assert events[-1].properties["interrupted"] is False


def test_a_new_inference_id_interrupts_the_current_utterance() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        for message in audio_chunks(CID, tone(1.0), "a1"):
            t.send(message)
        await next_event(t, protocol.STARTED_SPEAKING)
        await asyncio.sleep(0.3)
        t.send(protocol.echo_text(CID, "New thought", "t2", True))
        return await collect_until(t, protocol.STOPPED_SPEAKING, skip=1)

    events, room = run_in_room(scenario)
    events = replica_only(events)
    kinds = [(e.event_type, e.inference_id) for e in events]
    assert kinds == [
        (protocol.STOPPED_SPEAKING, "a1"),
        (protocol.REPLICA_INTERRUPTED, "a1"),
        (protocol.UTTERANCE, "t2"),
        (protocol.STARTED_SPEAKING, "t2"),
        (protocol.STOPPED_SPEAKING, "t2"),
    ]
    assert events[0].properties["interrupted"] is True
    assert_on_time(events[0].properties["duration"], 0.3, early=0.05, what="spoken before the interrupt")
    first, second = room.utterances
    assert first.interrupted and first.spoken_seconds < 0.5 and not second.interrupted


def test_interrupt_stops_at_once_and_later_chunks_are_ignored_but_recorded() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        chunks = audio_chunks(CID, tone(1.0), "a1")
        for message in chunks[:10]:
            t.send(message)
        await next_event(t, protocol.STARTED_SPEAKING)
        await asyncio.sleep(0.2)
        sent = time.monotonic()
        t.send(protocol.interrupt(CID))
        events = await collect_until(t, protocol.REPLICA_INTERRUPTED)
        for message in chunks[10:]:
            t.send(message)
        await asyncio.sleep(0.3)
        return [sent, *events, *[t.events.get_nowait() for _ in range(t.events.qsize())]]

    (sent, *events), room = run_in_room(scenario)
    events = replica_only(events)
    stopped, interrupted = events[:2]
    assert stopped.t - sent < 0.1
    assert stopped.properties["interrupted"] is True and interrupted.inference_id == "a1"
    assert events[2:] == []  # the rest of a1 never plays
    (u,) = room.utterances
    assert u.interrupted and u.chunks == 10 and u.chunks_after_interrupt == 10
    assert_on_time(u.spoken_seconds, 0.2, early=0.1, what="spoken before the interrupt")


def test_an_utterance_without_done_ends_after_done_timeout() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> float:
        t.send(protocol.echo_audio(CID, b64(tone(0.05)), 24000, "a1", False))
        started = await next_event(t, protocol.STARTED_SPEAKING)
        stopped = await next_event(t, protocol.STOPPED_SPEAKING)
        return stopped.t - started.t

    elapsed, room = run_in_room(scenario)
    assert_on_time(elapsed, FAST.done_timeout, early=0.1, what="done timeout")  # 0.05 s played, then waited
    (u,) = room.utterances
    assert not u.done and u.underruns == 1 and u.spoken_seconds == pytest.approx(0.05)


def test_a_violation_fails_the_send_and_is_recorded() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> Any:
        t.send(protocol.echo_text(CID, "Hi", "t1", "yes"))  # type: ignore[arg-type]
        return await next_event(t, ROOM_ERROR)

    event, room = run_in_room(scenario)
    assert event.error == "ProtocolViolation: done must be a JSON boolean, got 'yes'"
    assert event.inference_id == "t1"
    assert room.violations == ["done must be a JSON boolean, got 'yes'"]
    assert isinstance(error_of(event), ProtocolViolation)
    assert room.utterances == []  # refused messages are not spoken


def test_a_tts_latency_longer_than_done_timeout_is_waited_out_without_spinning() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> tuple[float, float]:
        cpu, sent = time.process_time(), time.monotonic()
        t.send(protocol.echo_text(CID, "Hello", "t1", True))
        started = await next_event(t, protocol.STARTED_SPEAKING)
        return started.t - sent, time.process_time() - cpu

    settings = RoomSettings(join_delay=0.05, tts_latency=0.6, done_timeout=0.1)
    (latency, cpu), room = run_in_room(scenario, settings=settings)
    assert_on_time(latency, 0.6, early=0.02, what="tts latency")
    assert cpu < 0.3  # a busy-waiting replica thread would burn the whole 0.6 s
