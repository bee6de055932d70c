"""The scenario model: what a scenario file means once loaded.

Data flows one way: file -> this model -> plan -> scheduler -> transport. The loader
(player.loader) builds it; nothing after it reads YAML again. Every item carries the `Pos` it
came from, so a later stage (checks, plan, play) can still point at the source line.

Steps here are *resolved*: `${vars}` substituted, `include`s inlined, `repeat`s expanded and
defaults applied, so each step holds the effective value of every option it uses. Within a
repeat, iteration k >= 2 of a step with `id: x` gets the id `x#k`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Pos",
    "Diagnostic",
    "Severity",
    "Defaults",
    "PersonaSpec",
    "ConversationSpec",
    "MicrophoneSpec",
    "At",
    "StepBase",
    "Say",
    "Play",
    "Interrupt",
    "Pause",
    "WaitFor",
    "Cue",
    "Send",
    "Step",
    "Scenario",
    "WaitMode",
    "EVENT_ALIASES",
    "normalize_event",
    "REPLICA_SAID",
    "REPLICA_SILENT",
    "SPEECH_EVENTS",
    "speech_matches",
]

WaitMode = Literal["speech", "sent", "none"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a file, as editors and compilers print them."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a scenario. Reporters (text, json, github) render these."""

    pos: Pos
    message: str
    hint: str | None = None
    severity: Severity = "error"
    code: str = "invalid"  # short machine-readable kind: yaml, schema, id, var, audio, ...

    def __str__(self) -> str:
        tail = f" ({self.hint})" if self.hint else ""
        return f"{self.pos}: {self.severity}: {self.message}{tail}"


@dataclass(frozen=True, slots=True)
class Defaults:
    """The scenario's `defaults:`, the values steps take when they do not set their own."""

    sample_rate: int = 24000
    chunk: float = 0.05  # seconds of audio per app message
    lead: float = 1.0  # how far audio may be sent ahead of real time
    max_message_bytes: int = 4096
    words_per_minute: float = 150.0
    wait: WaitMode = "speech"
    gap: float = 0.0
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class PersonaSpec:
    """An echo persona created for the run and deleted afterwards."""

    pos: Pos
    name: str
    replica_id: str | None = None
    layers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MicrophoneSpec:
    """Microphone echo's unsettled parts, as settings (shared/reference/tavus-echo.md)."""

    persona_field: Literal["isEnabled", "enabled", "none"] = "isEnabled"
    track: Literal["microphone", "stream"] = "microphone"


@dataclass(frozen=True, slots=True)
class ConversationSpec:
    """The scenario's `conversation:`: the persona, replica, properties and how the run starts and ends."""

    pos: Pos | None = None
    persona: PersonaSpec | None = None
    persona_id: str | None = None  # reuse an existing persona; never deleted
    replica_id: str | None = None
    name: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    input: Literal["messages", "microphone"] = "messages"
    start: Literal["on-join", "immediately"] = "on-join"
    join_timeout: float = 60.0
    end: Literal["always", "keep"] = "always"
    microphone: MicrophoneSpec = MicrophoneSpec()
    # POST /v2/conversations options; None: not sent (Tavus's default)
    callback_url: str | None = None
    test_mode: bool = False
    require_auth: bool | None = None
    audio_only: bool | None = None
    max_participants: int | None = None

    def request_options(self) -> dict[str, Any]:
        """The create-conversation body fields this spec sets (test_mode apart)."""
        fields = {
            "callback_url": self.callback_url,
            "require_auth": self.require_auth,
            "audio_only": self.audio_only,
            "max_participants": self.max_participants,
        }
        return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True, slots=True)
class At:
    """`at: 45s` (ref None: after t=0) or `at: intro+2s` (after the start of step `intro`)."""

    pos: Pos
    offset: float
    ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepBase:
    """What every step has: where it was written, its index, id, `at`, note, gap and include chain."""

    pos: Pos  # where the action key is
    index: int = 0  # position in Scenario.steps
    id: str | None = None
    at: At | None = None
    note: str | None = None
    gap: float = 0.0  # pause inserted after this step, before the next one
    # The chain of include/repeat sites this step came through, outermost first; empty at top.
    via: tuple[Pos, ...] = ()

    @property
    def action(self) -> str:
        return _action_of(type(self))  # read twice per step played: cached per class

    @property
    def label(self) -> str:
        return self.id or f"#{self.index + 1}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Say(StepBase):
    """`say`: text the replica speaks, in one utterance."""

    texts: tuple[str, ...]  # one utterance; several pieces are streamed in order
    wait: WaitMode = "speech"
    words_per_minute: float = 150.0
    max_message_bytes: int = 4096
    overlap: Literal["cut"] | None = None  # `cut`: starting over the previous utterance is meant

    @property
    def text(self) -> str:
        return "".join(self.texts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Play(StepBase):
    """`play`: an audio clip (or a part of it) the replica speaks."""

    path: Path  # resolved, absolute
    source: str  # the path as written (after vars), for messages
    start: float | None = None  # `from`
    end: float | None = None  # `to`
    gain_db: float = 0.0
    wait: WaitMode = "speech"
    sample_rate: int = 24000
    chunk: float = 0.05
    lead: float = 1.0
    max_message_bytes: int = 4096
    overlap: Literal["cut"] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Interrupt(StepBase):
    """`interrupt`: stop what the replica is saying."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause(StepBase):
    """`pause`: wait this many seconds."""

    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitFor(StepBase):
    """`wait_for`: wait for an event (or replica speech or silence), up to a timeout."""

    event: str  # normalized: see normalize_event
    timeout: float = 30.0
    on_timeout: Literal["fail", "continue"] = "fail"
    text: str | None = None  # replica.said: its speech contains this (case and spacing ignored)
    match: str | None = None  # replica.said: its speech matches this regex
    silence: float = 1.0  # replica.silent: for this long (`for:`)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cue(StepBase):
    """`cue`: a manual go (Enter or ] on a terminal); otherwise it goes on after `auto` seconds."""

    text: str
    auto: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Send(StepBase):
    """`send`: an interaction message sent as written (conversation_id filled in)."""

    message: Mapping[str, Any]


Step = Say | Play | Interrupt | Pause | WaitFor | Cue | Send


@dataclass(frozen=True, slots=True)
class Scenario:
    """A loaded scenario: its settings and resolved steps, and the files it came from."""

    path: Path
    name: str
    description: str | None
    conversation: ConversationSpec
    defaults: Defaults
    vars: Mapping[str, str]
    steps: tuple[Step, ...]
    # Every file read to build it (the scenario first, then includes), for reports.
    files: tuple[Path, ...] = ()
    # `thresholds:` metric -> upper bound (seconds or a count), in the order written.
    thresholds: Mapping[str, float] = field(default_factory=dict)
    threshold_pos: Mapping[str, Pos] = field(default_factory=dict)  # where each was written (none for --threshold)

    def step_by_id(self, step_id: str) -> Step | None:
        for step in self.steps:
            if step.id == step_id:
                return step
        return None


# `replica.said`: the replica's words as it speaks them (utterance.streaming), which `text` or
# `match` test; `replica.silent`: a pseudo event the player derives, silence for `for`.
REPLICA_SAID = "replica.said"
REPLICA_SILENT = "replica.silent"
SPEECH_EVENTS = ("conversation.utterance", "conversation.utterance.streaming")

# Short names a scenario may use in `wait_for`; anything else must be a full event_type.
EVENT_ALIASES: Mapping[str, str] = {
    REPLICA_SAID: "conversation.utterance.streaming",
    REPLICA_SILENT: REPLICA_SILENT,
    "utterance.streaming": "conversation.utterance.streaming",
    "replica.joined": "replica.joined",  # the replica participant joined the room (not an app message)
    "replica.left": "replica.left",
    "replica.started_speaking": "conversation.replica.started_speaking",
    "replica.stopped_speaking": "conversation.replica.stopped_speaking",
    "replica.interrupted": "conversation.replica_interrupted",
    "utterance": "conversation.utterance",
}


def normalize_event(name: str) -> str:
    return EVENT_ALIASES.get(name, name)


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def speech_matches(step: WaitFor, speech: str) -> re.Match[str] | bool:
    """Whether the replica's `speech` satisfies the step's `text` (case and spacing ignored) or
    `match` (a regex, searched); with neither, any speech does. The planner's estimate and
    the scheduler's wait share it."""
    if step.match is not None:
        return re.search(step.match, speech) or False
    if step.text is not None:
        return _folded(step.text) in _folded(speech)
    return True


_ACTIONS: dict[str, str] = {}


def _action_of(cls: type) -> str:
    name = cls.__name__
    action = _ACTIONS.get(name)
    if action is None:
        action = _ACTIONS[name] = name.lower().replace("waitfor", "wait_for")
    return action
