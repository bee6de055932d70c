"""The event pump: reads the room's events once, keeps their history, and wakes whoever waits.

The scheduler asks two kinds of question: "has X happened since t?" and "wait until X happens,
up to a deadline". Keeping the history answers the first without racing the pump, so an event
that arrives a moment before its `wait_for` starts is not lost. The history reaches back only as
far as anyone can still ask (`forget_before`, moved on by the scheduler at every step): kept
whole, 100 playbacks in one process held ~20,000 events whose dicts every full GC pass walked.

Order: Tavus's events carry a globally monotonic `seq` "to reconcile events that may arrive out
of order over the data channel". Events that are waiting together are taken in `seq` order
(events without one keep their place in arrival order), a late one is filed in the history
before the later-numbered events already there, and a started_speaking numbered before its
utterance's stopped_speaking does not count the replica as speaking again.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from .. import protocol
from ..errors import PlaybackError
from ..transport.base import APP_MESSAGE, REPLICA_JOINED, REPLICA_LEFT, ROOM_ERROR, RoomEvent, error_of
from ._runlog import RunLog

__all__ = ["EventPump", "Predicate", "on_event_logger"]

Predicate = Callable[[RoomEvent], bool]


class EventPump:
    def __init__(self, queue: "asyncio.Queue[RoomEvent]", on_event: Callable[[RoomEvent], None]) -> None:
        self._queue = queue
        self._on_event = on_event
        self.history: deque[RoomEvent] = deque()  # in seq order, from the horizon on
        self._waiters: list[tuple[Predicate, asyncio.Future[RoomEvent]]] = []
        self.replica_present = False
        self.speaking: set[str | None] = set()  # inference ids the replica is speaking now
        self.silent_since: float | None = None  # when the replica last fell silent (None: speaking)
        self._stopped_seq: dict[str | None, int] = {}  # inference id -> seq of its stopped_speaking
        self.failure: PlaybackError | None = None
        self._on_failure: Callable[[PlaybackError], None] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, on_failure: Callable[[PlaybackError], None]) -> None:
        self._on_failure = on_failure
        loop = asyncio.get_running_loop()
        self.silent_since = loop.time() if not self.speaking else None
        self._task = loop.create_task(self._run(), name="event-pump")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            for event in in_seq_order(batch):
                self._absorb(event)

    def _file(self, event: RoomEvent) -> None:
        """Into the history, before the events already there with a higher `seq` (searched
        from the end: a late event is rare and recent, so filing stays O(1) per event)."""
        at = len(self.history)
        if event.seq is not None:
            i = at - 1
            while i >= 0:
                earlier = self.history[i].seq
                if earlier is not None:
                    if earlier < event.seq:
                        break
                    at = i  # a higher seq: this event goes before it
                i -= 1
        self.history.insert(at, event)

    def _absorb(self, event: RoomEvent) -> None:
        self._file(event)
        kind = event.event_type
        if kind == REPLICA_JOINED:
            self.replica_present = True
        elif kind == REPLICA_LEFT:
            self.replica_present = False
        elif kind == protocol.STARTED_SPEAKING:
            stopped = self._stopped_seq.get(event.inference_id)
            if stopped is None or event.seq is None or event.seq > stopped:  # not a late start
                self.speaking.add(event.inference_id)
                self.silent_since = None
        elif kind == protocol.STOPPED_SPEAKING:
            if event.seq is not None:
                self._stopped_seq[event.inference_id] = event.seq
            self.speaking.discard(event.inference_id)
            if event.inference_id is None:
                self.speaking.clear()
            if not self.speaking and self.silent_since is None:
                self.silent_since = event.t
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

    def forget_before(self, t: float) -> None:
        """Nobody will ask about events before `t` any more: drop them from the history (from
        the front, up to the first one at or after `t`; a late-filed event may keep a few more)."""
        history = self.history
        while history and history[0].t < t:
            history.popleft()

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


def in_seq_order(batch: list[RoomEvent]) -> list[RoomEvent]:
    """The events with a `seq` sorted by it, in the places such events held; the others stay."""
    numbered = sorted((e for e in batch if e.seq is not None), key=lambda e: e.seq or 0)
    if len(numbered) < 2:
        return batch
    it = iter(numbered)
    return [next(it) if e.seq is not None else e for e in batch]


_OWN = frozenset({"kind", "t", "event_type", "message_type", "properties"})


def event_fields(event: RoomEvent) -> dict[str, Any]:
    """Every field the event carried: the envelope's (seq, turn_idx, timestamp, inference_id,
    ...) and its properties' (speech, role, duration, interrupted, ...) side by side; a property
    whose name the record already uses stays under `properties`."""
    fields: dict[str, Any] = {"event_type": event.event_type}
    message = event.message or {}
    for key, value in message.items():
        if key not in _OWN:
            fields[key] = value
    if event.inference_id and "inference_id" not in fields:  # the legacy place, in properties
        fields["inference_id"] = event.inference_id
    clashing: dict[str, Any] = {}
    for key, value in event.properties.items():
        if key in _OWN or (key in fields and fields[key] != value):
            clashing[key] = value
        else:
            fields[key] = value
    if clashing:
        fields["properties"] = clashing
    return fields


def on_event_logger(
    log: RunLog,
    then: Callable[[RoomEvent, dict[str, Any]], None] | None = None,
    wanted: Callable[[], bool] | None = None,
) -> Callable[[RoomEvent], None]:
    """Writes every room event to the run log: `{"kind": "event", ...}` with every field it
    carried, and app messages that are not protocol events as `{"kind": "app_message", ...}`
    (the seed's handler prints every message; so does the log). Then hands each event on (the
    controller's feed) with the fields written. `wanted()` False: `then` takes nothing now, and
    a log to nowhere needs no record built."""

    def write(event: RoomEvent) -> None:
        if not log.writing and (then is None or (wanted is not None and not wanted())):
            return
        t = log.since_origin(event.t)
        if event.event_type == APP_MESSAGE:
            log.write("app_message", t=t, sender=event.sender, message=event.message)
            return
        fields: dict[str, Any] = {"t": t, **event_fields(event)}
        if event.participant is not None:
            info = event.participant.get("info") or {}
            fields["participant"] = {"id": event.participant.get("id"), "userName": info.get("userName")}
        if event.error:
            fields["error"] = event.error
        log.write("event", **fields)
        if then is not None:
            then(event, fields)

    return write
