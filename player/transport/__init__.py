"""Room transports: the interface the scheduler talks to, and its Daily and local bindings.

Importing this package does not load daily-python; DailyTransport loads it on first join.
"""

from __future__ import annotations

from .base import REPLICA_JOINED, REPLICA_LEFT, ROOM_ERROR, Microphone, RoomEvent, Transport
from .daily import DailyTransport, error_of, init_daily, summarize_daily_error
from .local import local_transport

__all__ = [
    "Transport",
    "Microphone",
    "RoomEvent",
    "REPLICA_JOINED",
    "REPLICA_LEFT",
    "ROOM_ERROR",
    "DailyTransport",
    "local_transport",
    "init_daily",
    "error_of",
    "summarize_daily_error",
]
