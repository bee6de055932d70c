"""The control API of `serve` without a scenario, over real sockets: the token, status, say,
interrupt and quit into a real local room, the event stream, and the plan operations refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from player import protocol
from player.errors import UsageError
from player.server import ControlServer, Relay, RelayControls, ServerConfig
from server_support import read_sse, relaying, until


def test_control_needs_the_token_by_header_or_query(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient() as http:
            for path in ("/", "/api/status", "/api/plan", "/api/events"):
                reply = await http.get(r.base + path)
                assert reply.status_code == 401, path
                assert "token required" in reply.json()["error"]
            reply = await http.get(f"{r.base}/api/status", headers={"Authorization": "Bearer nope"})
            assert (reply.status_code, reply.json()) == (403, {"error": "wrong token"})
            assert (await http.post(f"{r.base}/api/quit")).status_code == 401
            assert r.task.done() is False
            status = (await http.get(f"{r.base}/api/status", headers=r.auth)).json()
            assert (status["state"], status["conversation_id"]) == ("relaying", r.outcome.conversation_id)
            page = await http.get(f"{r.base}/?token={r.token}")
            assert page.status_code == 200 and "<title>echo-player presenter</title>" in page.text
            script = await http.get(f"{r.base}/static/presenter.js")  # the page's code: public
            assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")

    asyncio.run(main())


def test_say_and_interrupt_reach_the_room_and_the_plan_operations_are_refused(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient(headers=r.auth) as http:
            reply = await http.post(f"{r.base}/api/say", json={"text": "Said from the API"})
            assert reply.status_code == 200 and reply.json()["ok"] is True
            await until(lambda: any(u.text == "Said from the API" for u in r.room.utterances), what="the line spoken")
            reply = await http.post(f"{r.base}/api/interrupt", json={})
            assert reply.status_code == 200
            await until(lambda: any(m.get("event_type") == protocol.INTERRUPT for _t, m in r.room.received), what="the interrupt")
            for op in ("pause", "resume", "toggle-pause", "step", "next", "skip"):
                reply = await http.post(f"{r.base}/api/{op}", json={})
                assert reply.status_code == 409, op
                assert "no scenario is playing" in reply.json()["error"]
            reply = await http.post(f"{r.base}/api/jump", json={"step": "intro"})
            assert reply.status_code == 409
            assert (await http.post(f"{r.base}/api/say", json={"text": 3})).json() == {"error": "'text' must be a non-empty string"}
            assert (await http.post(f"{r.base}/api/jump", json={})).status_code == 400
            assert (await http.post(f"{r.base}/api/say", content=b"{not json")).status_code == 400
            reply = await http.post(f"{r.base}/api/dance", json={})
            assert reply.status_code == 404 and "one of: pause" in reply.json()["error"]
            assert r.room.violations == []

    asyncio.run(main())


def test_the_event_stream_carries_messages_and_room_events(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient(headers=r.auth, timeout=10) as http:
            async with http.stream("GET", f"{r.base}/api/events") as stream:
                assert stream.headers["Content-Type"] == "text/event-stream"
                reader = asyncio.ensure_future(read_sse(stream, 4))
                await asyncio.sleep(0.1)
                await http.post(f"{r.base}/send_text_message", json={"properties": {"modality": "text", "text": "Streamed", "done": True}})
                events = await reader
            kinds = [kind for kind, _ in events]
            assert kinds[0] == "status" and events[0][1]["state"] == "relaying"
            assert ("message", {"kind": "message", "event_type": protocol.ECHO, "text": "Streamed", "via": "relay"}) in events
            assert any(kind == "event" and data["event_type"] == protocol.STARTED_SPEAKING for kind, data in events)

    asyncio.run(main())


def test_quit_ends_the_conversation_and_deletes_the_persona_it_created(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient(headers=r.auth) as http:
            async with http.stream("GET", f"{r.base}/api/events") as stream:
                reply = await http.post(f"{r.base}/api/quit", json={})
                assert reply.status_code == 200
                await asyncio.wait_for(r.task, 10)
                assert r.relay.connected is False
                # The stream ends by itself once the server stops; here it is still open.
                assert stream.status_code == 200
            outcome = r.task.result()
            assert outcome.conversation_ended is True and outcome.persona_deleted is True
            assert outcome.cleanup_errors == []
            server = r.backend.server
            assert server.state.conversations[outcome.conversation_id]["status"] == "ended"
            assert server.state.personas == {}
            reply = await http.post(f"{r.base}/send_text_message", json={"properties": {"modality": "text", "text": "late"}})
            assert (reply.status_code, reply.json()) == (400, {"error": "Not connected to a room"})
        ends = [rec for rec in r.log() if rec["kind"] == "end"]
        assert [e["outcome"] for e in ends] == ["quit"]

    asyncio.run(main())


def test_the_server_stops_at_once_with_an_event_stream_open(tmp_path: Path) -> None:
    async def main() -> None:
        async with relaying(tmp_path) as r, httpx.AsyncClient(headers=r.auth, timeout=10) as http:
            async with http.stream("GET", f"{r.base}/api/events") as stream:
                lines = stream.aiter_lines()
                assert await anext(lines) == "event: status"
                await asyncio.wait_for(r.server.stop(), 5)  # a hang guard, not a timing claim
                rest = [line async for line in lines]  # returns: the server ended the stream
            assert not any(line.startswith("event:") for line in rest)

    asyncio.run(main())


def test_off_loopback_everything_needs_the_token() -> None:
    assert ServerConfig(host="127.0.0.1").relay_needs_token is False
    assert ServerConfig(host="::1").loopback and ServerConfig(host="localhost").loopback
    assert ServerConfig(host="0.0.0.0").relay_needs_token is True  # not bound here: config only
    assert ServerConfig(host="192.168.1.20").relay_needs_token is True
    assert len(ServerConfig().token) == 48 and ServerConfig().token != ServerConfig().token
    with pytest.raises(UsageError, match="non-empty token"):
        ServerConfig(token="")


def test_a_bug_behind_an_endpoint_is_one_json_line_without_the_key(capfd: pytest.CaptureFixture[str]) -> None:
    class Broken(RelayControls):
        def status(self) -> dict[str, Any]:
            raise KeyError("sk-secret-1 gone")

    async def main() -> None:
        relay = Relay()
        config = ServerConfig(port=0, secrets=("sk-secret-1",))
        async with ControlServer(config, Broken(relay), relay) as server, httpx.AsyncClient() as http:
            reply = await http.get(f"{server.base_url}/api/status", params={"token": config.token})
            assert reply.status_code == 500
            assert reply.json() == {"error": "internal error: KeyError: '[redacted] gone' (please report it)"}

    asyncio.run(main())
    assert "Traceback" not in capfd.readouterr().err
