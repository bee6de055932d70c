"""Waiting for the replica to finish speaking: `wait: speech`, and the end of a run.

The replica's stopped_speaking is matched by inference_id when it carries one (else an id-less
one); when none arrives, the estimate plus a margin stands in. The utterance sent last is owed
until it ends, so a run never ends the conversation over the replica's last words. A new
utterance supersedes the one before it: the replica (Tavus's as the local one) stops speaking
it, or drops it unspoken if it was still in TTS, so nothing more is owed for it and the end of
a run waits once, with one overall bound, not a margin per superseded utterance.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from typing import Any

from .. import protocol
from ..plan import SPEECH_MARGIN, speech_seconds
from ..transport import RoomEvent
from ._events import EventPump

__all__ = ["SpeechTracker"]


class SpeechTracker:
    def __init__(self, pump: EventPump, *, words_per_minute: float, notice: Callable[[str], None]) -> None:
        self._pump = pump
        self._wpm = words_per_minute
        self._notice = notice
        self._loop = asyncio.get_running_loop()
        # Utterances sent and not yet heard to the end: inference_id -> (sent, expected end).
        # At most one: a new utterance supersedes (interrupts) the one before it.
        self._owed: dict[str, tuple[float, float]] = {}

    def owe(self, inference_id: str, since: float, expected_end: float) -> None:
        self._supersede(inference_id)
        self._owed[inference_id] = (since, expected_end)

    def _supersede(self, inference_id: str) -> None:
        """Another utterance now speaks: the replica stops (or drops) every earlier one."""
        for other in [i for i in self._owed if i != inference_id]:
            del self._owed[other]

    def owe_raw_echo(self, message: Mapping[str, Any]) -> None:
        """A `send` of an echo is owed too, estimated from its text or audio."""
        props = message.get("properties")
        inference_id = protocol.inference_id_of(message)
        if message.get("event_type") != protocol.ECHO or not isinstance(props, Mapping) or inference_id is None:
            return
        if isinstance(props.get("text"), str):
            seconds = speech_seconds(props["text"], self._wpm)
        else:
            audio, rate = props.get("audio"), props.get("sample_rate") or 16000
            seconds = len(audio) * 3 / 4 / 2 / rate if isinstance(audio, str) and isinstance(rate, int) else 0.0
        now = self._loop.time()
        since, end = self._owed.get(inference_id, (now, now))
        self._supersede(inference_id)
        self._owed[inference_id] = (since, end + seconds)

    def oldest_since(self, default: float) -> float:
        """The earliest `since` an owed utterance's wait will look back to (else `default`)."""
        for since, _ in self._owed.values():  # at most one (called on every step)
            default = min(default, since)
        return default

    def owes_any(self) -> bool:
        """Whether an utterance sent is not known to have ended."""
        return bool(self._owed)

    def forget_all(self) -> None:
        """An interrupt: the replica stops, nothing more to wait for."""
        self._owed.clear()

    async def utterance_end(self, label: str, inference_id: str, since: float, expected_end: float) -> float:
        """When the replica stopped speaking this utterance (or the estimate plus a margin)."""
        event = await self._pump.wait(
            lambda e: e.event_type == protocol.STOPPED_SPEAKING and e.inference_id in (None, inference_id),
            since=since,
            deadline=expected_end + SPEECH_MARGIN,
        )
        self._owed.pop(inference_id, None)
        if event is not None:
            return event.t
        self._notice(f"step {label}: no stopped_speaking from the replica; continued after the estimate")
        return expected_end + SPEECH_MARGIN

    async def silence(self, label: str | None = None, *, deadline: float | None = None) -> float:
        """Microphone echo has no inference ids: when the replica speaks no more."""
        now = self._loop.time()
        if not self._pump.speaking:
            return now
        limit = now + SPEECH_MARGIN if deadline is None else deadline
        event = await self._pump.wait(
            lambda e: e.event_type == protocol.STOPPED_SPEAKING and not self._pump.speaking,
            since=now,
            deadline=limit,
        )
        if event is not None:
            return event.t
        if label is not None:
            self._notice(f"step {label}: the replica did not stop speaking; continued")
        return limit

    async def all_heard(self) -> None:
        """The last utterance ended (or its estimate passed) and the replica is silent, within
        one bound: the latest expected end plus the margin (or the margin from now)."""
        now = self._loop.time()
        deadline = max([now, *(end for _, end in self._owed.values())]) + SPEECH_MARGIN
        for inference_id, (since, _end) in list(self._owed.items()):
            await self._pump.wait(functools.partial(_stopped, inference_id), since=since, deadline=deadline)
        self._owed.clear()
        await self.silence(deadline=deadline)


def _stopped(inference_id: str, event: RoomEvent) -> bool:
    """The replica stopped speaking this utterance (or an utterance it did not name)."""
    return event.event_type == protocol.STOPPED_SPEAKING and event.inference_id in (None, inference_id)
