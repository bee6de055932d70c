"""The Tavus interactions protocol: the app messages echo-player sends and the events it reads.

One place builds messages (planner, scheduler and `send` steps use it) and one place reads
events, so the local replica and the real room are spoken to identically. Facts and sources:
shared/reference/tavus-echo.md.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import random

__all__ = [
    "MESSAGE_TYPE",
    "ECHO",
    "INTERRUPT",
    "STARTED_SPEAKING",
    "STOPPED_SPEAKING",
    "UTTERANCE",
    "REPLICA_INTERRUPTED",
    "ROLE_STARTED_SPEAKING",
    "ROLE_STOPPED_SPEAKING",
    "UTTERANCE_STREAMING",
    "SENSITIVITY",
    "REPLICA_ROLES",
    "PLACEHOLDER_CONVERSATION_ID",
    "new_inference_id",
    "text_message_bytes",
    "audio_message_bytes",
    "echo_text",
    "echo_audio",
    "interrupt",
    "with_conversation_id",
    "message_bytes",
    "event_type_of",
    "inference_id_of",
    "seq_of",
    "replica_speech_of",
]

MESSAGE_TYPE = "conversation"
ECHO = "conversation.echo"
INTERRUPT = "conversation.interrupt"
STARTED_SPEAKING = "conversation.replica.started_speaking"
STOPPED_SPEAKING = "conversation.replica.stopped_speaking"
UTTERANCE = "conversation.utterance"
REPLICA_INTERRUPTED = "conversation.replica_interrupted"
# 2026 event pages: role-agnostic events fire alongside the replica's; streaming carries the
# words spoken so far in properties.speech; sensitivity is inbound (VAD), no effect in echo mode.
ROLE_STARTED_SPEAKING = "conversation.started_speaking"
ROLE_STOPPED_SPEAKING = "conversation.stopped_speaking"
UTTERANCE_STREAMING = "conversation.utterance.streaming"
SENSITIVITY = "conversation.sensitivity"
# Streaming for PAL turns is sent twice, with role "pal" and the legacy "replica".
REPLICA_ROLES = ("replica", "pal")

# Used to size messages before a conversation exists; as long as a real Tavus id or longer.
PLACEHOLDER_CONVERSATION_ID = "c0000000000000000000"


# Inference ids need to be unique, not secret: a generator seeded once from os.urandom, not
# uuid4's urandom syscall per id (which under 100 playbacks cost 0.27 ms each, issue 13). Made
# on first use: `validate` and `plan` build no message, and importing `random` costs their
# cold start. Two threads racing to make it get two generators, each seeded from urandom.
_ids: "random.Random | None" = None


def new_inference_id() -> str:
    """32 hex digits, like uuid4().hex."""
    global _ids
    if _ids is None:
        import random

        _ids = random.Random(os.urandom(32))
    return f"{_ids.getrandbits(128):032x}"


def _envelope(event_type: str, conversation_id: str) -> dict[str, Any]:
    return {"message_type": MESSAGE_TYPE, "event_type": event_type, "conversation_id": conversation_id}


def echo_text(conversation_id: str, text: str, inference_id: str, done: bool) -> dict[str, Any]:
    msg = _envelope(ECHO, conversation_id)
    msg["properties"] = {"modality": "text", "text": text, "inference_id": inference_id, "done": done}
    return msg


def echo_audio(conversation_id: str, audio_b64: str, sample_rate: int, inference_id: str, done: bool) -> dict[str, Any]:
    """`audio` is base64 of raw s16le mono PCM, no WAV header; `done` is a JSON boolean."""
    msg = _envelope(ECHO, conversation_id)
    msg["properties"] = {
        "modality": "audio",
        "audio": audio_b64,
        "sample_rate": sample_rate,
        "inference_id": inference_id,
        "done": done,
    }
    return msg


def interrupt(conversation_id: str) -> dict[str, Any]:
    return _envelope(INTERRUPT, conversation_id)


def with_conversation_id(message: Mapping[str, Any], conversation_id: str) -> dict[str, Any]:
    """A `send` step's raw message with conversation_id filled in (the envelope defaulted)."""
    out = dict(message)
    out.setdefault("message_type", MESSAGE_TYPE)
    out["conversation_id"] = conversation_id
    return out


def message_bytes(message: Mapping[str, Any]) -> int:
    """Size of the message as JSON on the wire. json.dumps' default separators are the larger
    choice, so a message that fits here fits whatever the transport's serializer does."""
    return len(json.dumps(message, ensure_ascii=False).encode("utf-8"))


def _is_mapping(value: Any) -> bool:
    """isinstance(value, Mapping), a dict first: the ABC check alone costs ~1 us, and the helpers
    below run several times for every room event (42,000 a run at 100 playbacks; issue 13)."""
    return type(value) is dict or isinstance(value, Mapping)


def event_type_of(message: Any) -> str | None:
    if _is_mapping(message):
        value = message.get("event_type")
        return value if isinstance(value, str) else None
    return None


def inference_id_of(message: Any) -> str | None:
    """Tavus puts inference_id inside `properties` on some events and at the top on others."""
    if not _is_mapping(message):
        return None
    props = message.get("properties")
    if _is_mapping(props) and isinstance(props.get("inference_id"), str):
        return props["inference_id"]
    value = message.get("inference_id")
    return value if isinstance(value, str) else None


_SAMPLE_INFERENCE_ID = "0" * 32  # uuid4().hex length: what the sizes below assume


def text_message_bytes(text: str, *, done: bool = False) -> int:
    """JSON size of one text echo message (`done: false` is the larger)."""
    return message_bytes(echo_text(PLACEHOLDER_CONVERSATION_ID, text, _SAMPLE_INFERENCE_ID, done))


def audio_message_bytes(samples: int, sample_rate: int, *, done: bool = False) -> int:
    """JSON size of one audio chunk message carrying `samples` s16le samples."""
    b64_len = 4 * math.ceil(samples * 2 / 3)
    return message_bytes(echo_audio(PLACEHOLDER_CONVERSATION_ID, "A" * b64_len, sample_rate, _SAMPLE_INFERENCE_ID, done))


def seq_of(message: Any) -> int | None:
    """The envelope's globally monotonic `seq`, when the event carries one."""
    if not _is_mapping(message):
        return None
    value = message.get("seq")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def replica_speech_of(message: Any) -> str | None:
    """The replica's words in an utterance or utterance.streaming event (None for the user's)."""
    if event_type_of(message) not in (UTTERANCE, UTTERANCE_STREAMING):
        return None
    props = message.get("properties")
    if not isinstance(props, Mapping) or props.get("role") not in REPLICA_ROLES:
        return None
    speech = props.get("speech")
    return speech if isinstance(speech, str) else None
