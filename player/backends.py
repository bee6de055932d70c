"""Where a playback happens: the real Tavus API and Daily, or the built-in local replica.

Both give the session the same two things: a TavusClient (the local one talks to the fake Tavus
server on 127.0.0.1 over a real socket) and a factory of room transports. The session cannot
tell them apart except through `local` and `underruns`.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:
    from .local.room import RoomSettings
    from .local.rooms import RoomRegistry
    from .local.tavus_server import FakeTavus
    from .model import Scenario
    from .tavus import TavusClient
    from .transport.base import Transport

__all__ = ["Backend", "tavus_backend", "local_backend", "local_room_settings", "open_backend"]


@dataclass
class Backend:
    client: "TavusClient"
    transport: Callable[[], "Transport"]
    rooms: "RoomRegistry | None" = None  # local only: the replica's rooms
    server: "FakeTavus | None" = None  # local only: the fake Tavus API the client talks to
    default_replica_id: str | None = None  # used when the scenario names no replica

    @property
    def local(self) -> bool:
        return self.rooms is not None

    def underruns(self, conversation_id: str | None) -> int | None:
        """How often the local replica's audio buffer ran dry; None on Daily."""
        room = self.rooms.find(conversation_id) if self.rooms is not None and conversation_id else None
        return room.underruns if room is not None else None


@contextlib.contextmanager
def tavus_backend(*, api_key_file: str | None = None, api: str | None = None) -> Iterator[Backend]:
    from .tavus import TavusClient, TavusSettings
    from .transport.daily import DailyTransport

    with TavusClient(TavusSettings.from_env(api_key_file=api_key_file, api=api)) as client:
        replica = os.environ.get("TAVUS_REPLICA_ID") or None
        yield Backend(client=client, transport=DailyTransport, default_replica_id=replica)


@contextlib.contextmanager
def local_backend(
    *, api: str | None = None, room_settings: "RoomSettings | None" = None, replicas: Iterable[str] = ()
) -> Iterator[Backend]:
    """The fake Tavus server on an ephemeral loopback port, whose conversations open local
    rooms, and transports that reach those rooms through the daily-compatible fake. `replicas`
    are ids to render besides the stock ones: a rehearsal of your own replica's script works."""
    from .local.rooms import RoomRegistry
    from .local.tavus_server import STOCK_REPLICAS, FakeTavus
    from .tavus import Ledger, TavusClient, TavusSettings
    from .transport.local import local_transport

    # A room that ends by itself (participant_left_timeout) ends its conversation on the server.
    server_box: list[FakeTavus] = []
    rooms = RoomRegistry(room_settings, on_ended=lambda cid: server_box[0].end(cid) if server_box else None)
    stock = list(STOCK_REPLICAS)
    known = {r["replica_id"] for r in stock}
    stock += [{"replica_id": r, "replica_name": r, "status": "completed", "replica_type": "user"}
              for r in sorted(set(replicas) - known)]
    with FakeTavus(rooms=rooms, replicas=stock) as server:
        server_box.append(server)
        settings = TavusSettings(api_key=server.api_key, base_url=server.base_url, api=api or "personas")
        # The fake server's state dies with this process: nothing for `cleanup` to remember.
        with TavusClient(settings, ledger=Ledger(None)) as client:
            yield Backend(client=client, transport=lambda: local_transport(rooms), rooms=rooms,
                          server=server, default_replica_id=next(iter(server.state.replicas)))


def _scenario_replicas(scenario: "Scenario") -> set[str]:
    conv = scenario.conversation
    names = {conv.replica_id, conv.persona.replica_id if conv.persona else None, os.environ.get("TAVUS_REPLICA_ID")}
    return {name for name in names if name}


def local_room_settings(scenario: "Scenario") -> "RoomSettings":
    """The local replica speaks at the rate the scenario estimates with, and accepts the
    message size it declares, so a local run checks what the plan promised."""
    from .local.room import RoomSettings
    from .model import Play, Say

    limits = [s.max_message_bytes for s in scenario.steps if isinstance(s, (Say, Play))]
    return RoomSettings(
        words_per_minute=scenario.defaults.words_per_minute,
        max_message_bytes=max([scenario.defaults.max_message_bytes, *limits]),
    )


def open_backend(
    *, local: bool, scenario: "Scenario | None" = None, api_key_file: str | None = None, api: str | None = None
) -> contextlib.AbstractContextManager[Backend]:
    if local:
        if scenario is None:
            return local_backend(api=api)
        return local_backend(api=api, room_settings=local_room_settings(scenario), replicas=_scenario_replicas(scenario))
    return tavus_backend(api_key_file=api_key_file, api=api)
