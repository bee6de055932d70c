"""The seed's relay endpoint over real sockets, into a real local room: the seed's curl body
verbatim, its three answers, and the refusals (types, JSON, size, origin, host)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from player import protocol
from player.server import ControlServer, Relay, RelayControls, ServerConfig
from server_support import SEED_CURL_BODY, relaying, until

JSON = {"Content-Type": "application/json"}


def _echoes(room: Any) -> list[Mapping[str, Any]]:
    return [m for _t, m in room.received if m.get("event_type") == protocol.ECHO]


def test_the_seeds_curl_body_verbatim_is_spoken_by_the_replica(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient() as http:
            reply = await http.post(f"{r.base}/send_text_message", content=SEED_CURL_BODY, headers=JSON)
            assert reply.status_code == 200
            assert reply.json() == {"status": "Message sent successfully"}
            await until(lambda: len(_echoes(r.room)) == 1, what="the echo in the room")
            (message,) = _echoes(r.room)
            assert message["conversation_id"] == r.outcome.conversation_id  # the docs' placeholder means this room
            props = message["properties"]
            assert props["done"] is True  # "true" went on as a JSON boolean
            assert (props["text"], props["sample_rate"], props["inference_id"]) == ("Hello there!", 24000, "inference-id-123")
            await until(lambda: any(u.text == "Hello there!" for u in r.room.utterances), what="the replica to speak it")
            again = await http.post(f"{r.base}/send_text_message", content=SEED_CURL_BODY, headers=JSON)
            assert again.status_code == 400  # its inference_id is finished: the replica would refuse it
            assert again.json() == {
                "error": "inference_id 'inference-id-123' is finished (it was sent with done: true): send a new one, or none"
            }
            assert r.room.violations == [] and len(_echoes(r.room)) == 1

    asyncio.run(main())


def test_a_missing_sample_rate_is_16000_and_missing_fields_are_not_sent_as_null(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient() as http:
            body = {"properties": {"text": "No rate given", "done": True}}  # no modality either: text
            reply = await http.post(f"{r.base}/send_text_message", json=body)
            assert reply.json() == {"status": "Message sent successfully"}
            await until(lambda: len(_echoes(r.room)) == 1, what="the echo")
            props = _echoes(r.room)[0]["properties"]
            assert props == {"modality": "text", "text": "No rate given", "sample_rate": 16000, "done": True}

    asyncio.run(main())


def test_not_connected_is_the_seeds_400(tmp_path: Path) -> None:
    async def main() -> None:
        relay = Relay()
        async with ControlServer(ServerConfig(port=0), RelayControls(relay), relay) as server, httpx.AsyncClient() as http:
            reply = await http.post(f"{server.base_url}/send_text_message", content=SEED_CURL_BODY, headers=JSON)
            assert (reply.status_code, reply.json()) == (400, {"error": "Not connected to a room"})

    asyncio.run(main())


def test_a_failed_send_is_the_seeds_500_and_secrets_never_leave(tmp_path: Path) -> None:
    def broken(_message: Mapping[str, Any]) -> None:
        raise RuntimeError("room gone (key sk-live-0123456789)")

    async def main() -> None:
        relay = Relay()
        relay.connect(broken, "c123")
        config = ServerConfig(port=0, secrets=("sk-live-0123456789",))
        async with ControlServer(config, RelayControls(relay), relay) as server, httpx.AsyncClient() as http:
            reply = await http.post(f"{server.base_url}/send_text_message", content=SEED_CURL_BODY, headers=JSON)
            assert reply.status_code == 500
            assert reply.json() == {"error": "Failed to send message: room gone (key [redacted])"}
            assert "sk-live" not in reply.text

    asyncio.run(main())


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"properties": {"modality": "text", "text": 5}}', "properties.text must be a string, got int"),
        ('{"properties": {"modality": "text", "text": "hi", "done": "maybe"}}', "properties.done must be true or false, got 'maybe'"),
        (
            '{"properties": {"modality": "audio", "audio": "AAAA", "sample_rate": "24000"}}',
            "properties.sample_rate must be an integer, got str",
        ),
        (
            '{"properties": {"modality": "audio", "audio": "AAAA", "sample_rate": 44100}}',
            "properties.sample_rate must be 16000 or 24000, got 44100",
        ),
        ('{"properties": {"modality": "video"}}', "properties.modality must be 'text' or 'audio', got 'video'"),
        ('{"properties": {}}', "properties.text is required for modality 'text'"),
        ('{"properties": {"modality": "audio", "text": "hi"}}', "properties.audio (base64 PCM) is required for modality 'audio'"),
        ('{"properties": "hello"}', "properties must be an object, got str"),
        (
            '{"conversation_id": "c999", "properties": {"modality": "text", "text": "hi"}}',
            "conversation_id 'c999' is not this room's conversation",
        ),
        ("[1, 2]", "the body must be a JSON object, got list"),
        ('{"properties": {"modality": "text", ', "the body is not valid JSON"),
    ],
)
def test_a_bad_body_is_a_400_with_one_clear_message(tmp_path: Path, body: str, error: str) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient() as http:
            reply = await http.post(f"{r.base}/send_text_message", content=body, headers=JSON)
            assert reply.status_code == 400
            assert set(reply.json()) == {"error"} and reply.json()["error"].startswith(error)
            assert _echoes(r.room) == []  # nothing reached the room
            assert r.task.done() is False  # and the relay goes on

    asyncio.run(main())


def test_refusals_oversize_foreign_origin_foreign_host_and_turned_off(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path, max_body=4096) as r, httpx.AsyncClient() as http:
            url = f"{r.base}/send_text_message"
            big = '{"properties": {"modality": "text", "text": "' + "a" * 5000 + '"}}'
            reply = await http.post(url, content=big, headers=JSON)
            assert (reply.status_code, reply.json()) == (413, {"error": "request body too large (limit 4096 bytes)"})
            reply = await http.post(url, content=SEED_CURL_BODY, headers={**JSON, "Origin": "https://evil.example"})
            assert reply.status_code == 403 and "cross-origin" in reply.json()["error"]
            reply = await http.post(url, content=SEED_CURL_BODY, headers={**JSON, "Host": "evil.example:8000"})
            assert reply.status_code == 403 and "localhost only" in reply.json()["error"]
            own = await http.post(url, content=SEED_CURL_BODY, headers={**JSON, "Origin": r.base})
            assert own.status_code == 200  # the presenter page's own origin is fine
        relay = Relay()
        config = ServerConfig(port=0, relay=False)
        async with ControlServer(config, RelayControls(relay), relay) as server, httpx.AsyncClient() as http:
            reply = await http.post(f"{server.base_url}/send_text_message", content=SEED_CURL_BODY, headers=JSON)
            assert reply.status_code == 401  # no such public route: behind the token like anything unknown
            reply = await http.post(
                f"{server.base_url}/send_text_message", content=SEED_CURL_BODY, headers={**JSON, "Authorization": f"Bearer {config.token}"}
            )
            assert reply.status_code == 404

    asyncio.run(main())


def test_the_relay_can_require_the_token(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path, relay_token=True) as r, httpx.AsyncClient() as http:
            url = f"{r.base}/send_text_message"
            assert (await http.post(url, content=SEED_CURL_BODY, headers=JSON)).status_code == 401
            reply = await http.post(url, content=SEED_CURL_BODY, headers={**JSON, **r.auth})
            assert reply.json() == {"status": "Message sent successfully"}
            second = SEED_CURL_BODY.replace("inference-id-123", "inference-id-124")
            reply = await http.post(f"{url}?token={r.token}", content=second, headers=JSON)
            assert reply.status_code == 200

    asyncio.run(main())
