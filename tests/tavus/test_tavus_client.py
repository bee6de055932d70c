"""Every endpoint of the client, over real sockets against the fake Tavus on 127.0.0.1."""

from __future__ import annotations

import pytest

from player.simulator.tavus_api._server import FakeTavus
from player.tavus import (
    AuthenticationError,
    BadRequestError,
    ConcurrencyLimitError,
    Ledger,
    NotFoundError,
    TavusClient,
    is_tagged,
    strip_tag,
)
from tavus_support import REPLICA, client, fake, isolated_env, ledger, make_settings  # noqa: F401

# -- replicas -------------------------------------------------------------------------------


def test_list_replicas_returns_the_stock_replicas(client: TavusClient) -> None:
    replicas = {r.id: r for r in client.list_replicas()}
    assert REPLICA in replicas
    assert replicas[REPLICA].usable
    assert not replicas["r6ae5b6efc9d"].usable  # still training


def test_list_replicas_with_limit_asks_for_one_page(client: TavusClient, fake: FakeTavus) -> None:
    assert len(client.list_replicas(limit=1)) == 1
    assert fake.calls("GET", "/v2/replicas") == 1


def test_get_replica_and_a_wrong_id_is_not_found(client: TavusClient) -> None:
    replica = client.get_replica(REPLICA)
    assert (replica.id, replica.status, replica.training_progress) == (REPLICA, "completed", "100/100")
    with pytest.raises(NotFoundError) as info:
        client.get_replica("r-does-not-exist")
    assert info.value.status_code == 404
    assert "GET /v2/replicas/r-does-not-exist" in str(info.value)


def test_an_id_cannot_reach_another_endpoint(client: TavusClient, fake: FakeTavus) -> None:
    with pytest.raises(NotFoundError):
        client.get_replica("../personas")
    assert fake.calls("GET", "/v2/personas") == 0


# -- personas and PALs ----------------------------------------------------------------------


def test_persona_lifecycle(client: TavusClient, fake: FakeTavus) -> None:
    persona = client.create_persona("Presenter", replica_id=REPLICA, layers={"tts": {"tts_engine": "cartesia"}})
    assert persona.pipeline_mode == "echo" and persona.default_replica_id == REPLICA
    assert strip_tag(persona.name) == "Presenter" and is_tagged(persona.name)
    stored = fake.state.personas[persona.id]
    assert stored["pipeline_mode"] == "echo" and stored["layers"] == {"tts": {"tts_engine": "cartesia"}}

    got = client.get_persona(persona.id)
    assert (got.id, got.name, got.default_replica_id) == (persona.id, persona.name, REPLICA)
    assert got.layers == {"tts": {"tts_engine": "cartesia"}}
    assert persona.id in {p.id for p in client.list_personas()}

    client.delete_persona(persona.id)
    assert persona.id not in fake.state.personas
    with pytest.raises(NotFoundError):
        client.get_persona(persona.id)
    with pytest.raises(NotFoundError):
        client.delete_persona(persona.id)


def test_persona_with_an_unknown_replica_is_refused(client: TavusClient, ledger: Ledger) -> None:
    with pytest.raises(BadRequestError) as info:
        client.create_persona("Presenter", replica_id="r-nope")
    assert "Tavus API error 400: Invalid default_replica_id (POST /v2/personas)" == str(info.value)
    assert ledger.entries() == []  # refused means nothing exists to clean up


def test_pals_vocabulary_end_to_end(fake: FakeTavus, ledger: Ledger) -> None:
    with TavusClient(make_settings(fake, api="pals"), ledger=ledger) as pals:
        pal = pals.create_persona("Echo PAL", replica_id=REPLICA)
        assert fake.calls("POST", "/v2/pals") == 1
        assert fake.state.personas[pal.id]["default_replica_id"] == REPLICA
        assert pals.get_persona(pal.id).default_replica_id == REPLICA  # from default_face_id
        assert pal.id in {p.id for p in pals.list_personas()}
        conversation = pals.create_conversation(pal.id, replica_id=REPLICA)
        got = pals.get_conversation(conversation.id)
        assert got.raw["pal_id"] == pal.id and got.raw["face_id"] == REPLICA  # answered in PAL words
        assert (got.persona_id, got.replica_id) == (pal.id, REPLICA)
        pals.end_conversation(conversation.id)
        pals.delete_persona(pal.id)
    assert fake.calls("DELETE", f"/v2/pals/{pal.id}") == 1
    assert ledger.entries() == []


# -- conversations --------------------------------------------------------------------------


def test_conversation_lifecycle(client: TavusClient, fake: FakeTavus) -> None:
    persona = client.create_persona("Presenter", replica_id=REPLICA)
    conv = client.create_conversation(persona.id, name="Demo", properties={"max_call_duration": 600})
    assert conv.active and conv.url == f"https://tavus.daily.co/{conv.id}"
    assert strip_tag(conv.name) == "Demo"
    assert (conv.persona_id, conv.replica_id) == (persona.id, None)  # replica: the persona's default
    assert fake.state.conversations[conv.id]["properties"] == {"max_call_duration": 600}

    got = client.get_conversation(conv.id)
    assert (got.id, got.status, got.replica_id) == (conv.id, "active", REPLICA)
    assert [c.id for c in client.list_conversations(active=True)] == [conv.id]

    client.end_conversation(conv.id)
    assert client.get_conversation(conv.id).status == "ended"
    client.end_conversation(conv.id)  # ending an ended one is fine (the fake answers 400)
    assert client.list_conversations(active=True) == []
    assert conv.id in {c.id for c in client.list_conversations()}

    client.delete_conversation(conv.id)
    with pytest.raises(NotFoundError):
        client.get_conversation(conv.id)
    with pytest.raises(NotFoundError):
        client.end_conversation(conv.id)
    with pytest.raises(NotFoundError):
        client.delete_conversation(conv.id)


def test_deleting_a_live_conversation_ends_it(client: TavusClient, fake: FakeTavus) -> None:
    persona = client.create_persona("P", replica_id=REPLICA)
    conv = client.create_conversation(persona.id)
    client.delete_conversation(conv.id)
    assert fake.state.live_count() == 0


def test_test_mode_conversation_is_born_ended_and_not_ledgered(client: TavusClient, fake: FakeTavus, ledger: Ledger) -> None:
    persona = client.create_persona("P", replica_id=REPLICA)
    conv = client.create_conversation(persona.id, test_mode=True)
    assert conv.status == "ended"
    assert fake.state.live_count() == 0
    assert [e.kind for e in ledger.entries()] == ["persona"]


def test_conversation_refusals(client: TavusClient) -> None:
    persona = client.create_persona("No replica")
    with pytest.raises(BadRequestError, match="replica_id is required"):
        client.create_conversation(persona.id)
    with pytest.raises(BadRequestError, match="Invalid replica_id"):
        client.create_conversation(persona.id, replica_id="r6ae5b6efc9d")  # not trained yet
    with pytest.raises(BadRequestError, match="Invalid persona_id"):
        client.create_conversation("p-nope", replica_id=REPLICA)
    with pytest.raises(BadRequestError, match="max_call_duration"):
        client.create_conversation(persona.id, replica_id=REPLICA, properties={"max_call_duration": 7200})


def test_concurrency_limit_is_typed_and_not_retried(fake: FakeTavus, ledger: Ledger) -> None:
    fake.state.max_concurrent = 1
    with TavusClient(make_settings(fake), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA)
        client.create_conversation(persona.id)
        with pytest.raises(ConcurrencyLimitError) as info:
            client.create_conversation(persona.id)
    assert info.value.status_code == 400
    assert "User has reached maximum concurrent conversations (POST /v2/conversations)" in str(info.value)
    assert "echo-player cleanup" in str(info.value)
    assert fake.calls("POST", "/v2/conversations") == 2
    assert [e.kind for e in ledger.entries()].count("conversation") == 1


def test_a_wrong_key_is_an_authentication_error_without_the_key(fake: FakeTavus, ledger: Ledger) -> None:
    secret = "sk-wrong-0123456789"
    with TavusClient(make_settings(fake, api_key=secret), ledger=ledger) as client:
        with pytest.raises(AuthenticationError) as info:
            client.list_conversations()
    message = str(info.value)
    assert message.startswith("Tavus API error 401: Invalid access token (GET /v2/conversations)")
    assert secret not in message and "\n" not in message
    assert info.value.exit_code == 3
    assert fake.calls("GET", "/v2/conversations") == 1  # a 401 is not retried


def test_client_repr_and_settings_repr_hide_the_key(client: TavusClient) -> None:
    key = client.settings.api_key
    assert key not in repr(client) and key not in repr(client.settings) and key not in str(client.settings)
    assert "api_key='***'" in repr(client.settings)


def test_post_pals_requires_default_face_id_as_the_pal_reference_says(fake: FakeTavus, ledger: Ledger) -> None:
    from player.tavus import BadRequestError

    with TavusClient(make_settings(fake, api="pals"), ledger=ledger) as pals:
        with pytest.raises(BadRequestError, match="default_face_id is required"):
            pals.create_persona("No face")
        assert ledger.entries() == []  # refused: nothing to clean up
    with TavusClient(make_settings(fake), ledger=ledger) as personas:
        personas.delete_persona(personas.create_persona("Legacy, no replica").id)  # optional there


def test_conversation_options_are_sent_and_typed(fake: FakeTavus, client: TavusClient) -> None:
    from player.tavus import BadRequestError

    persona = client.create_persona("Opts", replica_id=REPLICA)
    options = {"callback_url": "https://x.test/hook", "require_auth": True, "audio_only": True, "max_participants": 3}
    conversation = client.create_conversation(persona.id, options={**options, "test_mode": None})
    stored = fake.state.conversations[conversation.id]
    assert stored["callback_url"] == "https://x.test/hook" and stored["audio_only"] is True and stored["max_participants"] == 3
    assert conversation.meeting_token and conversation.raw["callback_url"] == "https://x.test/hook"
    with pytest.raises(BadRequestError, match="Invalid max_participants"):
        client.create_conversation(persona.id, options={"max_participants": "two"})
    client.end_conversation(conversation.id)
