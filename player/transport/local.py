"""The local transport: the Daily transport, bound to local rooms through fakedaily.

One implementation of the bridge, two rooms: what runs against the local replica is exactly
the code that runs against Daily, down to threads, completions and queuing before the join.
"""

from __future__ import annotations

from player.local.fakedaily import FakeDaily
from player.local.rooms import RoomRegistry

from .daily import DailyTransport

__all__ = ["local_transport"]


def local_transport(
    registry: RoomRegistry,
    *,
    join_timeout: float = 10.0,
    microphone_piece: float = 0.02,
    replica_name: str | None = None,
) -> DailyTransport:
    """A transport that joins the registry's rooms (URLs from RoomRegistry.open_room)."""
    return DailyTransport(
        FakeDaily(registry), join_timeout=join_timeout, microphone_piece=microphone_piece, replica_name=replica_name
    )
