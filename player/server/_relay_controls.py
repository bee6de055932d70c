"""The controller of `serve` without a scenario: there is no plan, only the room.

`say` and `interrupt` go into the room through the relay, `quit` ends the relay (and with it
the conversation it created); the plan's operations are refused. It publishes what the page
shows: the messages relayed and the room's events, as the playback controller does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from .. import protocol
from ..errors import ControlRefused
from ..transport.base import RoomEvent
from ._relay import Relay

__all__ = ["RelayControls"]

_NO_PLAN = "no scenario is playing: `serve` without one only relays (say, interrupt and quit work)"


class RelayControls:
    def __init__(self, relay: Relay) -> None:
        self._relay = relay
        self.stopped = asyncio.Event()  # set by quit: the relay ends
        self.state = "joining"
        self._started = time.monotonic()
        self._queues: list[asyncio.Queue[dict[str, Any]]] = []
        relay.on_sent = self._sent

    # -- what the page and the API read ---------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "step": 0,
            "steps": 0,
            "current": None,
            "next": None,
            "elapsed": round(time.monotonic() - self._started, 3),
            "estimated_total": None,
            "remaining": None,
            "countdown": None,
            "countdown_to": None,
            "conversation_id": self._relay.conversation_id,
            "relay_only": True,
        }

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        if queue in self._queues:
            self._queues.remove(queue)

    def publish(self, item: dict[str, Any]) -> None:
        for queue in self._queues:
            queue.put_nowait(item)

    def set_state(self, state: str) -> None:
        self.state = state
        self.publish({"kind": "state", "state": state})

    def room_event(self, event: RoomEvent) -> None:
        self.publish({"kind": "event", "event_type": event.event_type, "inference_id": event.inference_id, "error": event.error})

    def _sent(self, message: Mapping[str, Any]) -> None:
        props = message.get("properties")
        text = props.get("text") if isinstance(props, Mapping) else None
        self.publish({"kind": "message", "event_type": protocol.event_type_of(message), "text": text, "via": "relay"})

    # -- operations -------------------------------------------------------------------------

    def _room(self) -> str:
        if not self._relay.connected or self._relay.conversation_id is None:
            raise ControlRefused("not connected to a room")
        return self._relay.conversation_id

    def say(self, text: str) -> None:
        cid = self._room()
        self._relay.send(protocol.echo_text(cid, text, protocol.new_inference_id(), True))

    def interrupt(self) -> None:
        self._relay.send(protocol.interrupt(self._room()))

    def quit(self) -> None:
        self.stopped.set()

    def pause(self) -> None:
        raise ControlRefused(_NO_PLAN)

    resume = toggle_pause = step = next = skip = pause

    def jump(self, step_id: str) -> None:
        raise ControlRefused(_NO_PLAN)
