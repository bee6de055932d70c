"""`serve` without a scenario, its lifecycle on every exit path: what it created is ended and
deleted exactly once (quit, a failed join, a cancel); a conversation it was given is only left."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from play_support import FAST_ROOM
from player.errors import JoinError
from player.playback import Outcome, RunLog, local_backend
from player.server import RELAY_PROPERTIES, Relay, RelayControls, run_relay
from player.transport.base import Transport
from server_support import until


class _NoJoin(Transport):
    def __init__(self) -> None:
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.closed = 0

    async def join(self, url: str, *, meeting_token: str | None = None, user_name: str = "echo-player") -> None:
        raise JoinError("room lookup failed (test)")

    async def wait_for_replica(self, timeout: float) -> Any:
        raise AssertionError("never joined")

    def send(self, message: Any) -> None:
        raise AssertionError("never joined")

    async def open_microphone(self, sample_rate: int) -> Any:
        raise AssertionError("unused")

    async def close(self) -> None:
        self.closed += 1


@pytest.mark.parametrize("how", ["failed join", "cancelled"])
def test_what_the_relay_created_is_ended_and_deleted_on_every_exit_path(tmp_path: Path, how: str) -> None:
    async def main() -> None:
        with local_backend(room_settings=FAST_ROOM) as backend:
            transports: list[_NoJoin] = []

            def failing() -> _NoJoin:
                transports.append(_NoJoin())
                return transports[-1]

            if how == "failed join":
                backend = dataclasses.replace(backend, transport=failing)
            relay = Relay()
            controls = RelayControls(relay)
            outcome = Outcome()
            task = asyncio.ensure_future(
                run_relay(
                    backend.client,
                    backend.transport,
                    relay,
                    controls,
                    log=RunLog(None),
                    outcome=outcome,
                    default_replica_id=backend.default_replica_id,
                )
            )
            if how == "cancelled":
                await until(lambda: relay.connected, what="the join")
                task.cancel()
            results = await asyncio.gather(task, return_exceptions=True)
            if how == "failed join":
                assert isinstance(results[0], JoinError) and transports[0].closed == 1
            else:
                assert isinstance(results[0], asyncio.CancelledError)
            assert outcome.conversation_ended is True and outcome.persona_deleted is True
            assert outcome.cleanup_errors == [] and relay.connected is False
            state = backend.server.state
            assert [c["status"] for c in state.conversations.values()] == ["ended"]
            assert state.personas == {}
            (created,) = state.conversations.values()
            assert {k: created["properties"][k] for k in RELAY_PROPERTIES} == RELAY_PROPERTIES  # billing stops by itself
            assert controls.status()["state"] == "ended"

    asyncio.run(main())


@pytest.mark.parametrize("given", ["url", "id"])
def test_a_given_conversation_is_joined_and_left_but_never_ended(tmp_path: Path, given: str) -> None:
    async def main() -> None:
        with local_backend(room_settings=FAST_ROOM) as backend:
            client = backend.client
            persona = client.create_persona("theirs", replica_id=backend.default_replica_id)
            # Theirs outlives our leaving (else the room ends itself when the last one leaves).
            conv = client.create_conversation(
                persona.id, replica_id=backend.default_replica_id, properties={"participant_left_timeout": 300}
            )
            relay = Relay()
            controls = RelayControls(relay)
            outcome = Outcome()
            where = {"conversation_url": conv.url} if given == "url" else {"conversation_id": conv.id}
            # By URL the Tavus API is not needed at all (the seed's case: no key); by id it is.
            tavus = None if given == "url" else client
            task = asyncio.ensure_future(run_relay(tavus, backend.transport, relay, controls, log=RunLog(None), outcome=outcome, **where))
            await until(lambda: relay.connected or task.done(), what="the join")
            assert relay.conversation_id == conv.id  # by URL: the room's name, which is the conversation's id
            assert relay.id_known is (given == "id")
            controls.say("Into their room")
            room = backend.rooms.find(conv.id)
            await until(lambda: any(u.text == "Into their room" for u in room.utterances), what="the line spoken")
            controls.quit()
            await task
            assert outcome.conversation_ended is False and outcome.persona_deleted is None
            assert backend.server.state.conversations[conv.id]["status"] == "active"
            assert persona.id in backend.server.state.personas

    asyncio.run(main())
