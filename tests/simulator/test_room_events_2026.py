"""The replica's events as the 2026 Tavus event pages describe them: the envelope (seq,
turn_idx, timestamp, inference_id), the utterance at the start of a turn, role-agnostic events,
utterance.streaming for text echo, interrupts (also in microphone echo), sensitivity, and the
docs' own nonstandard messages accepted with a note."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from player import protocol
from player.simulator import local_transport
from player.simulator.replica._room import LocalRoom, RoomSettings
from player.simulator.replica._rooms import LOCAL_URL_PREFIX, RoomRegistry
from player.transport import DailyTransport
from player.transport.base import REPLICA_JOINED
from room_support import FAST, MIC_PERSONA, collect_until, local_room, next_event, silence, tone
from timing_support import assert_on_time

CID = "c-test"


def run(scenario: Any, **room_kw: Any) -> tuple[Any, LocalRoom]:
    async def main(room: LocalRoom, registry: RoomRegistry) -> Any:
        transport = local_transport(registry)
        try:
            await transport.join(room.url)
            await transport.wait_for_replica(2.0)
            await next_event(transport, REPLICA_JOINED)
            return await scenario(transport, room)
        finally:
            await transport.close()

    with local_room(**room_kw) as (registry, room):
        return asyncio.run(main(room, registry)), room


def test_a_text_turn_carries_the_2026_envelope_and_streams_its_words() -> None:
    text = "one two three four five"  # 600 wpm: a word every 0.1 s

    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        t.send(protocol.echo_text(CID, text, "t1", True))
        return await collect_until(t, protocol.ROLE_STOPPED_SPEAKING)

    before = time.time()
    events, room = run(scenario)
    kinds = [e.event_type for e in events]
    assert kinds[:3] == [protocol.UTTERANCE, protocol.STARTED_SPEAKING, protocol.ROLE_STARTED_SPEAKING]
    assert kinds[-3:] == [protocol.UTTERANCE_STREAMING, protocol.STOPPED_SPEAKING, protocol.ROLE_STOPPED_SPEAKING]
    seqs = [e.message["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e.message["turn_idx"] == 1 and before <= e.message["timestamp"] <= time.time() + 1 for e in events)
    assert all(e.message["inference_id"] == "t1" for e in events)
    streaming = [e for e in events if e.event_type == protocol.UTTERANCE_STREAMING]
    assert [e.properties["content_index"] for e in streaming] == list(range(len(streaming)))
    assert [e.properties["speech"] for e in streaming[:-1]] == ["one", "one two", "one two three", "one two three four", text]
    assert [e.properties["final"] for e in streaming] == [False] * (len(streaming) - 1) + [True]
    assert streaming[-1].properties["speech"] == text and "is_interrupted" not in streaming[-1].properties
    assert events[0].properties == {"role": "replica", "speech": text}  # the whole text, at the start
    assert events[2].properties == {"role": "replica"}
    assert events[-1].properties == {"role": "replica", "interrupted": False, "duration": pytest.approx(0.5, abs=0.01)}
    # words stream as spoken: the fourth word starts 0.3 s after the first
    assert_on_time(streaming[3].t - streaming[0].t, 0.3, early=0.05, what="first to fourth word")


def test_an_interrupted_text_turn_streams_only_the_words_spoken() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        t.send(protocol.echo_text(CID, "one two three four five six seven eight nine ten", "t1", True))
        await next_event(t, protocol.STARTED_SPEAKING)
        await asyncio.sleep(0.25)
        t.send(protocol.interrupt(CID))
        return await collect_until(t, protocol.REPLICA_INTERRUPTED)

    events, room = run(scenario)
    final = [e for e in events if e.event_type == protocol.UTTERANCE_STREAMING][-1]
    assert final.properties["final"] is True and final.properties["is_interrupted"] is True
    assert 2 <= len(final.properties["speech"].split()) <= 5
    stops = {e.event_type: e for e in events if e.event_type in (protocol.STOPPED_SPEAKING, protocol.ROLE_STOPPED_SPEAKING)}
    assert stops[protocol.STOPPED_SPEAKING].properties["interrupted"] is True
    assert stops[protocol.ROLE_STOPPED_SPEAKING].properties["interrupted"] is True
    assert events[-1].message["inference_id"] == "t1"


def test_sensitivity_is_a_known_event_with_no_effect() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[str]:
        t.send({**protocol.interrupt(CID), "event_type": protocol.SENSITIVITY, "properties": {"participant_pause_sensitivity": "low"}})
        t.send(protocol.echo_text(CID, "Still here", "t1", True))
        return [e.event_type for e in await collect_until(t, protocol.STOPPED_SPEAKING)]

    kinds, room = run(scenario)
    assert room.violations == [] and room.notes == []
    assert protocol.STOPPED_SPEAKING in kinds and protocol.REPLICA_INTERRUPTED not in kinds


def test_docs_nonstandard_messages_are_spoken_and_noted_with_their_field() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> list[Any]:
        t.send(
            {
                **protocol.echo_text(CID, "Hello there", "t1", True),
                "properties": {"text": "Hello there", "inference_id": "t1", "done": "true"},
            }
        )
        return await collect_until(t, protocol.STOPPED_SPEAKING)

    events, room = run(scenario)
    assert room.violations == []
    assert sorted(note.field for _, note in room.notes) == ["done", "modality"]
    assert [u.text for u in room.utterances] == ["Hello there"] and room.utterances[0].done


def test_an_interrupt_cuts_a_microphone_turn_and_says_so() -> None:
    async def main(registry: RoomRegistry) -> list[Any]:
        transport = local_transport(registry)
        await transport.join(LOCAL_URL_PREFIX + CID)
        await transport.wait_for_replica(2.0)
        mic = await transport.open_microphone(24000)
        writing = asyncio.ensure_future(mic.write(tone(1.5)))
        await next_event(transport, protocol.STARTED_SPEAKING)
        await asyncio.sleep(0.2)
        writing.cancel()
        transport.send(protocol.interrupt(CID))
        events = await collect_until(transport, protocol.REPLICA_INTERRUPTED)
        await asyncio.gather(writing, return_exceptions=True)
        await mic.write(silence(0.1))
        await transport.close()
        return events

    settings = RoomSettings(join_delay=0.05, mic_silence=0.3)
    with local_room(settings, persona=MIC_PERSONA) as (registry, room):
        events = asyncio.run(main(registry))
        stopped = next(e for e in events if e.event_type == protocol.STOPPED_SPEAKING)
        assert stopped.properties["interrupted"] is True
        assert events[-1].event_type == protocol.REPLICA_INTERRUPTED
        assert events[-1].message["inference_id"] == stopped.message["inference_id"]
        # The cut turn is the first; a piece of tone still in the track's write when the task
        # was cancelled (a loaded machine) may start another after it, as on Tavus.
        u = room.utterances[0]
        assert u.interrupted and u.spoken_seconds < 1.0


def test_the_string_enabled_persona_field_also_turns_microphone_echo_on() -> None:
    persona = {**MIC_PERSONA, "layers": {"transport": {"input_settings": {"microphone": "enabled"}}}}
    with local_room(FAST, persona=persona) as (_, room):
        assert room.microphone_input


def test_words_of_a_later_piece_stream_once_it_arrives_without_spinning() -> None:
    async def scenario(t: DailyTransport, room: LocalRoom) -> tuple[list[Any], float]:
        cpu = time.process_time()
        t.send(protocol.echo_text(CID, "one ", "t1", False))
        await next_event(t, protocol.STARTED_SPEAKING)
        await asyncio.sleep(0.5)  # "one" is long spoken; the rest has not even been sent
        t.send(protocol.echo_text(CID, "two three", "t1", True))
        events = await collect_until(t, protocol.STOPPED_SPEAKING)
        return events, time.process_time() - cpu

    settings = RoomSettings(join_delay=0.05, tts_latency=0.3, done_timeout=2.0, words_per_minute=600)
    (events, cpu), room = run(scenario, settings=settings)
    speech = [e.properties["speech"] for e in events if e.event_type == protocol.UTTERANCE_STREAMING]
    assert speech[-1] == "one two three" and "one two" in speech
    assert cpu < 0.4  # a replica spinning on the unplayable words would burn the whole wait
