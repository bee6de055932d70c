"""The replica's outbound events, shaped as the 2026 Tavus event-schema pages show them.

Every event carries the envelope fields the Interactions overview documents: `seq` (globally
monotonic), `timestamp` (Unix seconds) and `turn_idx`; `inference_id` sits at the envelope, not
in `properties` (the legacy place, which the player still reads). Sources and what stays
unverified: shared/reference/tavus-echo.md and the notes of issue 12.

`turn_idx` counts the replica's turns here: Tavus increments it per `conversation.respond`,
which echo mode never sends, so the real value in echo mode is unknown; nothing keys on it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from ... import protocol

__all__ = ["EventStream"]


class EventStream:
    """Numbers and sends the replica's events; `send` gets each finished message."""

    def __init__(self, conversation_id: str, send: Callable[[dict[str, Any]], None]) -> None:
        self.conversation_id = conversation_id
        self._send = send
        self._seq = itertools.count(1)
        self.turn_idx = 0

    def next_turn(self) -> None:
        self.turn_idx += 1

    def emit(self, event_type: str, *, inference_id: str | None = None, properties: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {
            "message_type": protocol.MESSAGE_TYPE,
            "event_type": event_type,
            "conversation_id": self.conversation_id,
            "seq": next(self._seq),
            "turn_idx": self.turn_idx,
            "timestamp": round(time.time(), 3),
        }
        if inference_id is not None:
            message["inference_id"] = inference_id
        if properties:  # "Omitted when empty" (started_speaking has none)
            message["properties"] = properties
        self._send(message)

    # -- one replica turn ------------------------------------------------------------------
    def started(self, inference_id: str, *, speech: str | None) -> None:
        """A turn begins: the utterance (the full text, sent as it starts, per the 2026 pages),
        then the replica's and the role-agnostic started_speaking."""
        if speech is not None:
            self.emit(protocol.UTTERANCE, inference_id=inference_id, properties={"role": "replica", "speech": speech})
        self.emit(protocol.STARTED_SPEAKING, inference_id=inference_id)
        self.emit(protocol.ROLE_STARTED_SPEAKING, inference_id=inference_id, properties={"role": "replica"})

    def streaming(self, inference_id: str, speech: str, content_index: int, *, final: bool, interrupted: bool = False) -> None:
        props: dict[str, Any] = {"role": "replica", "speech": speech, "content_index": content_index, "final": final}
        if interrupted:
            props["is_interrupted"] = True
        self.emit(protocol.UTTERANCE_STREAMING, inference_id=inference_id, properties=props)

    def stopped(self, inference_id: str, duration: float, *, interrupted: bool) -> None:
        """The replica's and the role-agnostic stopped_speaking; after a cut, replica_interrupted."""
        seconds = round(duration, 3)
        self.emit(protocol.STOPPED_SPEAKING, inference_id=inference_id, properties={"duration": seconds, "interrupted": interrupted})
        self.emit(
            protocol.ROLE_STOPPED_SPEAKING,
            inference_id=inference_id,
            properties={"role": "replica", "interrupted": interrupted, "duration": seconds},
        )
        if interrupted:
            self.emit(protocol.REPLICA_INTERRUPTED, inference_id=inference_id)
