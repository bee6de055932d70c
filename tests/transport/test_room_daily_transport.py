"""DailyTransport's bridge, driven by fakedaily: threads, order, queuing, errors, lifecycle."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from player import protocol
from player.errors import JoinError, PlaybackError, ProtocolViolation
from player.simulator import local_transport
from player.simulator.daily._client import FakeDaily
from player.simulator.replica._room import RoomSettings
from player.simulator.replica._rooms import LOCAL_URL_PREFIX
from player.transport import DailyTransport, error_of, summarize_daily_error
from player.transport.base import REPLICA_JOINED, ROOM_ERROR, RoomEvent
from room_support import audio_chunks, local_room, next_event, tone

CID = "c-test"
URL = LOCAL_URL_PREFIX + CID


def test_callbacks_come_from_another_thread_and_events_keep_the_rooms_order(monkeypatch: pytest.MonkeyPatch) -> None:
    posting_threads: set[str] = set()
    original = DailyTransport._post

    def spy(self: DailyTransport, fn: Any, *args: Any) -> None:
        posting_threads.add(threading.current_thread().name)
        original(self, fn, *args)

    monkeypatch.setattr(DailyTransport, "_post", spy)

    async def main(registry: Any) -> tuple[str, list[RoomEvent]]:
        transport = local_transport(registry)
        await transport.join(URL)
        await transport.wait_for_replica(2.0)
        for iid in ("a1", "a2", "a3", "a4"):  # each new id interrupts the one before
            transport.send(audio_chunks(CID, tone(0.05), iid)[0])
        events = []
        # 3 interrupted utterances x 5 events (started x2, stopped x2, interrupted), then a4's 4
        while len(events) < 19:
            event = await asyncio.wait_for(transport.events.get(), 3.0)
            if event.event_type != REPLICA_JOINED:
                events.append(event)
        await transport.close()
        return threading.current_thread().name, events

    with local_room() as (registry, room):
        loop_thread, events = asyncio.run(main(registry))
        assert loop_thread not in posting_threads and posting_threads == {"fakedaily-core"}
        assert [e.message for e in events] == room.events()
        assert [e.inference_id for e in events][:6] == ["a1"] * 5 + ["a2"]
        assert [e.seq for e in events] == sorted(e.seq for e in events)  # seq: the room's order
        assert all(a.t <= b.t for a, b in zip(events, events[1:]))


def test_messages_sent_before_join_are_delivered_after_it_in_order() -> None:
    async def main(registry: Any) -> list[RoomEvent]:
        transport = local_transport(registry)
        for k in range(3):
            transport.send(protocol.echo_text(CID, f"line {k}", f"t{k}", True))
        await transport.join(URL)
        await transport.wait_for_replica(2.0)
        await asyncio.sleep(0.1)
        await transport.close()
        return [transport.events.get_nowait() for _ in range(transport.events.qsize())]

    with local_room(RoomSettings(join_delay=0.1)) as (registry, room):
        events = asyncio.run(main(registry))
        assert [m["properties"]["text"] for _, m in room.received] == ["line 0", "line 1", "line 2"]
        assert ROOM_ERROR not in [e.event_type for e in events]  # no ChannelNotOpen


def test_a_refused_send_becomes_a_room_error_event() -> None:
    async def main(registry: Any) -> RoomEvent:
        transport = local_transport(registry)
        await transport.join(URL)
        await transport.wait_for_replica(2.0)
        message = protocol.echo_text("c-wrong", "Hi", "t1", True)
        transport.send(message)
        event = await next_event(transport, ROOM_ERROR)
        assert event.message == message
        await transport.close()
        return event

    with local_room() as (registry, _):
        event = asyncio.run(main(registry))
        assert event.error is not None and event.error.startswith("ProtocolViolation: conversation_id")
        assert isinstance(error_of(event), ProtocolViolation)


def test_error_of_tells_violations_from_other_room_errors() -> None:
    other = error_of(RoomEvent(0.0, ROOM_ERROR, error="AppMessage(Signalling(ChannelNotOpen))"))
    assert type(other) is PlaybackError and "ChannelNotOpen" in str(other)
    violation = RoomEvent(0.0, ROOM_ERROR, error="ProtocolViolation: x", cause=ProtocolViolation("x"))
    assert isinstance(error_of(violation), ProtocolViolation)
    # The text alone is not a violation: only the typed value says so.
    assert type(error_of(RoomEvent(0.0, ROOM_ERROR, error="ProtocolViolation: x"))) is PlaybackError


@pytest.mark.parametrize(
    "url, expected",
    [
        (LOCAL_URL_PREFIX + "c-unknown", "room lookup failed"),
        ("not a url", "not a valid room URL"),
    ],
)
def test_join_failures_raise_join_error_with_one_line(url: str, expected: str) -> None:
    async def main(registry: Any) -> str:
        transport = local_transport(registry)
        try:
            with pytest.raises(JoinError) as info:
                await transport.join(url)
        finally:
            await transport.close()
            await transport.close()  # idempotent, also after a failed join
        return str(info.value)

    with local_room() as (registry, _):
        message = asyncio.run(main(registry))
        assert message.startswith(f"could not join {url}: {expected}") and "\n" not in message


def test_an_ended_conversation_cannot_be_joined() -> None:
    async def main(registry: Any) -> None:
        transport = local_transport(registry)
        with pytest.raises(JoinError, match="has ended"):
            await transport.join(URL)
        await transport.close()

    with local_room() as (registry, _):
        registry.close_room(CID)
        asyncio.run(main(registry))


def test_join_and_replica_timeouts_raise_join_error() -> None:
    async def main(registry: Any) -> None:
        slow = DailyTransport(FakeDaily(registry, join_failure_delay=5.0), join_timeout=0.2)
        with pytest.raises(JoinError, match="no answer within 0.2 s"):
            await slow.join(LOCAL_URL_PREFIX + "c-unknown")
        await slow.close()
        transport = local_transport(registry)
        await transport.join(URL)
        with pytest.raises(JoinError, match="did not join the room within 0.2 s"):
            await transport.wait_for_replica(0.2)
        await transport.close()

    with local_room(RoomSettings(join_delay=30.0)) as (registry, _):
        asyncio.run(main(registry))


def test_close_leaves_the_room_and_later_sends_are_dropped() -> None:
    async def main(registry: Any) -> None:
        transport = local_transport(registry)
        await transport.close()  # before any join: nothing to do
        transport = local_transport(registry)
        await transport.join(URL)
        await transport.wait_for_replica(2.0)
        await transport.close()
        transport.send(protocol.echo_text(CID, "after close", "t9", True))
        with pytest.raises(JoinError):
            await transport.join(URL)

    with local_room() as (registry, room):
        asyncio.run(main(registry))
        assert not room.received and room.wait_until(lambda r: r.ended, 2.0)  # last one left


def test_summarize_daily_error_makes_one_line() -> None:
    raw = (
        "Connection(Api(RoomLookup(RoomInfoFetchFailed(Get(hyper_util::client::legacy::Error(Connect, "
        'Custom { kind: Uncategorized, error: "failed to lookup address information: Name or service not known" }))))))'
    )
    assert summarize_daily_error(raw) == "room lookup failed (failed to lookup address information: Name or service not known)"
    assert summarize_daily_error("line one\nline two") == "line one line two"


def test_with_a_replica_name_only_that_participant_counts_as_the_replica() -> None:
    async def main(registry: Any) -> None:
        wrong = local_transport(registry, replica_name="Somebody Else")
        right = local_transport(registry, replica_name="Test Presenter")
        await wrong.join(URL)
        await right.join(URL)
        event = await right.wait_for_replica(2.0)
        assert event.participant is not None and event.participant["info"]["userName"] == "Test Presenter"
        with pytest.raises(JoinError):
            await wrong.wait_for_replica(0.2)  # `right` is remote to it, but not the persona
        await wrong.close()
        await right.close()

    with local_room() as (registry, _):
        asyncio.run(main(registry))


def test_close_releases_the_call_on_a_reused_worker_and_a_hung_release_holds_it_briefly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: a Thread.start per close blocked the loop until the thread ran, a few ms each
    when 100 playbacks ended together. The release goes to an idle worker; a release that
    hangs (daily-core still holding the call) is left to it after _RELEASE_WAIT."""
    from player import _threads
    from player.transport import daily as daily_module

    started: list[str] = []  # threads the loop's thread started (the room's own timer is not one)
    original_start = threading.Thread.start
    loop_thread = threading.current_thread()

    def counting_start(self: threading.Thread) -> None:
        if threading.current_thread() is loop_thread:
            started.append(self.name)
        original_start(self)

    async def warm() -> None:
        await _threads.in_thread(lambda: None)  # one idle worker to reuse

    async def main(registry: Any) -> None:
        await warm()
        transport = local_transport(registry)
        await transport.join(URL)
        await transport.wait_for_replica(2.0)
        monkeypatch.setattr(threading.Thread, "start", counting_start)
        await transport.close()
        monkeypatch.setattr(threading.Thread, "start", original_start)

    with local_room() as (registry, room):
        asyncio.run(main(registry))
        assert room.wait_until(lambda r: r.ended, 2.0)
    assert started == []  # no echo-player-daily-release thread, no new worker either

    hung = threading.Event()
    monkeypatch.setattr(daily_module, "_release", lambda client: hung.wait(5))
    monkeypatch.setattr(daily_module, "_RELEASE_WAIT", 0.1)

    async def hung_close(registry: Any) -> float:
        transport = local_transport(registry)
        await transport.join(URL)
        loop = asyncio.get_running_loop()
        t = loop.time()
        await transport.close()
        return loop.time() - t

    try:
        with local_room() as (registry, _):
            assert asyncio.run(hung_close(registry)) < 1.0
    finally:
        hung.set()
