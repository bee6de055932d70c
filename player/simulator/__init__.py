"""The embedded default: a local stand-in for Tavus and Daily, faithful to their documentation.

- `tavus_api/`: a fake Tavus REST API, a real HTTP server on 127.0.0.1 with the same shapes,
  status codes and `test_mode`, plus fault injection for tests.
- `daily/`: a daily-python look-alike (same signatures, threads and completions) that joins
  local rooms, so a local run goes through exactly the Daily code path of player.transport.
- `replica/`: the rooms and the simulated replica, which checks every message against the
  protocol, speaks for the audio's length, emits the documented events and honours interrupts.
- `_wiring`: puts them together as a playback Backend.

It may import the core; the core reaches it only through player.playback.local_backend.
"""

from __future__ import annotations

from ._wiring import local_backend, local_room_settings, local_transport
from .daily import FakeDaily
from .replica import LocalRoom, Replica, RoomRegistry, RoomSettings
from .tavus_api import STOCK_REPLICAS, FakeTavus

__all__ = [
    "local_backend",
    "local_room_settings",
    "local_transport",
    "FakeTavus",
    "STOCK_REPLICAS",
    "FakeDaily",
    "RoomRegistry",
    "RoomSettings",
    "LocalRoom",
    "Replica",
]
