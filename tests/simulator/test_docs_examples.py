"""Every inbound example message of the Tavus docs pages and the seeds goes through the local
replica's checker: each is accepted (the docs show it, so a relay may send it), and exactly the
fields that stray from the documented schema are noted as nonstandard.

The examples (docs_examples/inbound.json) are verbatim but for two placeholders no checker can
take: the conversation id (each example's own stands for "yours") and, on audio echoes, the
audio payload ("BASE64_ENCODED_AUDIO" is not base64), replaced by 40 ms of real PCM.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from player.simulator.replica import Echo, Interrupt, ProtocolChecker
from room_support import b64, tone

_EXAMPLES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "docs_examples" / "inbound.json").read_text())["examples"]
CID = "c-test"


def _as_sent(message: dict[str, Any]) -> dict[str, Any]:
    out = {**message, "conversation_id": CID}
    props = message.get("properties")
    if isinstance(props, dict) and props.get("modality") == "audio":
        out["properties"] = {**props, "audio": b64(tone(0.04, rate=props.get("sample_rate") or 16000))}
    return out


@pytest.mark.parametrize("example", _EXAMPLES, ids=[e["id"] for e in _EXAMPLES])
def test_every_docs_and_seed_example_is_accepted_with_its_nonstandard_fields_noted(example: dict[str, Any]) -> None:
    checker = ProtocolChecker(CID)
    parsed = checker.check(_as_sent(example["message"]))
    expected = Interrupt if example["message"]["event_type"] == "conversation.interrupt" else Echo
    assert isinstance(parsed, expected)
    assert sorted(note.field for note in checker.notes) == sorted(example["notes"])
    if isinstance(parsed, Echo) and example["message"]["properties"].get("text"):
        assert parsed.modality == "text" and parsed.text == example["message"]["properties"]["text"]


def test_a_string_done_true_closes_the_utterance_as_a_boolean_would() -> None:
    checker = ProtocolChecker(CID)
    parsed = checker.check(_as_sent(next(e for e in _EXAMPLES if e["id"] == "S1")["message"]))
    assert isinstance(parsed, Echo) and parsed.done is True
    (note,) = [n for n in checker.notes if n.field == "done"]
    assert note.value == "true" and "JSON boolean" in note.message


def test_the_examples_real_conversation_id_placeholders_are_still_refused_unreplaced() -> None:
    # Sent as written (a placeholder id), the message is for no conversation: real Tavus drops it.
    from player.errors import ProtocolViolation

    with pytest.raises(ProtocolViolation, match="is not this conversation"):
        ProtocolChecker(CID).check(_EXAMPLES[0]["message"])
