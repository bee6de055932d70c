"""Who the replica is (pipecat's match: the participant named as the persona), app messages
that are not protocol events, private and bounded rooms, and the event pump's `seq` order."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from player import protocol
from player.errors import JoinError
from player.playback._events import EventPump, in_seq_order, on_event_logger
from player.playback._runlog import RunLog
from player.simulator import local_transport
from player.simulator.replica._rooms import LOCAL_URL_PREFIX, RoomRegistry
from player.transport.base import APP_MESSAGE, REPLICA_JOINED, RoomEvent
from room_support import ECHO_PERSONA, FAST, local_room, next_event

CID = "c-test"
URL = LOCAL_URL_PREFIX + CID
NAME = ECHO_PERSONA["persona_name"]


async def _human_first(registry: RoomRegistry, replica_name: str | None) -> tuple[Any, Any]:
    human = local_transport(registry)
    await human.join(URL, user_name="Alice")  # joins before the player and the replica
    player = local_transport(registry, replica_name=replica_name)
    await player.join(URL)
    joined = await player.wait_for_replica(2.0)
    human.send({"hello": "not a protocol event"})
    message = await next_event(player, APP_MESSAGE)
    await player.close()
    await human.close()
    return joined, message


def test_a_person_joining_first_is_not_taken_for_the_replica() -> None:
    with local_room(FAST) as (registry, room):
        joined, message = asyncio.run(_human_first(registry, NAME))
        assert joined.participant["info"]["userName"] == NAME and joined.participant["id"] == room.replica_id
        assert message.message == {"hello": "not a protocol event"} and message.sender is not None


def test_without_the_persona_name_the_first_remote_participant_would_be_taken() -> None:
    # Why the session passes the name: the old rule picks Alice.
    with local_room(FAST) as (registry, _):
        joined, _ = asyncio.run(_human_first(registry, None))
        assert joined.participant["info"]["userName"] == "Alice"


def test_a_replica_that_never_comes_under_its_name_is_a_clear_join_error() -> None:
    async def main(registry: RoomRegistry) -> str:
        player = local_transport(registry, replica_name="Someone Else")
        await player.join(URL)
        try:
            await player.wait_for_replica(0.5)
        except JoinError as exc:
            return str(exc)
        finally:
            await player.close()
        return ""

    with local_room(FAST) as (registry, _):
        message = asyncio.run(main(registry))
        assert "looked for a participant named 'Someone Else'" in message and repr(NAME) in message


def test_a_private_room_needs_its_token_and_a_full_room_refuses() -> None:
    async def main(registry: RoomRegistry) -> list[str]:
        errors = []
        for token in (None, "wrong"):
            t = local_transport(registry)
            try:
                await t.join(URL, meeting_token=token)
            except JoinError as exc:
                errors.append(str(exc))
            await t.close()
        first = local_transport(registry)
        await first.join(URL, meeting_token="secret")
        await first.wait_for_replica(2.0)
        third = local_transport(registry)
        try:
            await third.join(URL, meeting_token="secret")  # player + replica = max_participants 2
        except JoinError as exc:
            errors.append(str(exc))
        await third.close()
        await first.close()
        return errors

    registry = RoomRegistry(FAST)
    registry.open_room(CID, persona=ECHO_PERSONA, properties={}, meeting_token="secret", max_participants=2)
    try:
        errors = asyncio.run(main(registry))
    finally:
        registry.close_all()
    assert len(errors) == 3
    assert all("requires a valid meeting token" in e for e in errors[:2]) and "the room is full" in errors[2]


def _event(kind: str, seq: int | None, iid: str = "i1", t: float = 0.0) -> RoomEvent:
    message: dict[str, Any] = {"event_type": kind, "inference_id": iid}
    if seq is not None:
        message["seq"] = seq
    return RoomEvent(t, kind, inference_id=iid, message=message, seq=seq)


def test_waiting_events_are_taken_in_seq_order_and_the_others_keep_their_place() -> None:
    a, b, c, d = _event("x", 3), _event("y", None), _event("z", 1), _event("w", 2)
    assert in_seq_order([a, b, c, d]) == [c, b, d, a]
    assert in_seq_order([b, a]) == [b, a]


def test_a_late_started_speaking_does_not_leave_the_replica_speaking() -> None:
    async def main() -> EventPump:
        queue: asyncio.Queue[RoomEvent] = asyncio.Queue()
        pump = EventPump(queue, lambda e: None)
        pump.start(lambda e: None)
        queue.put_nowait(_event(protocol.STOPPED_SPEAKING, 5, t=1.0))  # arrives first
        await asyncio.sleep(0.01)
        queue.put_nowait(_event(protocol.STARTED_SPEAKING, 4, t=1.1))  # sent earlier, arrives late
        queue.put_nowait(_event(protocol.STOPPED_SPEAKING, 3, iid="i0", t=1.1))
        await asyncio.sleep(0.01)
        await pump.stop()
        return pump

    pump = asyncio.run(main())
    assert pump.speaking == set() and pump.silent_since is not None
    assert [e.seq for e in pump.history] == [3, 4, 5]


def test_the_logger_writes_app_messages_and_every_event_field(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "run.jsonl")
    write = on_event_logger(log)
    write(RoomEvent(log.origin, APP_MESSAGE, message={"custom": 1}, sender="p1"))
    message = {"message_type": "conversation", "event_type": protocol.UTTERANCE, "seq": 7, "turn_idx": 2, "timestamp": 1.5}
    message["properties"] = {"role": "replica", "speech": "hi", "t": "clash"}
    write(RoomEvent(log.origin, protocol.UTTERANCE, properties=message["properties"], message=message, seq=7))
    write(RoomEvent(log.origin, REPLICA_JOINED, participant={"id": "r", "info": {"userName": "Anna"}}))
    log.close()
    app, event, joined = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert app == {"kind": "app_message", "t": 0.0, "sender": "p1", "message": {"custom": 1}}
    assert event == {
        "kind": "event",
        "t": 0.0,
        "event_type": protocol.UTTERANCE,
        "seq": 7,
        "turn_idx": 2,
        "timestamp": 1.5,
        "role": "replica",
        "speech": "hi",
        "properties": {"t": "clash"},
    }
    assert joined["participant"] == {"id": "r", "userName": "Anna"}


@pytest.mark.parametrize("track", ["microphone", "stream"])
def test_microphone_audio_reaches_the_replica_on_either_track(track: str) -> None:
    from room_support import MIC_PERSONA, tone

    async def main(registry: RoomRegistry) -> None:
        t = local_transport(registry)
        await t.join(URL)
        await t.wait_for_replica(2.0)
        mic = await t.open_microphone(24000, track=track)
        await mic.write(tone(0.2))
        await t.close()

    with local_room(FAST, persona=MIC_PERSONA) as (registry, room):
        asyncio.run(main(registry))
        assert room.microphone_seconds == pytest.approx(0.2)
