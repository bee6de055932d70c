"""The seed's relay, kept exactly: `POST /send_text_message` turns a body into one
`conversation.echo` app message in the room, with the seed's answers.

The seed (a Flask app, shared/seeds) forwards `properties` as they come, defaulting
`sample_rate` to 16000. Two things are mended on the way so the seed's own curl example works:
`"done": "true"` (a string in the docs) goes on as a JSON boolean, and the docs' placeholder
`"<conversation_id>"` (or none) means this room's conversation; a missing `modality` is inferred,
as another docs example leaves it out. What the replica would refuse (a wrong type, no text, an
inference id after its `done: true`) is a 400 here instead of a room error that would end a run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .. import protocol
from ..transport.base import Microphone, Transport
from ._security import json_reply

__all__ = ["Relay", "RelayedTransport", "BadBody", "echo_from_seed_body", "read_json", "send_text_message", "RELAY"]

_PLACEHOLDER = re.compile(r"<[^<>]*>")
_RATES = (16000, 24000)
SEED_OK = {"status": "Message sent successfully"}
SEED_NOT_CONNECTED = {"error": "Not connected to a room"}


class BadBody(ValueError):
    """A body that cannot become a message: a 400 with this one-line reason."""


class Relay:
    """The room the relay sends into, while there is one: set once joined, cleared on leaving."""

    def __init__(self, on_sent: Callable[[Mapping[str, Any]], None] | None = None) -> None:
        self._send: Callable[[Mapping[str, Any]], None] | None = None
        self.conversation_id: str | None = None
        self.id_known = True  # False: a guess from the room URL, so a body's own id is kept
        self.on_sent = on_sent
        self.finished: set[str] = set()  # inference ids sent with done: true

    @property
    def connected(self) -> bool:
        return self._send is not None and self.conversation_id is not None

    def connect(self, send: Callable[[Mapping[str, Any]], None], conversation_id: str, *, id_known: bool = True) -> None:
        self._send = send
        self.conversation_id = conversation_id
        self.id_known = id_known

    def disconnect(self) -> None:
        self._send = None

    def send(self, message: Mapping[str, Any]) -> None:
        if self._send is None:
            raise RuntimeError("not connected to a room")
        self._send(message)
        props = message.get("properties")
        if isinstance(props, Mapping) and props.get("done") is True and isinstance(props.get("inference_id"), str):
            self.finished.add(props["inference_id"])
        if self.on_sent is not None:
            self.on_sent(message)


class RelayedTransport(Transport):
    """A room transport that lends its room to the relay until close: what `serve` hands a
    playback session in place of the backend's own, so both speak into one room. With
    `replica_first` the relay starts once the replica is in (what it says before is unheard)."""

    def __init__(self, inner: Transport, relay: Relay, conversation_id: Callable[[], str | None], *, replica_first: bool = True) -> None:
        self._inner = inner
        self._relay = relay
        self._conversation_id = conversation_id
        self._replica_first = replica_first
        self.events = inner.events

    def _lend(self) -> None:
        cid = self._conversation_id()
        if cid is not None:
            self._relay.connect(self._inner.send, cid)

    async def join(self, url: str, *, meeting_token: str | None = None, user_name: str = "echo-player") -> None:
        await self._inner.join(url, meeting_token=meeting_token, user_name=user_name)
        if not self._replica_first:
            self._lend()

    async def wait_for_replica(self, timeout: float) -> Any:
        event = await self._inner.wait_for_replica(timeout)
        self._lend()
        return event

    def send(self, message: Mapping[str, Any]) -> None:
        self._inner.send(message)

    async def open_microphone(self, sample_rate: int, *, track: str = "microphone") -> Microphone:
        return await self._inner.open_microphone(sample_rate, track=track)

    async def close(self) -> None:
        self._relay.disconnect()  # first: nothing more from the relay once leaving starts
        await self._inner.close()


def _opt(props: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = props.get(key)
    if value is not None and (isinstance(value, bool) and kind is not bool or not isinstance(value, kind)):
        raise BadBody(f"properties.{key} must be {what}, got {type(value).__name__}")
    return value


def echo_from_seed_body(body: Any, conversation_id: str, *, strict: bool = True) -> dict[str, Any]:
    """The seed's message for `body`, into the conversation `conversation_id`; BadBody if not.
    Not `strict` (the id is only a guess), a real id in the body goes on as the seed sends it."""
    if not isinstance(body, Mapping):
        raise BadBody(f"the body must be a JSON object, got {type(body).__name__}")
    cid = body.get("conversation_id")
    if cid is not None and not isinstance(cid, str):
        raise BadBody(f"conversation_id must be a string, got {type(cid).__name__}")
    if cid is not None and cid != conversation_id and not _PLACEHOLDER.fullmatch(cid):
        if strict:
            raise BadBody(f"conversation_id {cid!r} is not this room's conversation ({conversation_id})")
        conversation_id = cid
    props = body.get("properties", {})
    if not isinstance(props, Mapping):
        raise BadBody(f"properties must be an object, got {type(props).__name__}")
    modality = props.get("modality")
    if modality is None:  # the docs' own examples leave it out of a text echo
        modality = "audio" if props.get("audio") is not None and props.get("text") is None else "text"
    if modality not in ("text", "audio"):
        raise BadBody(f"properties.modality must be 'text' or 'audio', got {modality!r}")
    text = _opt(props, "text", str, "a string")
    audio = _opt(props, "audio", str, "a base64 string")
    rate = _opt(props, "sample_rate", int, "an integer")
    inference_id = _opt(props, "inference_id", str, "a string")
    done = props.get("done")
    if isinstance(done, str) and done.lower() in ("true", "false"):
        done = done.lower() == "true"  # the docs' curl sends "true"; the protocol wants a boolean
    if done is not None and not isinstance(done, bool):
        raise BadBody(f"properties.done must be true or false, got {done!r}")
    if modality == "text" and not text:
        raise BadBody("properties.text is required for modality 'text'")
    if modality == "audio":
        if not audio:
            raise BadBody("properties.audio (base64 PCM) is required for modality 'audio'")
        if rate is not None and rate not in _RATES:
            raise BadBody(f"properties.sample_rate must be 16000 or 24000, got {rate}")
    fields = {
        "modality": modality,
        "text": text,
        "audio": audio,
        "sample_rate": 16000 if rate is None else rate,
        "inference_id": inference_id,
        "done": done,
    }
    # The seed forwards absent fields as null; the replica reads a null `done` as a bad value.
    message: dict[str, Any] = {"message_type": protocol.MESSAGE_TYPE, "event_type": protocol.ECHO, "conversation_id": conversation_id}
    message["properties"] = {k: v for k, v in fields.items() if v is not None}
    return message


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; BadBody with the parser's reason if it is not JSON."""
    raw = await request.read()  # client_max_size applies: HTTPRequestEntityTooLarge -> 413
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadBody("the body is not UTF-8 text") from None
    except ValueError as exc:
        raise BadBody(f"the body is not valid JSON ({exc})") from None


RELAY = web.AppKey("relay", Relay)


async def send_text_message(request: web.Request) -> web.Response:
    relay = request.app[RELAY]
    if not relay.connected or relay.conversation_id is None:
        return json_reply(SEED_NOT_CONNECTED, 400)
    try:
        message = echo_from_seed_body(await read_json(request), relay.conversation_id, strict=relay.id_known)
        inference_id = message["properties"].get("inference_id")
        if inference_id in relay.finished:  # the replica would refuse it (and a scenario would fail)
            raise BadBody(f"inference_id {inference_id!r} is finished (it was sent with done: true): send a new one, or none")
    except BadBody as exc:
        return json_reply({"error": str(exc)}, 400)
    try:
        relay.send(message)
    except Exception as exc:  # noqa: BLE001 - the seed's answer for any failure to send
        return json_reply({"error": f"Failed to send message: {exc}"}, 500)
    return json_reply(SEED_OK, 200)
