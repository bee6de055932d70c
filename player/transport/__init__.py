"""Room transports: the interface the scheduler talks to, and its Daily and local bindings.

Importing this package loads neither daily-python (DailyTransport loads it on first join) nor
the local simulator (on first use of local_transport).
"""

from __future__ import annotations

from typing import Any

from .base import REPLICA_JOINED, REPLICA_LEFT, ROOM_ERROR, Microphone, RoomEvent, Transport, error_of
from .daily import DailyTransport, init_daily, summarize_daily_error

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


def __getattr__(name: str) -> Any:
    # The local simulator (fakedaily, replica, room) loads only for a local run, not with Daily.
    if name == "local_transport":
        from .local import local_transport

        return local_transport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
