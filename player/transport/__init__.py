"""Room transports: the interface the scheduler talks to (`base`) and its Daily binding
(`daily`, daily-python's CallClient bridged into asyncio).

Importing this package does not load daily-python: DailyTransport loads it on first join. The
local replica's rooms are reached with the same DailyTransport through player.simulator.
"""

from __future__ import annotations

from .base import APP_MESSAGE, REPLICA_JOINED, REPLICA_LEFT, ROOM_ERROR, Microphone, RoomEvent, Transport, error_of
from .daily import DailyTransport, init_daily, summarize_daily_error

__all__ = [
    "Transport",
    "Microphone",
    "RoomEvent",
    "REPLICA_JOINED",
    "REPLICA_LEFT",
    "ROOM_ERROR",
    "APP_MESSAGE",
    "DailyTransport",
    "init_daily",
    "error_of",
    "summarize_daily_error",
]
