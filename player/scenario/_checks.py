"""Semantic checks on a resolved scenario: what the schema cannot see.

`at` references, text in a microphone scenario, app-message sizes and audio files (probed lazily,
so text-only scenarios never touch the audio stack). What needs due times, such as the estimated
length against `max_call_duration`, is checked in player.plan.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .. import protocol
from ..errors import AudioError
from ._build import safe_resolve
from ._model import Diagnostic, Interrupt, Play, Say, Scenario, Send, Step
from ._schema_messages import did_you_mean

if TYPE_CHECKING:
    from ..audio import AudioInfo

__all__ = ["check_scenario", "audio_chunk_bytes", "tavus_readiness"]

_Probed = Mapping[Path, "AudioInfo | AudioError"]  # each play step's file: its info, or why it is unusable


def check_scenario(scenario: Scenario) -> list[Diagnostic]:
    """Errors and warnings of the resolved scenario. The estimated length is the plan's to
    check (player.plan.validate_file builds the plan once, after these pass)."""
    probed = _probe(scenario)  # each audio file once, for all its play steps
    return [
        *_at_refs(scenario.steps),
        *_microphone(scenario),
        *_sizes(scenario),
        *_audio(scenario.steps, probed),
        *_sends(scenario.steps),
    ]


def tavus_readiness(scenario: Scenario) -> list[Diagnostic]:
    """Warnings for what the local replica does without but Tavus needs (`validate` adds
    them): a replica to render with, which a local run takes from its stock ones."""
    return list(_tavus_ready(scenario))


def _tavus_ready(scenario: Scenario) -> Iterable[Diagnostic]:
    """What the local replica does without but Tavus needs: a replica to render with (the local
    run falls back on a stock one). A reused persona may have its own default: not a warning."""
    conv = scenario.conversation
    if conv.pos is None:  # no `conversation:` at all: a part for `include`, or a sketch
        return
    if conv.replica_id or (conv.persona and conv.persona.replica_id) or conv.persona_id or os.environ.get("TAVUS_REPLICA_ID"):
        return
    yield Diagnostic(
        conv.pos,
        "no replica id anywhere: this plays on the local replica but not on Tavus",
        "set conversation.replica_id (or conversation.persona.replica_id, or TAVUS_REPLICA_ID)",
        severity="warning",
        code="tavus",
    )


def audio_chunk_bytes(sample_rate: int, chunk: float) -> int:
    """JSON size of one audio app message carrying `chunk` seconds (not the last: `done` false)."""
    return protocol.audio_message_bytes(round(sample_rate * chunk), sample_rate)


def _at_refs(steps: tuple[Step, ...]) -> Iterable[Diagnostic]:
    index = {step.id: step.index for step in steps if step.id is not None}
    for step in steps:
        if step.at is None or step.at.ref is None:
            continue
        ref = step.at.ref
        if ref not in index:
            hint = did_you_mean(ref, list(index)) or ("known ids: " + ", ".join(list(index)[:8]) if index else "no step has an id yet")
            yield Diagnostic(step.at.pos, f"`at` refers to unknown step '{ref}'", hint, code="at")
        elif index[ref] >= step.index:
            yield Diagnostic(
                step.at.pos, f"`at` refers to step '{ref}', which does not start before this one", "refer to an earlier step", code="at"
            )


def _microphone(scenario: Scenario) -> Iterable[Diagnostic]:
    if scenario.conversation.input != "microphone":
        return
    for step in scenario.steps:
        if isinstance(step, Say):
            yield Diagnostic(
                step.pos,
                "`say` cannot be used with `input: microphone`",
                "text needs the TTS that microphone echo bypasses; play a recorded clip instead",
                code="microphone",
            )
        interrupts = isinstance(step, Interrupt) or (isinstance(step, Send) and step.message.get("event_type") == protocol.INTERRUPT)
        if interrupts:
            yield Diagnostic(
                step.pos,
                "`interrupt` in a microphone scenario: Tavus says interrupt logic must be embedded in the audio stream",
                "the local replica honours it, Tavus may not; cut the clip with `to:` instead",
                severity="warning",
                code="microphone",
            )


def _sends(steps: tuple[Step, ...]) -> Iterable[Diagnostic]:
    """Raw messages an echo-mode replica does not take: Tavus ignores them, the local replica
    refuses them (a warning, since a raw `send` is the escape hatch for what is not modelled)."""
    for step in steps:
        if isinstance(step, Send):
            kind = step.message.get("event_type")
            if kind not in (protocol.ECHO, protocol.INTERRUPT):
                yield Diagnostic(
                    step.pos,
                    f"'{kind}' is not an echo-mode message; the replica ignores it and the local replica refuses it",
                    "echo mode takes conversation.echo and conversation.interrupt",
                    severity="warning",
                    code="send",
                )


def _sizes(scenario: Scenario) -> Iterable[Diagnostic]:
    microphone = scenario.conversation.input == "microphone"
    chunk_groups: dict[tuple[int, float, int], list[Play]] = {}
    for step in scenario.steps:
        if isinstance(step, Say):
            for piece in step.texts:
                size = protocol.text_message_bytes(piece)
                if size > step.max_message_bytes:
                    yield Diagnostic(
                        step.pos,
                        f"this text makes a {size}-byte message, over max_message_bytes {step.max_message_bytes}",
                        "split it into a list of pieces (say: [..., ...]), each sent as its own message",
                        code="size",
                    )
        elif isinstance(step, Play) and not microphone:
            chunk_groups.setdefault((step.sample_rate, step.chunk, step.max_message_bytes), []).append(step)
        elif isinstance(step, Send):
            limit = scenario.defaults.max_message_bytes
            size = protocol.message_bytes(protocol.with_conversation_id(step.message, protocol.PLACEHOLDER_CONVERSATION_ID))
            if size > limit:
                yield Diagnostic(step.pos, f"this message is {size} bytes, over max_message_bytes {limit}", code="size")
    for (rate, chunk, limit), plays in chunk_groups.items():
        size = audio_chunk_bytes(rate, chunk)
        if size > limit:
            more = f" (and {len(plays) - 1} more play steps)" if len(plays) > 1 else ""
            yield Diagnostic(
                plays[0].pos,
                f"a {chunk * 1000:g}ms chunk at {rate} Hz makes {size}-byte messages, over max_message_bytes {limit}{more}",
                _chunk_hint(rate, limit),
                code="size",
            )


def _chunk_hint(rate: int, limit: int) -> str:
    room = limit - audio_chunk_bytes(rate, 0.0)
    samples = max(0, room // 4 * 3 // 2)
    best = math.floor(samples / rate * 1000)
    return f"use chunk: {best}ms or less, or raise max_message_bytes" if best >= 10 else "raise max_message_bytes"


def _probe(scenario: Scenario) -> _Probed:
    """Every play step's file inside the scenario's folder; one outside it was refused where
    the step was built and is never opened."""
    root = safe_resolve(scenario.path)
    inside = (lambda p: True) if root is None else (lambda p: p.is_relative_to(root.parent))
    paths = dict.fromkeys(s.path for s in scenario.steps if isinstance(s, Play) and inside(s.path))
    if not paths:
        return {}
    from .. import audio  # deferred: text-only scenarios never import the audio stack

    probed: dict[Path, AudioInfo | AudioError] = {}
    for path in paths:
        try:
            probed[path] = audio.probe(path)
        except AudioError as exc:
            probed[path] = exc
        except (OSError, ValueError) as exc:
            probed[path] = AudioError(f"cannot read audio file: {exc}")
    return probed


def _clip_seconds(probed: _Probed, step: Play) -> float:
    """The play step's trimmed length from its probed file; raises the file's AudioError."""
    from .. import audio  # only play steps get here, and their files were probed

    info = probed[step.path]
    if isinstance(info, AudioError):
        raise info
    return audio.clip_duration(info, step.start, step.end)


def _audio(steps: tuple[Step, ...], probed: _Probed) -> Iterable[Diagnostic]:
    for step in steps:
        if not isinstance(step, Play):
            continue
        info = probed.get(step.path)
        if info is None:  # outside the scenario's folder: already reported
            continue
        if isinstance(info, AudioError):
            yield _audio_error(step, info)
            continue
        if step.start is not None and step.end is not None and step.end <= step.start:
            continue  # reported where the step was built
        try:
            _clip_seconds(probed, step)
        except AudioError as exc:
            yield _audio_error(step, exc)
        else:
            if step.end is not None and step.end > info.duration + 1e-6:
                yield Diagnostic(
                    step.pos,
                    f"`to` ({step.end:g}s) is past the end of {step.source} ({info.duration:.3f}s)",
                    "the clip plays to its end",
                    severity="warning",
                    code="audio",
                )


def _audio_error(step: Play, exc: AudioError) -> Diagnostic:
    message = str(exc)
    prefix = f"{step.path}: "
    message = message[len(prefix) :] if message.startswith(prefix) else message
    return Diagnostic(step.pos, f"{step.source}: {message}", getattr(exc, "hint", None), code="audio")
