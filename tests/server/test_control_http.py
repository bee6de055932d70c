"""The control API over real sockets while a scenario plays on the local replica, steered by
the real playback Controller: every operation, refusals, the event stream, and the seed's relay
speaking into the same room mid-run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from play_support import write_scenario
from player import protocol
from server_support import SEED_CURL_BODY, Serving, read_sse, serving, until

LONG = """\
steps:
  - say: one two three
    id: first
  - pause: 30s
    id: hold
  - say: after the hold a long line that goes on and on for quite a while so there is time to skip it before it ends by itself
    id: after
    note: smile here
  - cue: Go on when ready
    id: cue
    auto: 30s
  - say: the very end
    id: last
"""


async def _status(http: httpx.AsyncClient, s: Serving) -> dict[str, Any]:
    reply = await http.get(f"{s.base}/api/status")
    assert reply.status_code == 200
    return reply.json()


async def _op(http: httpx.AsyncClient, s: Serving, op: str, body: Any = None) -> httpx.Response:
    return await http.post(f"{s.base}/api/{op}", json={} if body is None else body)


async def _at(http: httpx.AsyncClient, s: Serving, step_id: str) -> None:
    async def current() -> str | None:
        status = await _status(http, s)
        return (status["current"] or {}).get("id")

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while await current() != step_id:
        assert loop.time() < deadline, f"never reached {step_id}: {await _status(http, s)} {[r for r in s.log() if r['kind'] != 'event']}"
        await asyncio.sleep(0.03)


def test_status_pause_resume_toggle_and_the_run_log(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, LONG)

    async def main() -> None:
        async with serving(path, tmp_path) as s, httpx.AsyncClient(headers=s.auth) as http:
            await _at(http, s, "hold")
            status = await _status(http, s)
            assert (status["state"], status["step"], status["steps"]) == ("playing", 2, 5)
            assert status["next"]["text"].startswith("after the hold") and status["next"]["note"] == "smile here"
            assert status["conversation_id"] == s.served.session.outcome.conversation_id
            assert status["remaining"] > 0 and status["estimated_total"] > 30
            reply = await _op(http, s, "pause")
            assert reply.status_code == 200 and reply.json()["status"]["state"] == "paused"
            refused = await _op(http, s, "pause")
            assert refused.status_code == 409 and "already paused" in refused.json()["error"]
            assert (await _op(http, s, "resume")).json()["status"]["state"] == "playing"
            assert (await _op(http, s, "toggle-pause")).json()["status"]["state"] == "paused"
            assert (await _op(http, s, "toggle-pause")).json()["status"]["state"] == "playing"
            kinds = [r["kind"] for r in s.log()]
            assert kinds.count("pause") == 2 and kinds.count("resume") == 2
            key = s.backend.client.settings.api_key
            answers = [refused, *[await http.get(f"{s.base}{p}") for p in ("/api/status", "/api/plan", "/", "/nope")]]
            assert key and not [a for a in answers if key in a.text]  # the API key is in no answer

    asyncio.run(main())


def test_next_skip_jump_step_and_their_refusals(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, LONG)

    async def main() -> None:
        async with serving(path, tmp_path, manual_cues=True) as s, httpx.AsyncClient(headers=s.auth) as http:
            await _at(http, s, "hold")
            assert (await _op(http, s, "next")).status_code == 200  # the 30 s pause, cut short
            await _at(http, s, "after")
            assert (await _op(http, s, "skip")).status_code == 200  # its line interrupted
            await _at(http, s, "cue")
            assert (await _status(http, s))["state"] == "waiting_cue"  # manual: held until next
            reply = await _op(http, s, "jump", {"step": "nope"})
            assert reply.status_code == 409 and "no step with id 'nope'" in reply.json()["error"]
            assert (await _op(http, s, "jump", {"step": "after"})).status_code == 200  # back
            await _at(http, s, "after")
            assert (await _op(http, s, "skip")).status_code == 200
            await _at(http, s, "cue")
            assert (await _op(http, s, "step")).status_code == 200  # pause once this step is done
            assert (await _op(http, s, "next")).status_code == 200  # the cue goes
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while (await _status(http, s))["state"] != "paused":
                assert loop.time() < deadline, "step did not pause at the boundary"
                await asyncio.sleep(0.03)
            assert s.steps() == ["first", "hold", "after", "cue", "after", "cue"]  # nothing after the pause
            assert (await _op(http, s, "step")).status_code == 200  # exactly one more
            await until(lambda: s.steps()[-1] == "last", what="the stepped step")
            ops = [r["op"] for r in s.log() if r["kind"] == "control"]
            assert ops == ["next", "skip", "jump", "skip", "step", "next", "step"]

    asyncio.run(main())


def test_say_interrupt_and_quit_reach_the_room_and_end_the_run(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, LONG)

    async def main() -> None:
        async with serving(path, tmp_path) as s, httpx.AsyncClient(headers=s.auth) as http:
            await _at(http, s, "hold")
            assert (await _op(http, s, "say", {"text": "An extra line"})).status_code == 200
            room = s.room
            assert room is not None
            await until(lambda: any(u.text == "An extra line" for u in room.utterances), what="the extra line spoken")
            assert (await _op(http, s, "interrupt")).status_code == 200
            await until(lambda: any(m.get("event_type") == protocol.INTERRUPT for _t, m in room.received), what="the interrupt")
            assert (await _op(http, s, "say", {"text": ""})).status_code == 400
            assert (await _op(http, s, "quit")).status_code == 200
            await asyncio.gather(s.task, return_exceptions=True)
            assert s.task.cancelled()
            outcome = s.served.session.outcome
            assert outcome.conversation_ended is True and outcome.persona_deleted is True
            refused = await _op(http, s, "pause")
            assert refused.status_code == 409
            assert room.violations == []
        assert [r["outcome"] for r in s.log() if r["kind"] == "end"] == ["interrupted"]

    asyncio.run(main())


def test_the_event_stream_follows_the_run(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, LONG)

    async def main() -> None:
        async with serving(path, tmp_path) as s, httpx.AsyncClient(headers=s.auth, timeout=15) as http:
            async with http.stream("GET", f"{s.base}/api/events") as stream:
                # The replica's events (utterance, streaming words) come between the steps: read
                # until the second step has started rather than a fixed count.
                events = await read_sse(stream, 0, until=lambda k, d: k == "step" and d.get("id") == "hold")
            kinds = [k for k, _ in events]
            assert kinds[0] == "status"
            steps = [d for k, d in events if k == "step"]
            assert [d["id"] for d in steps][:2] == ["first", "hold"]
            assert any(k == "message" and d["event_type"] == protocol.ECHO for k, d in events)
            assert any(k == "event" and d["event_type"] == protocol.STARTED_SPEAKING for k, d in events)
            # after each step a fresh status follows, naming that step as current
            after = kinds.index("step", 1)
            assert "status" in kinds[after:]
            answer = (await http.get(f"{s.base}/api/plan")).json()
            assert answer["name"] == "t"
            plan = answer["steps"]
            assert [p["id"] for p in plan] == ["first", "hold", "after", "cue", "last"]
            assert plan[2]["note"] == "smile here" and plan[1]["start"] > 0
            assert [p["timed"] for p in plan] == [None, None, None, "cue", None]

    asyncio.run(main())


def test_the_seeds_curl_body_speaks_into_the_running_scenarios_room(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, LONG)

    async def main() -> None:
        async with serving(path, tmp_path) as s, httpx.AsyncClient() as http:
            reply = await http.post(f"{s.base}/send_text_message", content=SEED_CURL_BODY, headers={"Content-Type": "application/json"})
            assert (reply.status_code, reply.json()) == (400, {"error": "Not connected to a room"})  # not joined yet
            await until(lambda: s.served.relay.connected, what="the join")
            reply = await http.post(f"{s.base}/send_text_message", content=SEED_CURL_BODY, headers={"Content-Type": "application/json"})
            assert (reply.status_code, reply.json()) == (200, {"status": "Message sent successfully"})
            room = s.room
            assert room is not None
            await until(lambda: any(u.text == "Hello there!" for u in room.utterances), what="the relayed line spoken")
            relayed = [r for r in s.log() if r["kind"] == "message" and r.get("via") == "relay"]
            assert [r["text"] for r in relayed] == ["Hello there!"]
            assert s.task.done() is False  # the scenario plays on
            assert room.violations == []

    asyncio.run(main())
