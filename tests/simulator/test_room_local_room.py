"""The local room: the replica's arrival and departure, lost messages, microphone echo."""

from __future__ import annotations

import asyncio
import time

import pytest

from player import protocol
from player.simulator import local_transport
from player.simulator.replica._room import RoomSettings
from player.simulator.replica._rooms import LOCAL_URL_PREFIX, RoomRegistry
from player.transport.base import REPLICA_JOINED, REPLICA_LEFT
from room_support import ECHO_PERSONA, FAST, MIC_PERSONA, collect_until, local_room, next_event, silence, tone
from timing_support import assert_on_time

CID = "c-test"


def test_the_replica_joins_after_join_delay_as_the_persona_and_leaves_when_the_conversation_ends() -> None:
    async def main(registry: RoomRegistry) -> None:
        transport = local_transport(registry)
        joined_at = time.monotonic()
        await transport.join(LOCAL_URL_PREFIX + CID)
        event = await transport.wait_for_replica(3.0)
        assert event.event_type == REPLICA_JOINED
        assert_on_time(event.t - joined_at, 0.3, early=0.05, what="join to joined")
        assert event.participant is not None
        assert event.participant["info"]["userName"] == "Test Presenter"
        assert event.participant["info"]["isLocal"] is False
        assert await transport.wait_for_replica(0.01) is event  # at once when already in
        registry.close_room(CID)
        left = await next_event(transport, REPLICA_LEFT, timeout=2.0)
        assert left.participant is not None and left.participant["id"] == event.participant["id"]
        await transport.close()

    with local_room(RoomSettings(join_delay=0.3)) as (registry, room):
        asyncio.run(main(registry))
        assert room.ended and not room.replica_present


def test_messages_before_the_replica_joins_are_lost_as_on_daily() -> None:
    async def main(registry: RoomRegistry) -> None:
        transport = local_transport(registry)
        transport.send(protocol.echo_text(CID, "Too early", "t0", True))  # queued until joined
        await transport.join(LOCAL_URL_PREFIX + CID)
        await transport.wait_for_replica(2.0)
        await transport.close()

    with local_room(RoomSettings(join_delay=0.2)) as (registry, room):
        asyncio.run(main(registry))
        assert [m["properties"]["text"] for _, m in room.received] == ["Too early"]
        assert len(room.unheard) == 1 and room.utterances == []


def test_a_second_client_finds_the_replica_already_in_the_room() -> None:
    async def main(registry: RoomRegistry) -> None:
        first, second = local_transport(registry), local_transport(registry, replica_name="Test Presenter")
        await first.join(LOCAL_URL_PREFIX + CID)
        await first.wait_for_replica(2.0)
        await second.join(LOCAL_URL_PREFIX + CID)
        event = await second.wait_for_replica(0.01)  # from participants(), no joined callback
        assert event.participant is not None and event.participant["info"]["userName"] == "Test Presenter"
        await first.close()
        await second.close()

    with local_room() as (registry, _):
        asyncio.run(main(registry))


def test_the_conversation_ends_after_the_last_participant_leaves() -> None:
    ended: list[str] = []
    registry = RoomRegistry(FAST, on_ended=ended.append)
    url = registry.open_room("c-leave", persona=ECHO_PERSONA, properties={"participant_left_timeout": 0.1})

    async def main() -> None:
        transport = local_transport(registry)
        await transport.join(url)
        await transport.close()

    try:
        asyncio.run(main())
        room = registry.get(url)
        assert room.wait_until(lambda r: r.ended, 2.0)
        deadline = time.monotonic() + 2.0  # the Tavus side is told just after, off the room's lock
        while not ended and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ended == ["c-leave"]
    finally:
        registry.close_all()


def test_ending_mid_sentence_stops_the_replica() -> None:
    async def main(registry: RoomRegistry) -> list[str]:
        transport = local_transport(registry)
        await transport.join(LOCAL_URL_PREFIX + CID)
        await transport.wait_for_replica(2.0)
        transport.send(protocol.echo_text(CID, "A rather long sentence that never finishes", "t1", True))
        await next_event(transport, protocol.STARTED_SPEAKING)
        registry.close_room(CID)
        events = await collect_until(transport, REPLICA_LEFT)
        await transport.close()
        return [e.event_type for e in events]

    with local_room() as (registry, room):
        kinds = asyncio.run(main(registry))
        kept = {protocol.STOPPED_SPEAKING, protocol.REPLICA_INTERRUPTED, REPLICA_LEFT}
        assert [k for k in kinds if k in kept] == [protocol.STOPPED_SPEAKING, protocol.REPLICA_INTERRUPTED, REPLICA_LEFT]
        assert room.utterances[0].interrupted


def test_microphone_echo_speaks_while_the_track_carries_voice() -> None:
    async def main(registry: RoomRegistry) -> tuple[float, float, list[float]]:
        transport = local_transport(registry)
        await transport.join(LOCAL_URL_PREFIX + CID)
        await transport.wait_for_replica(2.0)
        mic = await transport.open_microphone(24000)
        began = time.monotonic()
        await mic.write(silence(0.2) + tone(0.4) + silence(0.1))  # paced: returns after 0.7 s
        wrote = time.monotonic() - began
        started = await next_event(transport, protocol.STARTED_SPEAKING)
        stopped = await next_event(transport, protocol.STOPPED_SPEAKING)
        await transport.close()
        return wrote, began, [started.t - began, stopped.t - began, stopped.properties["duration"]]

    settings = RoomSettings(join_delay=0.05, mic_silence=0.3)
    with local_room(settings, persona=MIC_PERSONA) as (registry, room):
        wrote, _, (started, stopped, duration) = asyncio.run(main(registry))
        assert_on_time(wrote, 0.7, early=0.02, what="paced write")
        assert_on_time(started, 0.2, early=0.05, what="voice to started_speaking")
        # after 0.3 s of silence; a late write under load leaves a gap, which shifts the stop
        assert_on_time(stopped - started, 0.4 + 0.3, early=0.1, what="started to stopped")
        assert_on_time(duration, 0.4, early=0.1, what="duration")
        assert room.microphone_seconds == pytest.approx(0.7)
        assert [u.modality for u in room.utterances] == ["microphone"]


def test_microphone_audio_is_not_echoed_by_a_persona_without_microphone_input() -> None:
    async def main(registry: RoomRegistry) -> None:
        transport = local_transport(registry)
        await transport.join(LOCAL_URL_PREFIX + CID)
        await transport.wait_for_replica(2.0)
        mic = await transport.open_microphone(16000)
        await mic.write(tone(0.2, rate=16000))
        await asyncio.sleep(0.4)
        await transport.close()

    with local_room() as (registry, room):
        asyncio.run(main(registry))
        assert room.microphone_seconds == pytest.approx(0.2)
        assert room.utterances == [] and not room.emitted


def test_the_room_counts_every_message_but_remembers_only_a_window() -> None:
    # Memory flat in length: a 10-minute clip is 12000 audio messages.
    async def main(registry: RoomRegistry) -> None:
        transport = local_transport(registry)
        await transport.join(LOCAL_URL_PREFIX + CID)
        await transport.wait_for_replica(2.0)
        for k in range(10):
            transport.send(protocol.echo_text(CID, f"line {k}", f"t{k}", True))
        await asyncio.sleep(0.3)
        await transport.close()

    settings = RoomSettings(join_delay=0.05, tts_latency=0.05, words_per_minute=6000, message_window=3)
    with local_room(settings) as (registry, room):
        asyncio.run(main(registry))
        assert [m["properties"]["text"] for _, m in room.received] == ["line 7", "line 8", "line 9"]
        assert room.received_count == 10 and room.unheard_count == 0
        assert len(room.emitted) <= 3 <= room.emitted_count
