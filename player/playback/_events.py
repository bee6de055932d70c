"""The event pump: reads the room's events once, keeps their history, and wakes whoever waits.

The scheduler asks two kinds of question: "has X happened since t?" and "wait until X happens,
up to a deadline". Keeping the history answers the first without racing the pump, so an event
that arrives a moment before its `wait_for` starts is not lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .. import protocol
from ..errors import PlaybackError
from ..transport.base import REPLICA_JOINED, REPLICA_LEFT, ROOM_ERROR, RoomEvent, error_of
from ._runlog import RunLog

__all__ = ["EventPump", "Predicate", "on_event_logger"]

Predicate = Callable[[RoomEvent], bool]


class EventPump:
    def __init__(self, queue: "asyncio.Queue[RoomEvent]", on_event: Callable[[RoomEvent], None]) -> None:
        self._queue = queue
        self._on_event = on_event
        self.history: list[RoomEvent] = []
        self._waiters: list[tuple[Predicate, asyncio.Future[RoomEvent]]] = []
        self.replica_present = False
        self.speaking: set[str | None] = set()  # inference ids the replica is speaking now
        self.failure: PlaybackError | None = None
        self._on_failure: Callable[[PlaybackError], None] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, on_failure: Callable[[PlaybackError], None]) -> None:
        self._on_failure = on_failure
        self._task = asyncio.get_running_loop().create_task(self._run(), name="event-pump")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            self._absorb(event)

    def _absorb(self, event: RoomEvent) -> None:
        self.history.append(event)
        kind = event.event_type
        if kind == REPLICA_JOINED:
            self.replica_present = True
        elif kind == REPLICA_LEFT:
            self.replica_present = False
        elif kind == protocol.STARTED_SPEAKING:
            self.speaking.add(event.inference_id)
        elif kind == protocol.STOPPED_SPEAKING:
            self.speaking.discard(event.inference_id)
            if event.inference_id is None:
                self.speaking.clear()
        self._on_event(event)
        if kind == ROOM_ERROR and self.failure is None:
            self.failure = error_of(event)
            if self._on_failure is not None:
                self._on_failure(self.failure)
        for waiter in list(self._waiters):
            predicate, future = waiter
            if not future.done() and predicate(event):
                future.set_result(event)
                self._waiters.remove(waiter)

    def seen(self, predicate: Predicate, since: float) -> RoomEvent | None:
        for event in self.history:
            if event.t >= since and predicate(event):
                return event
        return None

    async def wait(self, predicate: Predicate, *, since: float, deadline: float) -> RoomEvent | None:
        """The first matching event at or after `since`, or None once `deadline` passes."""
        found = self.seen(predicate, since)
        if found is not None:
            return found
        loop = asyncio.get_running_loop()
        future: asyncio.Future[RoomEvent] = loop.create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout=max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            return None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)


def on_event_logger(log: RunLog, then: Callable[[RoomEvent, dict[str, Any]], None] | None = None) -> Callable[[RoomEvent], None]:
    """Writes every room event to the run log as `{"kind": "event", ...}`, then hands it on
    (the controller's feed) with the fields written."""

    def write(event: RoomEvent) -> None:
        fields: dict[str, Any] = {"t": log.since_origin(event.t), "event_type": event.event_type}
        if event.inference_id:
            fields["inference_id"] = event.inference_id
        for key in ("duration", "interrupted"):
            if key in event.properties:
                fields[key] = event.properties[key]
        if event.error:
            fields["error"] = event.error
        log.write("event", **fields)
        if then is not None:
            then(event, fields)

    return write
