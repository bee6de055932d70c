"""The plan: a resolved scenario with every step's estimated start, length and traffic.

`echo-player plan` prints it; `validate` uses its total and warnings; the scheduler uses its
timing rules (`hold`, `at`) to compute absolute deadlines at run time. Estimates assume every
event arrives when expected: text speaks at `words_per_minute`, audio for its exact length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import protocol
from ..errors import UsageError
from ..scenario import (
    REPLICA_SILENT,
    Cue,
    Diagnostic,
    Interrupt,
    Pause,
    Play,
    Say,
    Scenario,
    Send,
    Step,
    WaitFor,
    did_you_mean,
    speech_matches,
)
from ._estimate import speech_seconds
from ._timing import Timeline

__all__ = ["PlannedStep", "Plan", "build_plan"]


_LISTED_IDS = 20  # ids an unknown --from lists at most


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A step with its estimated start and length, what it holds, and what it sends."""

    step: Step
    start: float  # estimated offset from t=0, seconds
    duration: float  # estimated length of what it does: speech, pause, cue, wait
    hold: float  # how long the sequence stays on it before the next step (by `wait`)
    messages: int  # app messages it sends
    bytes: int  # JSON bytes of those messages (or PCM bytes on the microphone path)
    lateness_risk: str | None = None  # why its `at` cannot be reached, if so


@dataclass(frozen=True, slots=True)
class Plan:
    """A scenario's steps with their estimated times, the total length and the plan's warnings."""

    scenario: Scenario
    steps: tuple[PlannedStep, ...]
    total: float  # estimated end of the last thing that happens (speech included)
    warnings: tuple[Diagnostic, ...]

    @property
    def messages(self) -> int:
        return sum(p.messages for p in self.steps)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.steps)

    def index_of(self, step_id: str) -> int | None:
        for i, planned in enumerate(self.steps):
            if planned.step.id == step_id:
                return i
        return None

    def start_index(self, step_id: str | None, *, option: str = "--from") -> int:
        """Where a run that starts at `step_id` starts (0 for None): what `--from`, `serve --from`
        and aplay's `from_step` share. An unknown id is a UsageError naming the closest id and
        the ids there are (the first few)."""
        if step_id is None:
            return 0
        found = self.index_of(step_id)
        if found is not None:
            return found
        known = list(dict.fromkeys(p.step.id for p in self.steps if p.step.id is not None))
        message = f"{option}: no step with id '{step_id}' in {self.scenario.path}"
        if not known:
            raise UsageError(f"{message}; no step has an id (add `id:` to the step to start at)")
        close = did_you_mean(step_id, known)
        more = f" and {len(known) - _LISTED_IDS} more" if len(known) > _LISTED_IDS else ""
        raise UsageError(f"{message} ({close + ' ' if close else ''}ids: {', '.join(known[:_LISTED_IDS])}{more})")


def _play_traffic(step: Play, seconds: float, microphone: bool) -> tuple[int, int]:
    samples = round(seconds * step.sample_rate)
    if microphone:
        return 0, samples * 2
    per_chunk = max(1, round(step.sample_rate * step.chunk))
    full, rest = divmod(samples, per_chunk)
    count = full + (1 if rest else 0)
    size = full * protocol.audio_message_bytes(per_chunk, step.sample_rate)
    if rest:
        size += protocol.audio_message_bytes(rest, step.sample_rate)
    return count, size - (1 if count else 0)  # the last one says `true`, a byte shorter than `false`


def _default_clip_seconds(step: Play) -> float:
    from .. import audio  # deferred: text-only scenarios never import the audio stack

    info = audio.probe(step.path)
    return audio.clip_duration(info, step.start, step.end)


def build_plan(scenario: Scenario, *, clip_seconds: Callable[[Play], float] | None = None) -> Plan:
    """Walk the steps with estimated timing. `clip_seconds` gives a play step's trimmed length
    (default: probe the file, which player.audio caches)."""
    clip_seconds = clip_seconds or _default_clip_seconds
    microphone = scenario.conversation.input == "microphone"
    planned: list[PlannedStep] = []
    warnings: list[Diagnostic] = []
    timeline = Timeline()
    speaking_until = 0.0  # estimated end of the replica's current speech
    last_say: tuple[float, Say] | None = None  # the latest text line and its start, for `replica.said`

    for step in scenario.steps:
        risk = None
        target = timeline.at_target(step)
        if step.at is not None and step.at.ref is not None and target is None:
            warnings.append(
                Diagnostic(
                    step.at.pos,
                    f"`at` refers to step '{step.at.ref}', which does not start before this one",
                    "refer to an earlier step's id",
                    code="at",
                )
            )
        elif target is not None and target + 1e-9 < timeline.cursor:
            cursor = timeline.cursor
            risk = f"due at {target:.3f}s but the steps before it run until about {cursor:.3f}s"
            warnings.append(
                Diagnostic(
                    step.at.pos if step.at else step.pos,
                    f"step {step.label} cannot start at {target:.3f}s: the steps before it are estimated to run until {cursor:.3f}s",
                    "move `at` later or shorten what comes before",
                    severity="warning",
                    code="at",
                )
            )
        start = timeline.due(step)
        if isinstance(step, (Say, Play)) and start + 1e-9 < speaking_until and step.overlap != "cut":
            warnings.append(_overlap(step, start, speaking_until))

        if isinstance(step, WaitFor) and (step.text or step.match) and _said_at(step, last_say) is None:
            warnings.append(
                Diagnostic(
                    step.pos,
                    f"no `say` line just before this one says {step.text or step.match!r}: it is expected to wait its whole timeout",
                    "the replica's speech comes from text echo (`say`); check the words",
                    severity="warning",
                    code="event",
                )
            )
        duration, hold, messages, size = _estimate(step, start, speaking_until, clip_seconds, microphone, last_say)
        if isinstance(step, (Say, Play)):
            speaking_until = start + duration
            last_say = (start, step) if isinstance(step, Say) else None
        elif isinstance(step, Interrupt):
            speaking_until = min(speaking_until, start)
        planned.append(PlannedStep(step, start, duration, hold, messages, size, risk))
        timeline.advance(step, start + hold)

    end_of_sequence = planned[-1].start + planned[-1].hold if planned else 0.0
    total = max([end_of_sequence, speaking_until] + [p.start + p.duration for p in planned if not isinstance(p.step, (Say, Play))])
    return Plan(scenario, tuple(planned), total, tuple(warnings))


def _overlap(step: Say | Play, start: float, speaking_until: float) -> Diagnostic:
    return Diagnostic(
        step.pos,
        f"step {step.label} is estimated to start at {start:.3f}s, before the previous utterance ends "
        f"(about {speaking_until:.3f}s): on Tavus a new utterance cuts the one playing off",
        "let it finish (wait: speech), start it later, or add `overlap: cut` if the cut is meant",
        severity="warning",
        code="overlap",
    )


def _said_at(step: WaitFor, last_say: tuple[float, Say] | None) -> float | None:
    """When the replica is estimated to say what `step` waits for: streamed words arrive as
    each starts; the utterance, with the whole text, as the line starts."""
    if last_say is None:
        return None
    said_start, say = last_say
    if step.event == protocol.UTTERANCE:
        return said_start if speech_matches(step, say.text) else None
    words = say.text.split()
    for k in range(1, len(words) + 1):  # the shortest prefix that matches: when it is streamed
        if speech_matches(step, " ".join(words[:k])):
            return said_start + (k - 1) * 60.0 / say.words_per_minute
    return None


def _estimate(
    step: Step,
    start: float,
    speaking_until: float,
    clip_seconds: Callable[[Play], float],
    microphone: bool,
    last_say: tuple[float, Say] | None = None,
) -> tuple[float, float, int, int]:
    """(duration, hold, messages, bytes) of one step."""
    if isinstance(step, Say):
        duration = speech_seconds(step.text, step.words_per_minute)
        size = sum(protocol.text_message_bytes(piece) for piece in step.texts) - 1  # the last says `true`
        return duration, _hold(step.wait, duration, 0.0), len(step.texts), size
    if isinstance(step, Play):
        duration = clip_seconds(step)
        messages, size = _play_traffic(step, duration, microphone)
        # With `wait: sent` the last chunk leaves `lead` before it plays (the mic path: in real time).
        per_chunk = max(1, round(step.sample_rate * step.chunk)) / step.sample_rate
        sent = duration if microphone else max(0.0, (messages - 1) * per_chunk - step.lead)
        return duration, _hold(step.wait, duration, sent), messages, size
    if isinstance(step, Pause):
        return step.seconds, step.seconds, 0, 0
    if isinstance(step, Cue):
        return step.auto, step.auto, 0, 0
    if isinstance(step, WaitFor):
        if step.event == REPLICA_SILENT:
            expected = max(0.0, speaking_until - start) + step.silence
        elif step.event in (protocol.UTTERANCE, protocol.UTTERANCE_STREAMING):
            said = _said_at(step, last_say)
            expected = step.timeout if said is None else max(0.0, said - start)
        else:
            expected = max(0.0, speaking_until - start) if step.event == protocol.STOPPED_SPEAKING else 0.0
        expected = min(expected, step.timeout)
        return expected, expected, 0, 0
    if isinstance(step, Interrupt):
        return 0.0, 0.0, 1, protocol.message_bytes(protocol.interrupt(protocol.PLACEHOLDER_CONVERSATION_ID))
    if isinstance(step, Send):
        message = protocol.with_conversation_id(step.message, protocol.PLACEHOLDER_CONVERSATION_ID)
        return 0.0, 0.0, 1, protocol.message_bytes(message)
    raise TypeError(f"unknown step type {type(step).__name__}")


def _hold(wait: str, speech: float, sent: float) -> float:
    return {"speech": speech, "sent": sent, "none": 0.0}[wait]
