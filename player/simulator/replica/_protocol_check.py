"""The local replica's protocol checker: every app message against the interactions protocol.

A message that real Tavus might silently drop or misread is refused here with a reason, so a
scenario that plays cleanly on the local replica sends only what the real one accepts. Facts:
shared/reference/tavus-echo.md. Stateful rules (one sample rate per utterance, nothing after
`done`) live here too, so the checker alone decides what is a violation.

What the docs' and seeds' own examples send is accepted even where it strays from the schema
(`done` as the string "true", a text echo without `modality` or with modality "speech", null
fields from the seed's relay script), each time with a `Nonstandard` note naming the field: the
player never sends these, but a `send:` step or a relay may, and real Tavus is not known to
refuse them. Notes collect in `notes` until the replica takes them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import protocol
from ...errors import ProtocolViolation

__all__ = ["ProtocolChecker", "Echo", "Interrupt", "Sensitivity", "Nonstandard", "SAMPLE_RATES", "DEFAULT_SAMPLE_RATE"]

SAMPLE_RATES = (16000, 24000)
DEFAULT_SAMPLE_RATE = 16000  # what Tavus assumes when `sample_rate` is omitted
_NOT_FOR_ECHO = {"conversation.respond", "conversation.overwrite_llm_context"}
_SENSITIVITY_KEYS = ("participant_pause_sensitivity", "participant_interrupt_sensitivity")
_SENSITIVITY_VALUES = ("superlow", "verylow", "low", "medium", "high")


@dataclass(frozen=True, slots=True)
class Nonstandard:
    """An accepted message that strays from the documented schema: which field, and how."""

    event_type: str
    field: str
    value: Any
    message: str


@dataclass(frozen=True, slots=True)
class Echo:
    """A valid conversation.echo, decoded."""

    inference_id: str | None
    modality: str  # "text" | "audio"
    done: bool
    text: str = ""
    pcm: bytes = b""
    sample_rate: int = DEFAULT_SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class Interrupt:
    """A valid conversation.interrupt."""


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """A conversation.sensitivity: documented, accepted, and of no effect in echo mode."""


class ProtocolChecker:
    """Validates messages for one conversation; raises ProtocolViolation with the reason."""

    def __init__(
        self,
        conversation_id: str,
        *,
        max_message_bytes: int = 4096,
        echo_mode: bool = True,
        microphone: bool = False,
    ) -> None:
        self.conversation_id = conversation_id
        self.max_message_bytes = max_message_bytes
        self.echo_mode = echo_mode
        self.microphone = microphone
        self._rates: dict[str, int] = {}  # inference_id -> sample rate of its first chunk
        self._modalities: dict[str, str] = {}
        self._done: set[str] = set()
        self.notes: list[Nonstandard] = []

    def _note(self, event_type: str, field: str, value: Any, message: str) -> None:
        self.notes.append(Nonstandard(event_type, field, value, message))

    def check(self, message: Any) -> Echo | Interrupt | Sensitivity:
        if not isinstance(message, Mapping):
            raise ProtocolViolation(f"an app message must be a JSON object, got {type(message).__name__}")
        size = protocol.message_bytes(message)
        if size > self.max_message_bytes:
            raise ProtocolViolation(f"message is {size} bytes of JSON, over max_message_bytes {self.max_message_bytes}")
        if message.get("message_type") != protocol.MESSAGE_TYPE:
            raise ProtocolViolation(f"message_type must be 'conversation', got {message.get('message_type')!r}")
        event_type = message.get("event_type")
        if event_type in _NOT_FOR_ECHO:
            raise ProtocolViolation(f"{event_type} is for the full pipeline, not echo mode")
        if event_type not in (protocol.ECHO, protocol.INTERRUPT, protocol.SENSITIVITY):
            raise ProtocolViolation(f"unknown event_type {event_type!r}")
        cid = message.get("conversation_id")
        if cid != self.conversation_id:
            raise ProtocolViolation(f"conversation_id {cid!r} is not this conversation ({self.conversation_id})")
        if event_type == protocol.INTERRUPT:
            return Interrupt()
        if event_type == protocol.SENSITIVITY:
            return self._check_sensitivity(message.get("properties"))
        return self._check_echo(message.get("properties"))

    def _check_sensitivity(self, props: Any) -> Sensitivity:
        given = [k for k in _SENSITIVITY_KEYS if isinstance(props, Mapping) and k in props]
        if len(given) != 1:
            self._note(protocol.SENSITIVITY, "properties", props, "send exactly one of " + " or ".join(_SENSITIVITY_KEYS))
        for key in given:
            assert isinstance(props, Mapping)
            if props[key] not in _SENSITIVITY_VALUES:
                self._note(protocol.SENSITIVITY, key, props[key], "expected one of " + ", ".join(_SENSITIVITY_VALUES))
        return Sensitivity()

    def _check_echo(self, props: Any) -> Echo:
        if not self.echo_mode:
            raise ProtocolViolation("conversation.echo sent to a persona whose pipeline_mode is not 'echo'")
        if not isinstance(props, Mapping):
            raise ProtocolViolation("conversation.echo needs a `properties` object")
        inference_id = props.get("inference_id")
        if inference_id is not None and not isinstance(inference_id, str):
            raise ProtocolViolation(f"inference_id must be a string, got {type(inference_id).__name__}")
        done = self._done_of(props)
        if inference_id is not None and inference_id in self._done:
            raise ProtocolViolation(f"message for inference_id {inference_id} after its done: true")
        modality = self._modality_of(props)
        if modality == "text":
            echo = self._check_text(props, inference_id, done)
        elif modality == "audio":
            echo = self._check_audio(props, inference_id, done)
        else:
            raise ProtocolViolation(f"modality must be 'text' or 'audio', got {modality!r}")
        if inference_id is not None:
            first = self._modalities.setdefault(inference_id, modality)
            if first != modality:
                raise ProtocolViolation(f"inference_id {inference_id} mixes {first} and {modality}")
            if done:
                self._done.add(inference_id)
        return echo

    def _done_of(self, props: Mapping[str, Any]) -> bool:
        done = props.get("done", False)
        if isinstance(done, bool):
            return done
        if isinstance(done, str) and done.strip().lower() in ("true", "false"):
            # The API-reference example, the quickstarts and Tavus's own skill send "true".
            self._note(protocol.ECHO, "done", done, "done should be a JSON boolean; read as one")
            return done.strip().lower() == "true"
        if done is None:  # the seeds' relay script forwards an absent `done` as null
            self._note(protocol.ECHO, "done", None, "done is null; read as false")
            return False
        raise ProtocolViolation(f"done must be a JSON boolean, got {done!r}")

    def _modality_of(self, props: Mapping[str, Any]) -> Any:
        modality = props.get("modality")
        if modality in ("text", "audio"):
            if modality == "text" and props.get("audio") is not None:
                self._note(protocol.ECHO, "audio", "...", "a text echo carries `audio`; it is ignored")
            return modality
        if modality is None or modality == "speech":
            guess = "audio" if isinstance(props.get("audio"), str) and not isinstance(props.get("text"), str) else "text"
            said = "no modality" if modality is None else f"modality {modality!r}"
            self._note(protocol.ECHO, "modality", modality, f"{said}; read as {guess!r} from the fields given")
            return guess
        return modality

    def _check_text(self, props: Mapping[str, Any], inference_id: str | None, done: bool) -> Echo:
        if self.microphone:
            raise ProtocolViolation("text echo in a microphone persona: its input bypasses TTS")
        text = props.get("text")
        if not isinstance(text, str) or not text:
            raise ProtocolViolation("text echo needs a non-empty string `text`")
        return Echo(inference_id, "text", done, text=text)

    def _check_audio(self, props: Mapping[str, Any], inference_id: str | None, done: bool) -> Echo:
        audio = props.get("audio")
        if not isinstance(audio, str):
            raise ProtocolViolation("audio echo needs `audio`, a base64 string")
        try:
            pcm = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolViolation("`audio` is not valid base64") from None
        if len(pcm) % 2:
            raise ProtocolViolation(f"`audio` decodes to {len(pcm)} bytes: not whole 16-bit samples")
        if pcm[:4] == b"RIFF":
            raise ProtocolViolation("`audio` starts with a WAV header: send raw PCM")
        rate = props.get("sample_rate", DEFAULT_SAMPLE_RATE)
        if rate is None:
            self._note(protocol.ECHO, "sample_rate", None, f"sample_rate is null; read as {DEFAULT_SAMPLE_RATE}")
            rate = DEFAULT_SAMPLE_RATE
        if isinstance(rate, bool) or not isinstance(rate, int) or rate not in SAMPLE_RATES:
            raise ProtocolViolation(f"sample_rate must be 16000 or 24000, got {rate!r}")
        if inference_id is not None:
            first = self._rates.setdefault(inference_id, rate)
            if first != rate:
                raise ProtocolViolation(f"sample_rate changes from {first} to {rate} within inference_id {inference_id}")
        return Echo(inference_id, "audio", done, pcm=pcm, sample_rate=rate)
