"""Every fault the fake can inject, met by the real client over real sockets: retries, backoff,
Retry-After, timeouts, dropped connections, and creates whose answer is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from player.simulator.tavus_api._server import FakeTavus
from player.tavus import Ledger, NetworkError, OutcomeUnknownError, RateLimitedError, RetryPolicy, ServerError, TavusClient, cleanup
from tavus_support import FAST_RETRY, REPLICA, client, fake, isolated_env, ledger, live_ids, make_settings  # noqa: F401

CONVERSATIONS = "/v2/conversations"


def _persona(client: TavusClient) -> str:
    return client.create_persona("P", replica_id=REPLICA).id


def test_5xx_for_n_calls_is_retried_until_it_succeeds(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.fail(2, status=503, method="GET", path="/v2/replicas")
    assert client.get_replica(REPLICA).id == REPLICA
    assert [s for m, p, s in fake.requests if p.startswith("/v2/replicas")] == [503, 503, 200]


def test_5xx_beyond_the_attempts_is_a_server_error(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.fail(10, status=502, message="Bad gateway upstream", path="/v2/replicas")
    with pytest.raises(ServerError) as info:
        client.list_replicas()
    assert str(info.value) == "Tavus API error 502: Bad gateway upstream (GET /v2/replicas)"
    assert fake.calls("GET", "/v2/replicas") == FAST_RETRY.max_attempts


def test_429_honours_retry_after(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.rate_limit(1, retry_after=0.4, path="/v2/replicas")
    started = time.monotonic()
    client.list_replicas()
    assert time.monotonic() - started >= 0.35  # the backoff alone would be 5 ms
    assert fake.calls("GET", "/v2/replicas") == 2


def test_retry_after_is_capped(fake: FakeTavus, ledger: Ledger) -> None:
    capped = RetryPolicy(max_attempts=2, backoff_base=0.001, retry_after_max=0.05)
    fake.faults.rate_limit(1, retry_after=120, path="/v2/replicas")
    started = time.monotonic()
    with TavusClient(make_settings(fake, retry=capped), ledger=ledger) as client:
        client.list_replicas()
    assert time.monotonic() - started < 5


def test_429_beyond_the_attempts_is_rate_limited(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.rate_limit(10, retry_after=None, path="/v2/replicas")
    with pytest.raises(RateLimitedError) as info:
        client.list_replicas()
    assert info.value.status_code == 429 and info.value.exit_code == 3


def test_backoff_grows_and_is_jittered_within_bounds() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0)
    assert [policy.backoff(n, 0.999999) for n in (1, 2, 3, 4, 5)] == pytest.approx([0.5, 1, 2, 4, 4], rel=1e-3)
    assert policy.backoff(3, 0.0) == 0.0


def test_dropped_connection_on_a_read_is_retried(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.drop(2, method="GET", path="/v2/replicas")
    assert client.get_replica(REPLICA).id == REPLICA
    assert [s for m, p, s in fake.requests if p.startswith("/v2/replicas")] == [None, None, 200]


def test_latency_below_the_read_timeout_is_only_slow(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.latency = 0.2
    started = time.monotonic()
    client.list_replicas(limit=1)
    assert time.monotonic() - started >= 0.18


def test_read_timeout_on_every_attempt_is_a_network_error(fake: FakeTavus, ledger: Ledger) -> None:
    fake.faults.delay(1.0, times=10, path="/v2/replicas")
    settings = make_settings(fake, read_timeout=0.1, retry=RetryPolicy(max_attempts=2, backoff_base=0.001))
    with TavusClient(settings, ledger=ledger) as client, pytest.raises(NetworkError) as info:
        client.list_replicas()
    assert "timed out (GET /v2/replicas) after 2 attempts" in str(info.value)


def test_connection_refused_is_a_network_error(ledger: Ledger) -> None:
    with FakeTavus() as stopped:
        settings = make_settings(stopped)
    with TavusClient(settings, ledger=ledger) as client, pytest.raises(NetworkError) as info:
        client.list_conversations()
    assert info.value.exit_code == 3
    assert settings.api_key not in str(info.value)
    assert f"after {FAST_RETRY.max_attempts} attempts" in str(info.value)


# -- creates whose outcome is unknown -------------------------------------------------------


def test_lost_create_response_leaves_exactly_one_live_conversation(client: TavusClient, fake: FakeTavus, ledger: Ledger) -> None:
    persona = _persona(client)
    fake.faults.lose_response(1, path=CONVERSATIONS)
    conv = client.create_conversation(persona, name="Demo")
    assert live_ids(fake) == [conv.id]
    assert fake.calls("POST", CONVERSATIONS) == 1  # adopted by the lookup, never resent
    assert conv.url and conv.active and conv.persona_id == persona
    assert [e.id for e in ledger.entries() if e.kind == "conversation"] == [conv.id]


def test_lost_create_responses_on_every_attempt_still_leave_one(client: TavusClient, fake: FakeTavus) -> None:
    persona = _persona(client)
    fake.faults.lose_response(10, path=CONVERSATIONS)
    fake.faults.lose_response(10, method="GET", path=CONVERSATIONS)  # and the lookup fails too
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_conversation(persona)
    assert "echo-player cleanup" in str(info.value)
    assert len(live_ids(fake)) == 1 and fake.calls("POST", CONVERSATIONS) == 1


def test_timeout_after_sending_adopts_the_created_conversation(fake: FakeTavus, ledger: Ledger) -> None:
    settings = make_settings(fake, read_timeout=0.2)
    with TavusClient(settings, ledger=ledger) as client:
        persona = _persona(client)
        fake.faults.delay(1.0, after=True, method="POST", path=CONVERSATIONS)
        conv = client.create_conversation(persona)
    assert live_ids(fake) == [conv.id]
    assert fake.calls("POST", CONVERSATIONS) == 1


def test_dropped_create_is_looked_up_and_never_sent_again(client: TavusClient, fake: FakeTavus, ledger: Ledger) -> None:
    persona = _persona(client)
    fake.faults.drop(1, method="POST", path=CONVERSATIONS)  # no answer: Tavus may still be making it
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_conversation(persona)
    assert "whether it was created is unknown" in str(info.value)
    assert fake.calls("POST", CONVERSATIONS) == 1  # never resent: that could make a second
    assert fake.calls("GET", CONVERSATIONS) == 1  # the lookup came first
    pending = [e for e in ledger.entries() if e.kind == "conversation"]
    assert len(pending) == 1 and pending[0].id is None  # pending until its outcome is known
    assert [e.key for e in client.unsettled() if e.kind == "conversation"] == [pending[0].key]


def test_5xx_after_creating_is_not_a_duplicate(client: TavusClient, fake: FakeTavus) -> None:
    persona = _persona(client)
    fake.faults.fail(1, status=500, method="POST", path=CONVERSATIONS)
    client.create_conversation(persona)
    assert len(live_ids(fake)) == 1


def test_lost_persona_create_leaves_exactly_one_persona(client: TavusClient, fake: FakeTavus, ledger: Ledger) -> None:
    fake.faults.lose_response(1, path="/v2/personas")
    persona = client.create_persona("Lost", replica_id=REPLICA)
    assert list(fake.state.personas) == [persona.id]
    assert persona.default_replica_id == REPLICA
    assert [e.id for e in ledger.entries()] == [persona.id]


def test_a_lost_create_left_pending_is_found_by_cleanup(client: TavusClient, fake: FakeTavus, ledger: Ledger) -> None:
    persona = _persona(client)
    fake.faults.lose_response(10, path=CONVERSATIONS)
    fake.faults.drop(10, method="GET", path=CONVERSATIONS)
    with pytest.raises(OutcomeUnknownError):
        client.create_conversation(persona)
    pending = [e for e in ledger.entries() if e.kind == "conversation"]
    assert len(pending) == 1 and pending[0].id is None
    fake.faults.clear()
    items = cleanup(client)
    assert {(i.kind, i.outcome) for i in items} == {("conversation", "done"), ("persona", "done")}
    assert live_ids(fake) == [] and fake.state.personas == {} and ledger.entries() == []


# -- rooms and timeouts ---------------------------------------------------------------------


class RecordingRooms:
    """A RoomProvider that records calls (a real one is the local replica's registry)."""

    def __init__(self, fail: bool = False) -> None:
        self.opened: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = []
        self.closed: list[str] = []
        self.fail = fail
        self.closed_event = threading.Event()

    def open_room(self, conversation_id: str, *, persona: Mapping[str, Any], properties: Mapping[str, Any], **options: Any) -> str:
        self.options = options  # meeting_token, max_participants, audio_only
        if self.fail:
            raise RuntimeError("no rooms today")
        self.opened.append((conversation_id, persona, properties))
        return f"http://127.0.0.1:9/rooms/{conversation_id}"

    def close_room(self, conversation_id: str) -> None:
        self.closed.append(conversation_id)
        self.closed_event.set()


def test_rooms_open_on_create_and_close_on_end(ledger: Ledger) -> None:
    rooms = RecordingRooms()
    with FakeTavus(rooms=rooms) as server, TavusClient(make_settings(server), ledger=ledger) as client:
        persona = client.create_persona("Roomy", replica_id=REPLICA, layers={"tts": {"x": 1}})
        conv = client.create_conversation(persona.id, properties={"language": "english"})
        assert conv.url == f"http://127.0.0.1:9/rooms/{conv.id}"
        client.create_conversation(persona.id, test_mode=True)  # no room for test_mode
        ((cid, persona_seen, props),) = rooms.opened
        assert cid == conv.id and persona_seen["persona_name"] == persona.name
        assert persona_seen["layers"] == {"tts": {"x": 1}} and props == {"language": "english"}
        client.end_conversation(conv.id)
        assert rooms.closed == [conv.id]


def test_a_room_that_cannot_open_fails_the_create_cleanly(ledger: Ledger) -> None:
    with FakeTavus(rooms=RecordingRooms(fail=True)) as server, TavusClient(make_settings(server), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA)
        with pytest.raises(ServerError):
            client.create_conversation(persona.id)
        assert server.state.conversations == {}
    assert [e.kind for e in ledger.entries()] == ["persona"]


def test_max_call_duration_ends_the_conversation_and_closes_its_room(ledger: Ledger) -> None:
    rooms = RecordingRooms()
    with FakeTavus(rooms=rooms) as server, TavusClient(make_settings(server), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA)
        conv = client.create_conversation(persona.id, properties={"max_call_duration": 0.3})
        assert rooms.closed_event.wait(5)
        assert client.get_conversation(conv.id).status == "ended"
        assert rooms.closed == [conv.id]


# -- the fake speaks Tavus's shapes ---------------------------------------------------------


def test_fake_answers_with_tavus_status_codes_and_bodies(fake: FakeTavus) -> None:
    import httpx

    key = {"x-api-key": fake.api_key}
    with httpx.Client(base_url=fake.base_url) as http:
        assert http.get("/v2/personas").json() == {"message": "Invalid access token"}
        assert http.get("/v2/personas", headers={"x-api-key": "nope"}).status_code == 401
        created = http.post("/v2/personas", headers=key, json={"persona_name": "E", "pipeline_mode": "echo"})
        assert created.status_code == 200 and set(created.json()) == {"persona_id", "persona_name", "created_at"}
        pid = created.json()["persona_id"]
        listed = http.get("/v2/personas", headers=key, params={"limit": 1, "page": 1}).json()
        assert listed["total_count"] == 1 and listed["data"][0]["persona_id"] == pid
        assert http.get("/v2/personas", headers=key, params={"page": 2, "limit": 1}).json()["data"] == []
        bad_mode = http.post("/v2/personas", headers=key, json={"pipeline_mode": "nope"})
        assert (bad_mode.status_code, bad_mode.json()) == (400, {"error": "Invalid pipeline_mode"})
        assert http.post("/v2/personas", headers=key, content=b"{oops").json() == {"error": "Invalid JSON body"}
        fake.state.max_concurrent = 0
        refused = http.post("/v2/conversations", headers=key, json={"persona_id": pid, "replica_id": REPLICA})
        limit = {"message": "User has reached maximum concurrent conversations"}
        assert (refused.status_code, refused.json()) == (400, limit)
        body = {"persona_id": pid, "replica_id": REPLICA, "test_mode": True}
        test_mode = http.post("/v2/conversations", headers=key, json=body)
        assert test_mode.json()["status"] == "ended"  # test_mode takes no concurrency slot
        deleted = http.delete(f"/v2/personas/{pid}", headers=key)
        assert (deleted.status_code, deleted.content) == (204, b"")
        assert http.get("/v2/nothing", headers=key).status_code == 404
        assert http.put("/v2/personas", headers=key).status_code == 405


def test_faults_clear_resets_everything(client: TavusClient, fake: FakeTavus) -> None:
    fake.faults.fail(5, path="/v2/replicas")
    fake.faults.latency = 5.0
    fake.faults.clear()
    started = time.monotonic()
    client.list_replicas()
    assert time.monotonic() - started < 2


def test_nothing_logged_carries_the_key(fake: FakeTavus, ledger: Ledger, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    fake.faults.fail(1, status=503, path="/v2/replicas")
    with TavusClient(make_settings(fake), ledger=ledger) as client:
        client.list_replicas()
    with TavusClient(make_settings(fake, api_key="tvs-wrong-secret"), ledger=ledger) as wrong:
        with pytest.raises(Exception):
            wrong.list_replicas()
    assert caplog.records  # something was logged at all
    assert fake.api_key not in caplog.text and "tvs-wrong-secret" not in caplog.text
