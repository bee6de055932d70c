"""The scheduler: runs a plan against a room on absolute deadlines.

Timing rule (scenario-format.md, "Times"): a step's due time is the previous step's due time plus
its hold and gap, never the moment things actually happened, so lateness does not accumulate.
Only an event (end of speech, `wait_for`, a cue) moves the anchor to when it arrived.
Audio is paced by sample count: chunk k goes out no earlier than `lead` before its playback time
and no later than that time; an `interrupt` cancels every stream in flight at once.
"""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .. import protocol
from ..errors import AudioError, WaitTimeout
from ..plan import Plan, PlannedStep, Timeline
from ..scenario import Cue, Interrupt, Pause, Play, Say, Send, WaitFor
from ..transport.base import REPLICA_JOINED, Microphone, Transport
from ._clock import sleep_until
from ._events import EventPump
from ._feed import Feed
from ._runlog import RunLog
from ._speech import SpeechTracker

if TYPE_CHECKING:
    from ..audio import PreparedClip

__all__ = ["Scheduler", "RunOptions", "StepRecord", "Observer", "CueWaiter"]

_MIC_PIECE = 0.02  # seconds per microphone write: a 10 ms multiple, so write_frames never pads
_FEED_SECONDS = 0.5  # audio decoded per batch, ahead of sending (see _stream_messages)


@dataclass(frozen=True, slots=True)
class StepRecord:
    index: int
    id: str | None
    action: str
    due: float  # seconds since t=0
    actual: float

    @property
    def lateness(self) -> float:
        return self.actual - self.due


class Observer(Protocol):
    def step_started(self, record: StepRecord, planned: PlannedStep, upcoming: PlannedStep | None) -> None: ...
    def notice(self, text: str) -> None: ...


CueWaiter = Callable[[Cue], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a run is played, as the command line asked."""

    observer: Observer | None = None  # told of each step and notice (the console)
    cue_waiter: CueWaiter | None = None  # None: cues continue after `auto`
    speed: float = 1.0  # divides pauses, gaps and cue waits (rehearsal on the local replica)
    start_index: int = 0  # --from: the first step played


class Scheduler:
    def __init__(
        self,
        plan: Plan,
        transport: Transport,
        *,
        conversation_id: str,
        clips: Mapping[int, "PreparedClip"],
        log: RunLog,
        pump: EventPump,
        microphone: Microphone | None = None,
        options: RunOptions = RunOptions(),
    ) -> None:
        self.plan = plan
        self._transport = transport
        self._cid = conversation_id
        self._clips = clips
        self._log = log
        self._pump = pump
        self._mic = microphone
        self._options = options
        self._speed = options.speed
        self._streams: dict[str, asyncio.Task[None]] = {}  # inference_id -> audio in flight
        self._speech = SpeechTracker(pump, words_per_minute=plan.scenario.defaults.words_per_minute, notice=self._notice)
        self.records: list[StepRecord] = []
        self.messages = 0
        self.bytes = 0
        self._stopped = False  # set by stop(): nothing more leaves, whatever is still scheduled
        self._loop = asyncio.get_running_loop()

    # -- the step loop ---------------------------------------------------------------------

    async def run(self, t0: float) -> list[StepRecord]:
        """Play every step from start_index; returns when the replica has finished speaking."""
        steps = self.plan.steps
        first = self._options.start_index
        # With --from, keep `at` offsets where the plan puts them relative to the first step;
        # an `at` referring to a step --from skipped counts from that step's planned start.
        origin = t0 - steps[first].start if steps else t0
        timeline = Timeline(origin, speed=self._speed, fallback=self._planned_start)
        timeline.cursor = t0
        previous_actual = t0
        for i in range(first, len(steps)):
            planned = steps[i]
            step = planned.step
            due = timeline.due(step)
            await sleep_until(due)
            actual = self._loop.time()
            record = StepRecord(step.index, step.id, step.action, self._rel(due), self._rel(actual))
            self.records.append(record)
            self._log.write("step", index=step.index, id=step.id, action=step.action, due=record.due, actual=record.actual)
            if self._options.observer is not None:
                self._options.observer.step_started(record, planned, steps[i + 1] if i + 1 < len(steps) else None)
            anchor = await self._execute(planned, due, previous_actual)
            previous_actual = actual
            timeline.advance(step, anchor, last=i + 1 == len(steps))
        await sleep_until(timeline.cursor)  # the last step's hold (a trailing pause) is part of the run
        await self._finish()
        return self.records

    def _planned_start(self, step_id: str) -> float | None:
        index = self.plan.index_of(step_id)
        return self.plan.steps[index].start if index is not None else 0.0

    async def _execute(self, planned: PlannedStep, due: float, previous_actual: float) -> float:
        """Run one step; returns the anchor the next step's due time is counted from."""
        step = planned.step
        if isinstance(step, Say):
            return await self._say(step, planned, due)
        if isinstance(step, Play):
            return await self._play(step, planned, due)
        if isinstance(step, Pause):
            return due + step.seconds / self._speed
        if isinstance(step, Interrupt):
            self._interrupt()
            return due
        if isinstance(step, Send):
            message = protocol.with_conversation_id(step.message, self._cid)
            self._send(message)
            self._speech.owe_raw_echo(message)
            return due
        if isinstance(step, WaitFor):
            return await self._wait_for(step, due, previous_actual)
        if isinstance(step, Cue):
            return await self._cue(step, due)
        raise TypeError(f"unknown step {type(step).__name__}")

    async def _say(self, step: Say, planned: PlannedStep, due: float) -> float:
        inference_id = protocol.new_inference_id()
        sent_at = self._loop.time()
        for k, piece in enumerate(step.texts):
            self._send(protocol.echo_text(self._cid, piece, inference_id, k == len(step.texts) - 1))
        self._speech.owe(inference_id, sent_at, due + planned.duration)
        if step.wait == "none":
            return due
        if step.wait == "sent":
            return self._loop.time()
        return await self._speech.utterance_end(step.label, inference_id, sent_at, due + planned.duration)

    async def _play(self, step: Play, planned: PlannedStep, due: float) -> float:
        clip = self._clips[step.index]
        inference_id = protocol.new_inference_id()
        started = self._loop.time()
        stream = self._stream_microphone(clip) if self._mic is not None else self._stream_messages(step, clip, due, inference_id)
        task = self._loop.create_task(stream, name=f"audio-{step.label}")
        self._streams[inference_id] = task
        task.add_done_callback(functools.partial(self._stream_done, inference_id))
        if self._mic is None:
            self._speech.owe(inference_id, started, due + clip.duration)
        if step.wait == "none":
            return due
        if step.wait == "sent" or self._mic is not None:
            await asyncio.gather(task, return_exceptions=True)  # the microphone writes in real time
            if step.wait == "sent":
                return self._loop.time()
            return await self._speech.silence(step.label)
        return await self._speech.utterance_end(step.label, inference_id, started, due + clip.duration)

    async def _wait_for(self, step: WaitFor, due: float, since: float) -> float:
        if step.event == REPLICA_JOINED and self._pump.replica_present:
            return due
        event = await self._pump.wait(lambda e: e.event_type == step.event, since=since, deadline=due + step.timeout)
        if event is not None:
            return max(event.t, due)
        if step.on_timeout == "fail":
            raise WaitTimeout(f"{step.pos}: wait_for {step.event} timed out after {step.timeout:g}s")
        self._notice(f"step {step.label}: wait_for {step.event} timed out; continuing")
        return due + step.timeout

    async def _cue(self, step: Cue, due: float) -> float:
        if self._options.cue_waiter is None:
            return due + step.auto / self._speed
        await self._options.cue_waiter(step)
        return self._loop.time()

    # -- audio ------------------------------------------------------------------------------

    # Chunks are made as they are needed (issue 13: memory flat in clip length): a Feed decodes
    # and encodes them a batch (_FEED_SECONDS of audio) ahead, on a worker thread, well within
    # `lead`; the clip is never held whole. A file that fails mid-read ends its stream with a notice.

    async def _stream_messages(self, step: Play, clip: "PreparedClip", start: float, inference_id: str) -> None:
        per_chunk = clip.chunk_samples / clip.sample_rate
        last = clip.chunk_count - 1
        feed = Feed(clip.chunks(), math.ceil(_FEED_SECONDS / per_chunk))
        try:
            for k in range(clip.chunk_count):
                await sleep_until(max(start, start + k * per_chunk - step.lead))
                chunk = await feed.next()
                if chunk is None:
                    break
                self._send(protocol.echo_audio(self._cid, chunk, clip.sample_rate, inference_id, k == last))
        except AudioError as exc:
            self._notice(f"step {step.label}: {exc}")
        finally:
            feed.close()

    async def _stream_microphone(self, clip: "PreparedClip") -> None:
        assert self._mic is not None
        piece = round(clip.sample_rate * _MIC_PIECE) * 2
        feed = Feed(clip.pieces(piece), math.ceil(_FEED_SECONDS / _MIC_PIECE))
        try:
            while (pcm := await feed.next()) is not None:
                # Each write blocks for its length in real time; a cancel lands between writes.
                await self._mic.write(pcm)
                self.bytes += len(pcm)
        except AudioError as exc:
            self._notice(f"microphone: {exc}")
        finally:
            feed.close()

    def _interrupt(self) -> None:
        self._cancel_streams()
        self._speech.forget_all()
        self._send(protocol.interrupt(self._cid))

    async def _finish(self) -> None:
        """Let audio in flight and the replica's last words finish before the conversation ends."""
        streams = list(self._streams.values())
        if streams:
            await asyncio.gather(*streams, return_exceptions=True)
        await self._speech.all_heard()

    # -- plumbing ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every audio stream now and refuse further sends (Ctrl-C, failure, cleanup)."""
        self._stopped = True
        self._cancel_streams()

    def _stream_done(self, inference_id: str, _task: asyncio.Task[None]) -> None:
        self._streams.pop(inference_id, None)

    def _cancel_streams(self) -> None:
        for task in list(self._streams.values()):
            task.cancel()
        self._streams.clear()

    def _send(self, message: Mapping[str, Any]) -> None:
        if self._stopped:
            return
        self._transport.send(message)
        size = protocol.message_bytes(message)
        self.messages += 1
        self.bytes += size
        props = message.get("properties")
        self._log.write(
            "message",
            t=self._rel(self._loop.time()),
            event_type=protocol.event_type_of(message),
            inference_id=protocol.inference_id_of(message),
            bytes=size,
            done=props.get("done") if isinstance(props, Mapping) else None,
        )

    def _rel(self, t: float) -> float:
        return self._log.since_origin(t)

    def _notice(self, text: str) -> None:
        self._log.write("notice", t=self._rel(self._loop.time()), text=text)
        if self._options.observer is not None:
            self._options.observer.notice(text)
