"""Where a playback happens: the real Tavus API and Daily, or the built-in local replica.

Both give the session the same two things: a TavusClient (the local one talks to the fake Tavus
server on 127.0.0.1 over a real socket) and a factory of room transports. The session cannot
tell them apart except through `local` and `room_report`.

`local_backend` is the core's one way into the simulator (player.simulator): a lazy import, so
a run on Tavus never loads it, and nothing else in the core names it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..tavus import TavusClient
    from ..transport import Transport

__all__ = ["Backend", "RoomReport", "tavus_backend", "local_backend", "open_backend"]


class LocalRooms(Protocol):
    """What the core asks of the simulator's rooms: the room of a conversation, if any."""

    def find(self, conversation_id: str) -> Any: ...


@dataclass
class Backend:
    client: "TavusClient"
    transport: Callable[..., "Transport"]  # called with replica_name=<the persona's name>
    rooms: LocalRooms | None = None  # local only: the replica's rooms
    server: Any = None  # local only: the fake Tavus API the client talks to (player.simulator.FakeTavus)
    default_replica_id: str | None = None  # used when the scenario names no replica

    @property
    def local(self) -> bool:
        return self.rooms is not None

    def room_report(self, conversation_id: str | None) -> RoomReport | None:
        """What the local replica's room says of a conversation, in one read (None on Daily)."""
        room = self.rooms.find(conversation_id) if self.rooms is not None and conversation_id else None
        if room is None:
            return None
        notes = [{"event_type": n.event_type, "field": n.field, "value": n.value, "message": n.message} for _, n in room.notes]
        return RoomReport(underruns=room.underruns, underrun_times=list(room.underrun_times), nonstandard=notes)


@dataclass(frozen=True)
class RoomReport:
    """A local room's account of a run: how often the replica's audio buffer ran dry and when
    (time.monotonic, the event loop's clock), and what it accepted off the documented schema."""

    underruns: int
    underrun_times: list[float]
    nonstandard: list[dict[str, Any]]  # field, value, why (and the event type)


@contextlib.contextmanager
def tavus_backend(*, api_key_file: str | None = None, api: str | None = None) -> Iterator[Backend]:
    from ..tavus import TavusClient, TavusSettings
    from ..transport.daily import DailyTransport

    with TavusClient(TavusSettings.from_env(api_key_file=api_key_file, api=api)) as client:
        replica = os.environ.get("TAVUS_REPLICA_ID") or None
        yield Backend(client=client, transport=DailyTransport, default_replica_id=replica)


def local_backend(**options: Any) -> contextlib.AbstractContextManager[Backend]:
    """The embedded default: the fake Tavus API and the simulated replica (see
    player.simulator.local_backend for the options). The one place the core reaches it."""
    from .. import simulator

    return simulator.local_backend(**options)


def open_backend(
    *,
    local: bool,
    scenario: "Scenario | None" = None,
    api_key_file: str | None = None,
    api: str | None = None,
    local_max_conversations: int | None = None,  # None: the simulator's default (10)
) -> contextlib.AbstractContextManager[Backend]:
    if local:
        extra = {} if local_max_conversations is None else {"max_conversations": local_max_conversations}
        return local_backend(api=api, scenario=scenario, **extra)
    return tavus_backend(api_key_file=api_key_file, api=api)
