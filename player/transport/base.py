"""The room transport interface: what the scheduler needs from a Daily room, real or local.

Two implementations share it: DailyTransport (daily-python's CallClient) and the local replica's
room, reached through an object with daily-python's exact call signatures and threading. The
scheduler only ever sees this interface and RoomEvents in the loop's clock.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import EchoPlayerError, PlaybackError, ProtocolViolation

__all__ = ["RoomEvent", "Transport", "Microphone", "ROOM_ERROR", "REPLICA_JOINED", "REPLICA_LEFT", "APP_MESSAGE", "error_of"]

# Pseudo event types for what is not a Tavus app message.
REPLICA_JOINED = "replica.joined"  # the replica participant is in the room
REPLICA_LEFT = "replica.left"
ROOM_ERROR = "room.error"  # a send failed, or the room reported a fatal error: fails the run
APP_MESSAGE = "app.message"  # an app message that is not an interactions-protocol event


# Not frozen (read-only by convention): a frozen dataclass of ten fields took ~4 us to make, and
# a run at 100 playbacks makes 42,000 of these on the loop (issue 13).
@dataclass(slots=True)
class RoomEvent:
    t: float  # time.monotonic() when it reached the transport (the asyncio loop's clock)
    event_type: str  # Tavus event_type, or one of the pseudo types above
    inference_id: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    message: Mapping[str, Any] | None = None  # the raw app message, when it was one
    participant: Mapping[str, Any] | None = None  # for replica.joined / replica.left
    error: str | None = None  # for room.error
    cause: EchoPlayerError | None = None  # for room.error: the typed failure, when there is one
    seq: int | None = None  # the event's globally monotonic `seq` (2026 envelope), if it has one
    sender: str | None = None  # the participant id an app message came from


def error_of(event: RoomEvent) -> PlaybackError:
    """The exception a ROOM_ERROR event stands for: ProtocolViolation when the local replica
    refused a message, else PlaybackError."""
    if isinstance(event.cause, ProtocolViolation):
        return ProtocolViolation(f"the replica refused a message: {event.cause}")
    if isinstance(event.cause, PlaybackError):
        return event.cause
    return PlaybackError(f"room error: {event.error or 'unknown room error'}")


class Microphone(abc.ABC):
    """A custom audio track published as the room microphone (microphone echo)."""

    sample_rate: int

    @abc.abstractmethod
    async def write(self, pcm: bytes) -> None:
        """Write s16le mono PCM; returns when the source has taken it (real-time paced)."""


class Transport(abc.ABC):
    """Lifecycle: join -> wait_for_replica -> send/open_microphone ... -> close (always)."""

    events: "asyncio.Queue[RoomEvent]"

    @abc.abstractmethod
    async def join(self, url: str, *, meeting_token: str | None = None, user_name: str = "echo-player") -> None:
        """Join the room; raises player.errors.JoinError on failure."""

    @abc.abstractmethod
    async def wait_for_replica(self, timeout: float) -> RoomEvent:
        """The replica.joined event (at once if it is already in); JoinError after timeout."""

    @abc.abstractmethod
    def send(self, message: Mapping[str, Any]) -> None:
        """Hand an app message over without waiting for delivery (queued until joined). A
        failed delivery arrives later as a ROOM_ERROR event."""

    @abc.abstractmethod
    async def open_microphone(self, sample_rate: int, *, track: str = "microphone") -> Microphone:
        """Publish a custom audio track for microphone echo: as the room microphone
        (`microphone`), or as a custom track of that name (e.g. `stream`)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Leave and release. Idempotent, safe after a failed join, never raises."""
