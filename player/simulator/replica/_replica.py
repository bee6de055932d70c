"""The simulated replica: hears app messages and microphone audio, speaks in real time.

It runs on a thread of its own with a real clock (time.monotonic), so its events reach clients
from a thread other than theirs, as daily-core's do: a ReplicaRunner's thread, which the rooms
of one registry share (a thread per replica did not scale, issue 13). All its state is touched
by that thread only; other threads hand it work through the runner's inbox. Playback is modelled as a buffer of seconds: audio
is playable when it arrives (text after the TTS latency), plays at 1x, and when the buffer runs
dry before `done` the replica stalls and counts an underrun. Its events (player.simulator.
replica._events) follow the 2026 event pages: the utterance as a turn starts, a text echo's words
streamed as they are spoken, role-agnostic events beside the replica's.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ...errors import ProtocolViolation
from ...plan import speech_seconds
from ._events import EventStream
from ._protocol_check import Echo, Interrupt, Nonstandard, ProtocolChecker, Sensitivity
from ._runner import ReplicaRunner
from ._voice_activity import VoiceActivity

if TYPE_CHECKING:
    from ._room import RoomSettings

__all__ = ["Replica", "ReplicaSink", "Utterance"]

Reply = Callable[[ProtocolViolation | None], None]  # a send's completion: None, or the refusal


def _speaking_time(text: str, words_per_minute: float) -> float:
    """The planner's estimate (plans and local runs agree), but never less than one word: an
    accepted text echo is spoken even if its text is only whitespace."""
    return speech_seconds(text, words_per_minute) or speech_seconds("word", words_per_minute)


class ReplicaSink(Protocol):
    """What the replica reports to its room (called on the replica's thread)."""

    def replica_joined(self) -> None: ...
    def replica_event(self, message: dict[str, Any]) -> None: ...
    def violation(self, reason: str) -> None: ...
    def nonstandard(self, note: Nonstandard) -> None: ...


@dataclass(eq=False)
class Utterance:
    """One utterance as the replica lived it; the record tests read."""

    inference_id: str
    modality: str  # "text" | "audio" | "microphone"
    sample_rate: int | None = None
    text: str = ""
    chunks: int = 0
    received_seconds: float = 0.0  # audio (text: estimated speech) received so far
    spoken_seconds: float = 0.0
    done: bool = False  # `done: true` arrived
    interrupted: bool = False
    underruns: int = 0
    underrun_times: list[float] = field(default_factory=list)  # monotonic time of each stall
    chunks_after_interrupt: int = 0
    started_at: float | None = None  # monotonic time of started_speaking
    stopped_at: float | None = None
    streamed: int = 0  # text echo: words sent in utterance.streaming so far
    content_index: int = 0  # the next streaming event's index (0-based, per inference)
    _pending: list[tuple[float, float]] = field(default_factory=list, repr=False)  # (playable at, s)
    _seg: tuple[float, float] | None = field(default=None, repr=False)  # playing since (t, position)
    _last_input: float = field(default=0.0, repr=False)

    @property
    def finished(self) -> bool:
        return self.stopped_at is not None or self.interrupted

    def position(self, now: float) -> float:
        if self._seg is None:
            return self.spoken_seconds
        t0, pos0 = self._seg
        return min(self._playable(), pos0 + max(0.0, now - t0))

    def _playable(self) -> float:
        return self.received_seconds - sum(s for _, s in self._pending)

    def _dry_at(self) -> float | None:
        """When the playable buffer runs out, if it is playing."""
        if self._seg is None:
            return None
        t0, pos0 = self._seg
        return t0 + self._playable() - pos0


class Replica:
    """Speaks what the room hears. Inputs are thread-safe; everything else is its thread's."""

    def __init__(
        self,
        *,
        conversation_id: str,
        settings: "RoomSettings",
        checker: ProtocolChecker,
        sink: ReplicaSink,
        runner: ReplicaRunner | None = None,
    ) -> None:
        self.conversation_id = conversation_id
        self.settings = settings
        self.checker = checker
        # The last `utterance_window` utterances (for tests and inspection) and every underrun's
        # time: a run of thousands of lines kept thousands of Utterances alive (issue 13).
        self.utterances: deque[Utterance] = deque(maxlen=settings.utterance_window)
        self.underrun_times: list[float] = []  # monotonic time of each stall, of every utterance
        self._sink = sink
        self._current: Utterance | None = None
        self._interrupted: dict[str, Utterance] = {}
        self._join_at: float | None = None
        self._anon = itertools.count(1)
        self._mic: Utterance | None = None
        self._voice = VoiceActivity(settings.voice_threshold, settings.mic_silence)
        self._events = EventStream(conversation_id, sink.replica_event)
        self._per_word = 60.0 / settings.words_per_minute if settings.words_per_minute > 0 else 0.0
        self._runner = runner or ReplicaRunner(conversation_id)
        self._runner.add(self)

    # -- inputs (any thread) ---------------------------------------------------------------
    def participant_joined(self) -> None:
        self._runner.put(self, ("joined", time.monotonic()))

    def hear_message(self, message: Any, reply: Reply) -> None:
        self._runner.put(self, ("message", time.monotonic(), message, reply))

    def hear_microphone(self, pcm: bytes, sample_rate: int, channels: int, start: float) -> None:
        self._runner.put(self, ("mic", start, pcm, sample_rate, channels))

    def stop(self, timeout: float = 2.0) -> None:
        self._runner.stop(self, timeout)

    # -- the runner's thread: _handle an input, _advance the clock, _next_deadline ----------
    def _handle(self, item: tuple[Any, ...]) -> None:
        kind, t = item[0], item[1]
        if kind == "joined":
            if self._join_at is None:
                self._join_at = t + self.settings.join_delay
        elif kind == "message":
            self._advance(t)  # settle what happened before it arrived
            message, reply = item[2], item[3]
            try:
                parsed = self.checker.check(message)
            except ProtocolViolation as exc:
                self._sink.violation(str(exc))
                reply(exc)  # the typed refusal travels to the transport as it is
                return
            finally:
                notes, self.checker.notes = self.checker.notes, []
                for note in notes:
                    self._sink.nonstandard(note)
            reply(None)
            if isinstance(parsed, Interrupt):
                self._interrupt(t)
            elif isinstance(parsed, Echo):
                self._echo(parsed, t)
            else:
                assert isinstance(parsed, Sensitivity)  # VAD tuning: nothing to do in echo mode
        elif kind == "mic":
            self._hear_mic(t, *item[2:])

    def _echo(self, echo: Echo, t: float) -> None:
        iid = echo.inference_id if echo.inference_id is not None else f"anonymous-{next(self._anon)}"
        late = self._interrupted.get(iid)
        if late is not None:  # the rest of an interrupted utterance: heard, not spoken
            late.chunks_after_interrupt += 1
            return
        u = self._current
        if u is None or u.inference_id != iid or u.finished:
            if u is not None and not u.finished:
                self._interrupt(t)
            u = Utterance(iid, echo.modality, sample_rate=echo.sample_rate if echo.modality == "audio" else None)
            self.utterances.append(u)
            self._current = u
        u.chunks += 1
        u._last_input = t
        u.done = echo.done or echo.inference_id is None  # no id: nothing can continue it
        if echo.modality == "text":
            before = _speaking_time(u.text, self.settings.words_per_minute) if u.text else 0.0
            u.text += echo.text
            seconds = _speaking_time(u.text, self.settings.words_per_minute) - before
            ready = max([t + self.settings.tts_latency] + [p for p, _ in u._pending])
        else:
            seconds = len(echo.pcm) / 2 / echo.sample_rate
            ready = t
        u.received_seconds += seconds
        u._pending.append((ready, seconds))

    def _interrupt(self, t: float) -> None:
        self._interrupt_microphone(t)
        u = self._current
        if u is None or u.finished:
            return
        u.spoken_seconds = u.position(t)
        u._seg = None
        u.interrupted = True
        self._interrupted[u.inference_id] = u
        if u.started_at is not None:
            u.stopped_at = t
            if u.modality == "text":  # only the words actually spoken aloud
                words = u.text.split()
                count = max(u.streamed, self._words_at(u.spoken_seconds, len(words)))
                self._events.streaming(u.inference_id, " ".join(words[:count]), u.content_index, final=True, interrupted=True)
                u.content_index += 1
            self._events.stopped(u.inference_id, u.spoken_seconds, interrupted=True)

    def _interrupt_microphone(self, t: float) -> None:
        """An interrupt cuts a microphone turn too: the replica stops mid-clip."""
        u = self._mic
        if u is None:
            return
        assert u.started_at is not None
        self._mic = None
        self._voice.reset()  # the next voiced frame starts a new turn
        u.received_seconds = u.spoken_seconds = max(0.0, t - u.started_at)
        u.stopped_at = t
        u.done = u.interrupted = True
        self._events.stopped(u.inference_id, u.spoken_seconds, interrupted=True)

    # -- the clock -------------------------------------------------------------------------
    def _next_deadline(self) -> float | None:
        times = [self._join_at] if self._join_at is not None else []
        u = self._current
        if u is not None and not u.finished:
            if u._pending:
                times.append(u._pending[0][0])
            dry = u._dry_at()
            if dry is not None:
                times.append(dry)
            elif not u._pending:
                times.append(u._last_input + self.settings.done_timeout)
            word = self._next_word_at(u)
            if word is not None:
                times.append(word)
        mic = self._voice.next_change(in_turn=self._mic is not None)
        if mic is not None:
            times.append(mic)
        return min(times) if times else None

    def _advance(self, now: float) -> None:
        if self._join_at is not None and now >= self._join_at:
            self._join_at = None
            self._sink.replica_joined()
        u = self._current
        while u is not None and not u.finished:
            due = u._pending[0][0] if u._pending else None
            dry = u._dry_at()
            if due is not None and due <= now and (dry is None or due <= dry):
                self._arrive(u, due)
            elif dry is not None and dry <= now:
                self._run_dry(u, dry)
            elif u._seg is None and not u._pending and u.done:
                self._finish(u, u._last_input)  # `done` came while it was silent
            elif u._seg is None and not u._pending and now >= u._last_input + self.settings.done_timeout:
                self._finish(u, u._last_input + self.settings.done_timeout)  # `done` never came
            else:
                break
        if u is not None and not u.finished:
            self._stream_words(u, now)
        self._advance_mic(now)

    def _arrive(self, u: Utterance, t: float) -> None:
        _, seconds = u._pending.pop(0)
        if u._seg is None and seconds > 0:  # silent until now: start or resume from where it stalled
            u._seg = (t, u.spoken_seconds)
            if u.started_at is None:
                u.started_at = t
                self._events.next_turn()
                self._events.started(u.inference_id, speech=u.text if u.modality == "text" else None)
            self._stream_words(u, t)

    def _run_dry(self, u: Utterance, t: float) -> None:
        u.spoken_seconds = u._playable()
        u._seg = None
        if u.done and not u._pending:
            self._finish(u, t)
        elif not u._pending and u.modality == "audio":
            u.underruns += 1  # stalls until more audio arrives
            u.underrun_times.append(t)
            self.underrun_times.append(t)

    def _finish(self, u: Utterance, t: float) -> None:
        u.stopped_at = t
        if u.started_at is None:
            return  # never had anything to say
        if u.modality == "text":
            self._events.streaming(u.inference_id, " ".join(u.text.split()), u.content_index, final=True)
            u.content_index += 1
        self._events.stopped(u.inference_id, u.spoken_seconds, interrupted=False)

    # -- utterance.streaming (text echo: the words as they are spoken) -----------------------
    def _words_at(self, position: float, total: int) -> int:
        """Words begun by `position` seconds into the utterance (a word counts once it starts)."""
        if self._per_word <= 0:
            return total
        return min(total, int(position / self._per_word + 1e-9) + 1)

    def _stream_words(self, u: Utterance, now: float) -> None:
        if u.modality != "text" or u.started_at is None or u.finished:
            return
        words = u.text.split()
        count = self._words_at(u.position(now), len(words))
        if count > u.streamed:
            u.streamed = count
            self._events.streaming(u.inference_id, " ".join(words[:count]), u.content_index, final=False)
            u.content_index += 1

    def _next_word_at(self, u: Utterance) -> float | None:
        """When the next word starts, while a text echo is playing."""
        if u.modality != "text" or u._seg is None or self._per_word <= 0 or u.streamed >= len(u.text.split()):
            return None
        start = u.streamed * self._per_word
        if start > u._playable() + 1e-9:  # its text is not playable yet: an arrival wakes us
            return None
        t0, pos0 = u._seg
        return t0 + max(0.0, start - pos0)

    # -- microphone echo -------------------------------------------------------------------
    def _hear_mic(self, start: float, pcm: bytes, sample_rate: int, channels: int) -> None:
        if self.checker.microphone:  # else the microphone is not this persona's input
            self._voice.hear(start, pcm, sample_rate, channels)

    def _advance_mic(self, now: float) -> None:
        if self._mic is None:
            started = self._voice.started(now)
            if started is None:
                return
            self._mic = Utterance(f"microphone-{next(self._anon)}", "microphone", started_at=started)
            self.utterances.append(self._mic)
            self._events.next_turn()
            self._events.started(self._mic.inference_id, speech=None)
        u = self._mic
        ended = self._voice.ended(now)
        if ended is None:
            return
        assert u.started_at is not None
        u.received_seconds = u.spoken_seconds = ended - u.started_at
        u.stopped_at = ended
        u.done = True
        self._mic = None
        self._events.stopped(u.inference_id, u.spoken_seconds, interrupted=False)
