"""A fake Tavus REST API on 127.0.0.1: the same paths, shapes and status codes, `test_mode`,
and injectable faults (latency, drops, 429, 5xx, concurrency limits, lost responses)."""

from __future__ import annotations

from ._faults import Fault, Faults
from ._server import CONCURRENCY_MESSAGE, FakeTavus, RoomProvider
from ._state import STOCK_REPLICAS, FakeState, HttpError

__all__ = ["FakeTavus", "FakeState", "Fault", "Faults", "RoomProvider", "STOCK_REPLICAS", "CONCURRENCY_MESSAGE", "HttpError"]
