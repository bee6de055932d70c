"""The wiring of a local run: the fake Tavus API, the replica's rooms, and the Daily transport
bound to those rooms through the daily-python look-alike.

One implementation of the bridge, two rooms: what runs against the local replica is exactly
the code that runs against Daily, down to threads, completions and queuing before the join.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, cast

from ..playback import Backend
from ..tavus import ApiVocabulary, Ledger, TavusClient, TavusSettings
from ..transport.daily import DailyTransport
from .daily import FakeDaily
from .replica import RoomRegistry, RoomSettings
from .tavus_api import STOCK_REPLICAS, FakeTavus

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["local_transport", "local_backend", "local_room_settings", "MAX_CONVERSATIONS"]

# Live conversations the fake Tavus API allows at once: a Tavus account's usual limit, so a
# local run refuses what a real one would. Raise it to rehearse many playbacks in one process.
MAX_CONVERSATIONS = 10


def local_transport(
    registry: RoomRegistry,
    *,
    join_timeout: float = 10.0,
    microphone_piece: float = 0.02,
    replica_name: str | None = None,
    daily: FakeDaily | None = None,
) -> DailyTransport:
    """A transport that joins the registry's rooms (URLs from RoomRegistry.open_room). Transports
    sharing `daily` share its core thread, as every CallClient of a process shares daily-core's;
    without it, each has a daily-core context of its own."""
    return DailyTransport(
        daily or FakeDaily(registry), join_timeout=join_timeout, microphone_piece=microphone_piece, replica_name=replica_name
    )


@contextlib.contextmanager
def local_backend(
    *,
    api: str | None = None,
    room_settings: RoomSettings | None = None,
    replicas: Iterable[str] = (),
    scenario: "Scenario | None" = None,
    max_conversations: int = MAX_CONVERSATIONS,
) -> Iterator[Backend]:
    """The fake Tavus server on an ephemeral loopback port, whose conversations open local
    rooms, and transports that reach those rooms through the daily-compatible fake. `replicas`
    are ids to render besides the stock ones: a rehearsal of your own replica's script works.
    With a `scenario`, the rooms take its settings and render the replicas it names.
    `max_conversations` live at once (more are refused with Tavus's concurrency error)."""
    if max_conversations < 1:
        raise ValueError(f"max_conversations must be at least 1, got {max_conversations}")
    if scenario is not None:
        room_settings = room_settings or local_room_settings(scenario)
        replicas = [*replicas, *_scenario_replicas(scenario)]

    # A room that ends by itself (participant_left_timeout) ends its conversation on the server.
    server_box: list[FakeTavus] = []
    rooms = RoomRegistry(room_settings, on_ended=lambda cid: server_box[0].end(cid) if server_box else None)
    stock = list(STOCK_REPLICAS)
    known = {r["replica_id"] for r in stock}
    stock += [{"replica_id": r, "replica_name": r, "status": "completed", "replica_type": "user"} for r in sorted(set(replicas) - known)]
    # One daily-core context for every transport of this backend, as in a real process: a core
    # thread per transport made 100 playbacks 100 threads (issue 13).
    daily = FakeDaily(rooms)
    try:
        with FakeTavus(rooms=rooms, replicas=stock, max_concurrent=max_conversations) as server:
            server_box.append(server)
            vocabulary = cast(ApiVocabulary, api or "personas")  # checked by the CLI's option choices
            settings = TavusSettings(api_key=server.api_key, base_url=server.base_url, api=vocabulary)
            # The fake server's state dies with this process: nothing for `cleanup` to remember.
            with TavusClient(settings, ledger=Ledger(None)) as client:
                yield Backend(
                    client=client,
                    transport=lambda **kw: local_transport(rooms, daily=daily, **kw),
                    rooms=rooms,
                    server=server,
                    default_replica_id=next(iter(server.state.replicas)),
                )
    finally:
        daily.Daily.deinit()  # type: ignore[attr-defined]  # its core thread ends (a class made per FakeDaily)


def _scenario_replicas(scenario: "Scenario") -> set[str]:
    conv = scenario.conversation
    names = {conv.replica_id, conv.persona.replica_id if conv.persona else None, os.environ.get("TAVUS_REPLICA_ID")}
    return {name for name in names if name}


def local_room_settings(scenario: "Scenario") -> RoomSettings:
    """The local replica speaks at the rate the scenario estimates with, and accepts the
    message size it declares, so a local run checks what the plan promised."""
    from ..scenario import Play, Say

    limits = [s.max_message_bytes for s in scenario.steps if isinstance(s, (Say, Play))]
    return RoomSettings(
        words_per_minute=scenario.defaults.words_per_minute,
        max_message_bytes=max([scenario.defaults.max_message_bytes, *limits]),
    )
