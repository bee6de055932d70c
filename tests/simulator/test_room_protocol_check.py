"""The local replica's protocol checks: each kind of violation, and what is accepted."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import pytest

from player import protocol
from player.errors import ProtocolViolation
from player.simulator.replica._protocol_check import Echo, Interrupt, ProtocolChecker
from room_support import b64, tone

CID = "c-check"
PCM = tone(0.02)


def _audio(**props: Any) -> dict[str, Any]:
    msg = protocol.echo_audio(CID, b64(PCM), 24000, "i1", False)
    msg["properties"].update(props)
    return msg


def _text(**props: Any) -> dict[str, Any]:
    msg = protocol.echo_text(CID, "Hello there", "t1", False)
    msg["properties"].update(props)
    return msg


def _wav() -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(24000), w.writeframes(PCM)
    return base64.b64encode(out.getvalue()).decode()


VIOLATIONS = {
    "not an object": (["echo"], "JSON object"),
    "message_type": ({**_text(), "message_type": "chat"}, "message_type"),
    "unknown event_type": ({**_text(), "event_type": "conversation.sing"}, "unknown event_type"),
    "respond is not echo": ({**_text(), "event_type": "conversation.respond"}, "not echo mode"),
    "overwrite_llm_context": ({**_text(), "event_type": "conversation.overwrite_llm_context"}, "not echo mode"),
    "conversation_id": (protocol.echo_text("c-other", "Hi", "t1", True), "conversation_id"),
    "missing conversation_id": ({k: v for k, v in _text().items() if k != "conversation_id"}, "conversation_id"),
    "no properties": ({**_text(), "properties": None}, "properties"),
    "modality": (_text(modality="video"), "modality"),
    "empty text": (_text(text=""), "non-empty"),
    "text not a string": (_text(text=["a"]), "non-empty"),
    "done as some other string": (_text(done="yes"), "JSON boolean"),
    "done as a number": (_text(done=1), "JSON boolean"),
    "inference_id not a string": (_text(inference_id=7), "inference_id must be a string"),
    "audio not base64": (_audio(audio="not base64!"), "base64"),
    "audio base64 not strict": (_audio(audio=b64(PCM)[:-2] + "\n="), "base64"),
    "odd byte count": (_audio(audio=b64(PCM[:-1])), "16-bit"),
    "wav header": (_audio(audio=_wav()), "WAV header"),
    "sample_rate 44100": (_audio(sample_rate=44100), "sample_rate"),
    "sample_rate string": (_audio(sample_rate="24000"), "sample_rate"),
    "sample_rate bool": (_audio(sample_rate=True), "sample_rate"),
    "audio missing": (_audio(audio=None), "base64 string"),
    "too big": (_text(text="word " * 900), "max_message_bytes"),
}


@pytest.mark.parametrize("kind", list(VIOLATIONS))
def test_each_violation_is_refused_with_its_reason(kind: str) -> None:
    message, reason = VIOLATIONS[kind]
    with pytest.raises(ProtocolViolation, match=reason):
        ProtocolChecker(CID).check(message)


def test_valid_messages_are_decoded() -> None:
    checker = ProtocolChecker(CID)
    echo = checker.check(protocol.echo_audio(CID, b64(PCM), 24000, "a", True))
    assert echo == Echo("a", "audio", True, pcm=PCM, sample_rate=24000)
    assert checker.check(protocol.echo_text(CID, "Hi", "b", False)) == Echo("b", "text", False, text="Hi")
    assert isinstance(checker.check(protocol.interrupt(CID)), Interrupt)


def test_sample_rate_defaults_to_16000_when_omitted() -> None:
    msg = _audio()
    del msg["properties"]["sample_rate"]
    echo = ProtocolChecker(CID).check(msg)
    assert isinstance(echo, Echo) and echo.sample_rate == 16000


def test_sample_rate_must_not_change_within_an_utterance() -> None:
    checker = ProtocolChecker(CID)
    checker.check(_audio(sample_rate=24000))
    checker.check(_audio(sample_rate=24000))
    with pytest.raises(ProtocolViolation, match="changes from 24000 to 16000"):
        checker.check(_audio(sample_rate=16000))
    checker.check(_audio(sample_rate=16000, inference_id="other"))  # a new utterance may differ


def test_nothing_after_done_for_the_same_inference_id() -> None:
    checker = ProtocolChecker(CID)
    checker.check(_text(done=True))
    with pytest.raises(ProtocolViolation, match="after its done"):
        checker.check(_text(text="more"))
    checker.check(_text(inference_id="t2"))


def test_one_utterance_cannot_mix_text_and_audio() -> None:
    checker = ProtocolChecker(CID)
    checker.check(_audio())
    with pytest.raises(ProtocolViolation, match="mixes audio and text"):
        checker.check(_text(inference_id="i1"))


def test_size_limit_is_the_rooms_setting() -> None:
    message = _text(text="x" * 200)
    size = protocol.message_bytes(message)
    ProtocolChecker(CID, max_message_bytes=size).check(message)
    with pytest.raises(ProtocolViolation, match=f"{size} bytes"):
        ProtocolChecker(CID, max_message_bytes=size - 1).check(message)


def test_text_echo_in_a_microphone_persona_is_refused_but_audio_is_not() -> None:
    checker = ProtocolChecker(CID, microphone=True)
    with pytest.raises(ProtocolViolation, match="microphone persona"):
        checker.check(_text())
    checker.check(_audio())


def test_echo_to_a_non_echo_persona_is_refused() -> None:
    checker = ProtocolChecker(CID, echo_mode=False)
    with pytest.raises(ProtocolViolation, match="pipeline_mode"):
        checker.check(_text())
    checker.check(protocol.interrupt(CID))  # interrupt is valid in every mode
