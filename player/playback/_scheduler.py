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
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .. import protocol
from ..errors import AudioError, WaitTimeout
from ..plan import Plan, PlannedStep, Timeline, speech_seconds
from ..scenario import REPLICA_SILENT, SPEECH_EVENTS, Cue, Interrupt, Pause, Play, Say, Send, WaitFor, speech_matches
from ..transport.base import REPLICA_JOINED, Microphone, RoomEvent, Transport
from ._clips import prepare_clips
from ._clock import sleep_until
from ._control_core import Jump
from ._controller import Controller
from ._events import EventPump
from ._feed import Feed
from ._records import StepRecord, StepRecords
from ._runlog import RunLog
from ._speech import SpeechTracker

if TYPE_CHECKING:
    from ..audio import PreparedClip

__all__ = ["Scheduler", "RunOptions", "Observer", "CueWaiter"]

_MIC_PIECE = 0.02  # seconds per microphone write: a 10 ms multiple, so write_frames never pads
_FEED_SECONDS = 0.5  # audio decoded per batch, ahead of sending (see _stream_messages)


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
    # POST /v2/conversations fields from the command line, over the scenario's (None: unset)
    conversation: Mapping[str, Any] = field(default_factory=dict)
    controller: Controller | None = None  # steers the run (pause, step, next, skip, jump, ...)


class Scheduler:
    def __init__(
        self,
        plan: Plan,
        transport: Transport,
        *,
        conversation_id: str,
        clips: MutableMapping[int, "PreparedClip"],
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
        self.records = StepRecords()
        self.messages = 0
        self.bytes = 0
        self.fallbacks = 0  # waits that did not get their event (each printed as a notice)
        self._stopped = False  # set by stop(): nothing more leaves, whatever is still scheduled
        self._loop = asyncio.get_running_loop()
        self.control = options.controller or Controller()

    # -- the step loop ---------------------------------------------------------------------

    async def run(self, t0: float) -> StepRecords:
        """Play every step from start_index; returns when the replica has finished speaking.
        The controller holds each step at its gate (pause, jumps) and may release waits."""
        control = self.control
        control.attach(self, self._log, t0)
        i = self._options.start_index if control.start_index is None else control.start_index
        if i != self._options.start_index:
            await prepare_clips(self.plan, self.plan.steps[i:], self._clips)
        try:
            await self._steps(i, t0)
        finally:
            control.finished()
        return self.records

    async def _steps(self, i: int, t0: float) -> None:
        steps = self.plan.steps
        control = self.control
        timeline = self._timeline_from(i, t0)
        previous_actual = t0
        while True:
            gate = await control.gate(timeline, i)
            if isinstance(gate, Jump):  # from there on, as --from would
                await prepare_clips(self.plan, steps[gate.index :], self._clips)
                i, timeline = gate.index, self._timeline_from(gate.index, self._loop.time())
                continue
            if i == len(steps):  # the last step's hold (a trailing pause) is part of the run
                await control.hold("finish", self._finish())
                if control.jump_pending:
                    continue
                break
            planned = steps[i]
            step = planned.step
            due = gate
            actual = self._loop.time()
            rel_due, rel_actual = self._rel(due), self._rel(actual)
            # A row, not a StepRecord, on this hot path: a frozen dataclass costs ~5 us to make.
            self.records.add_row(step.index, step.id, step.action, rel_due, rel_actual)
            if self._log.writing:
                self._log.write("step", index=step.index, id=step.id, action=step.action, due=rel_due, actual=rel_actual)
            control.step_started(i, rel_due, rel_actual, actual)
            if self._options.observer is not None:
                record = StepRecord(step.index, step.id, step.action, rel_due, rel_actual)
                self._options.observer.step_started(record, planned, steps[i + 1] if i + 1 < len(steps) else None)
            # What this step may still ask the pump about starts at the previous step's start
            # (a wait_for's look-back) or an owed utterance's send, whichever is earlier.
            if self._pump.history:
                self._pump.forget_before(self._speech.oldest_since(previous_actual))
            anchor = control.anchor(await self._execute(planned, due, previous_actual))
            previous_actual = actual
            timeline.advance(step, anchor, last=i + 1 == len(steps))
            i += 1

    def _timeline_from(self, first: int, now: float) -> Timeline:
        # With --from (or a jump), keep `at` offsets where the plan puts them relative to the
        # first step; an `at` referring to a step not played counts from its planned start.
        steps = self.plan.steps
        origin = now - steps[first].start if first < len(steps) else now
        timeline = Timeline(origin, speed=self._speed, fallback=self._planned_start)
        timeline.cursor = now
        self.control.timeline = timeline
        return timeline

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
        done, end = await self.control.hold("speech", self._speech.utterance_end(step.label, inference_id, sent_at, due + planned.duration))
        return end if done and end is not None else self._loop.time()

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
            # The microphone writes in real time; released, the stream goes on (skip stops it).
            done, _ = await self.control.hold("speech", asyncio.gather(asyncio.shield(task), return_exceptions=True))
            if step.wait == "sent" or not done:
                return self._loop.time()
            done, end = await self.control.hold("speech", self._speech.silence(step.label))
        else:
            done, end = await self.control.hold(
                "speech", self._speech.utterance_end(step.label, inference_id, started, due + clip.duration)
            )
        return end if done and end is not None else self._loop.time()

    async def _wait_for(self, step: WaitFor, due: float, since: float) -> float:
        if step.event == REPLICA_JOINED and self._pump.replica_present:
            return due
        if step.event == REPLICA_SILENT:
            done, event_t = await self.control.hold("wait_for", self._silent_for(step.silence, due + step.timeout))
        else:
            done, found = await self.control.hold(
                "wait_for", self._pump.wait(functools.partial(_wanted, step), since=since, deadline=due + step.timeout)
            )
            event_t = None if found is None else found.t
        if not done:
            return self._loop.time()
        if event_t is not None:
            return max(event_t, due)
        if step.on_timeout == "fail":
            raise WaitTimeout(f"{step.pos}: wait_for {step.event} timed out after {step.timeout:g}s")
        self._notice(f"step {step.label}: wait_for {step.event} timed out; continuing")
        return due + step.timeout

    async def _silent_for(self, seconds: float, deadline: float) -> float | None:
        """When the replica had been silent for `seconds` (by its stopped/started events), or
        None if that has not happened by `deadline`."""
        pump = self._pump
        while True:
            now = self._loop.time()
            quiet = pump.silent_since
            if quiet is not None and now >= quiet + seconds:
                return quiet + seconds
            if now >= deadline:
                return None
            if quiet is None:  # speaking: wait for it to stop
                await pump.wait(lambda e: pump.silent_since is not None, since=now, deadline=deadline)
            else:  # silent: wait out the rest, unless it speaks again
                await pump.wait(lambda e: pump.silent_since is None, since=now, deadline=min(deadline, quiet + seconds))

    async def _cue(self, step: Cue, due: float) -> float:
        if self._options.cue_waiter is not None:
            await self.control.hold("cue", self._options.cue_waiter(step))
        elif self.control.manual_cues:
            await self.control.wait_cue()
        else:
            return due + step.auto / self._speed  # held at the next step's gate, where `next` cuts it short
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
                self.bytes += len(pcm)  # what was sent, an interrupted clip's part too
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

    # -- for the controller -----------------------------------------------------------------

    @property
    def conversation_id(self) -> str:
        return self._cid

    def speaking(self) -> bool:
        """Whether something sent may still be playing: audio being sent, an utterance owed."""
        return bool(self._streams) or self._speech.owes_any() or bool(self._pump.speaking)

    def interrupt_now(self) -> None:
        """An `interrupt` step, now."""
        self._interrupt()

    def say_now(self, text: str) -> None:
        """A `say` step, now, that nothing waits for (the run's end still does)."""
        inference_id = protocol.new_inference_id()
        now = self._loop.time()
        self._send(protocol.echo_text(self._cid, text, inference_id, True))
        self._speech.owe(inference_id, now, now + speech_seconds(text, self.plan.scenario.defaults.words_per_minute))

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
        if not self._log.writing and not self.control.listening:
            return  # the record below is for nobody
        props = message.get("properties")
        fields = {
            "t": self._rel(self._loop.time()),
            "event_type": protocol.event_type_of(message),
            "inference_id": protocol.inference_id_of(message),
            "bytes": size,
            "done": props.get("done") if isinstance(props, Mapping) else None,
            "modality": props.get("modality") if isinstance(props, Mapping) else None,
        }
        self._log.write("message", **fields)
        self.control.message(fields)

    def _rel(self, t: float) -> float:
        return self._log.since_origin(t)

    def _notice(self, text: str) -> None:
        self.fallbacks += 1
        t = self._rel(self._loop.time())
        self._log.write("notice", t=t, text=text)
        self.control.notice(t, text)
        if self._options.observer is not None:
            self._options.observer.notice(text)


def _wanted(step: WaitFor, event: RoomEvent) -> bool:
    """The event a `wait_for` waits for; on the replica's speech, its `text` or `match` too."""
    if event.event_type != step.event:
        return False
    if step.event not in SPEECH_EVENTS or (step.text is None and step.match is None):
        return True
    speech = protocol.replica_speech_of(event.message)
    return speech is not None and bool(speech_matches(step, speech))
