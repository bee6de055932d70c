"""`serve` without a scenario: a room to relay into, with the player's guarantees.

It creates an echo persona and conversation (or joins the one given), joins the room, lends it
to the relay until `quit` or a signal, then leaves, ends the conversation and deletes the persona
it created, each exactly once and each attempted even if another fails. A conversation given by
the user is only left, never ended: it is not ours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..errors import JoinError, UsageError
from ..plan import MAX_CALL_DURATION
from ..playback import Outcome, RunLog
from ..transport.base import RoomEvent, Transport
from ._relay import Relay
from ._relay_controls import RelayControls

if TYPE_CHECKING:
    from ..tavus import TavusClient

__all__ = ["run_relay", "RELAY_PROPERTIES"]

# Billing stops even if echo-player dies without cleaning up: Tavus's longest call (an hour), a
# minute with nobody in the room, at once when we leave. A relay has no plan to size it by.
RELAY_PROPERTIES = {"max_call_duration": MAX_CALL_DURATION, "participant_absent_timeout": 60, "participant_left_timeout": 0}


async def run_relay(
    client: TavusClient | None,
    transport_factory: Callable[[], Transport],
    relay: Relay,
    controls: RelayControls,
    *,
    log: RunLog,
    outcome: Outcome,
    default_replica_id: str | None = None,
    conversation_url: str | None = None,
    conversation_id: str | None = None,
    replica_id: str | None = None,
    join_timeout: float = 60.0,
    on_ready: Callable[[str], None] | None = None,
) -> Outcome:
    """Relays until `controls.quit()`; cancel it to stop (its cleanup still runs). `client`
    (the Tavus API) may be None when joining by `conversation_url`: the seed needs no key."""
    persona_id: str | None = None
    created: str | None = None
    transport = None
    ending = "failed"
    try:
        meeting_token = None
        if conversation_url is None:
            if client is None:
                raise UsageError("without TAVUS_API_KEY (or --local) serve can only join a --conversation-url")
            if conversation_id is not None:
                found = await asyncio.to_thread(client.get_conversation, conversation_id)
                conversation_url, meeting_token = found.url, found.meeting_token
                if not conversation_url:
                    raise UsageError(f"--conversation-id {conversation_id}: it has no conversation_url (status {found.status})")
            else:
                replica = replica_id or default_replica_id
                if replica is None:
                    raise UsageError("no replica to render the conversation: set TAVUS_REPLICA_ID or pass --replica")
                persona = await asyncio.to_thread(client.create_persona, "echo-player relay", replica_id=replica)
                persona_id = persona.id
                outcome.persona_deleted = False
                log.write("persona", persona_id=persona.id, created=True)
                conv = await asyncio.to_thread(
                    client.create_conversation, persona.id, replica_id=replica, name="echo-player relay", properties=RELAY_PROPERTIES
                )
                created = conversation_id = conv.id
                conversation_url, meeting_token = conv.url, conv.meeting_token
                outcome.conversation_id = conv.id
                log.write("conversation", conversation_id=conv.id, url=conv.url)
                if not conversation_url:
                    raise JoinError(f"conversation {conv.id} came back without a conversation_url")
        # Joined by URL alone, the id is a guess: a Tavus room is named for its conversation.
        id_known = conversation_id is not None
        room_id = conversation_id or conversation_url.rstrip("/").rsplit("/", 1)[-1]
        transport = transport_factory()
        try:
            await asyncio.wait_for(transport.join(conversation_url, meeting_token=meeting_token), timeout=join_timeout)
            await transport.wait_for_replica(join_timeout)
        except asyncio.TimeoutError:
            raise JoinError(f"the replica did not join within {join_timeout:g}s") from None
        outcome.conversation_id = room_id
        relay.connect(transport.send, room_id, id_known=id_known)
        controls.set_state("relaying")
        log.write("relay", conversation_id=outcome.conversation_id, state="relaying")
        if on_ready is not None:
            on_ready(outcome.conversation_id)
        pump = asyncio.ensure_future(_pump(transport.events.get, controls, log))
        try:
            await controls.stopped.wait()
        finally:
            pump.cancel()
        ending = "quit"
    except asyncio.CancelledError:
        ending = "interrupted"
        raise
    except BaseException as exc:
        ending = f"failed: {exc}"
        raise
    finally:
        relay.disconnect()
        controls.set_state("ending")
        if transport is not None:
            await transport.close()
        if created is not None and client is not None:
            outcome.conversation_ended = await _attempt(outcome, f"ending conversation {created}", client.end_conversation, created)
        if persona_id is not None and client is not None:
            outcome.persona_deleted = await _attempt(outcome, f"deleting persona {persona_id}", client.delete_persona, persona_id)
        controls.set_state("ended")
        log.write("end", conversation_id=outcome.conversation_id, outcome=ending, conversation_ended=outcome.conversation_ended)
    return outcome


async def _pump(get: Callable[[], Awaitable[RoomEvent]], controls: RelayControls, log: RunLog) -> None:
    while True:
        event = await get()
        controls.room_event(event)
        log.write("event", event_type=event.event_type, inference_id=event.inference_id, error=event.error)


async def _attempt(outcome: Outcome, what: str, call: Callable[[str], None], resource_id: str) -> bool:
    try:
        await asyncio.to_thread(call, resource_id)
        return True
    except Exception as exc:  # noqa: BLE001 - recorded and reported, never raised over the run's error
        outcome.cleanup_errors.append(f"{what}: {exc}")
        return False
