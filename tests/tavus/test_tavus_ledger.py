"""The ledger, the settings, the models and the name tag."""

from __future__ import annotations

import json
import stat
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from player.errors import UsageError
from player.simulator.tavus_api._server import FakeTavus
from player.tavus import (
    ConfigurationError,
    Conversation,
    Ledger,
    LedgerEntry,
    LedgerError,
    Persona,
    Replica,
    TavusClient,
    TavusSettings,
    UnexpectedResponseError,
    default_ledger_path,
    is_tagged,
    strip_tag,
)
from player.tavus._models import make_tag
from tavus_support import REPLICA, client, fake, isolated_env, ledger, make_settings  # noqa: F401

# -- ledger ---------------------------------------------------------------------------------


def _entry(kind: str = "conversation", name: str = "x", base_url: str = "https://tavusapi.com") -> LedgerEntry:
    return LedgerEntry.new(kind, name, base_url=base_url, api="personas", run_tag="abc")  # type: ignore[arg-type]


def test_ledger_round_trip_and_forget(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "deep" / "ledger.json")
    a, b = _entry(name="a"), _entry("persona", "b", base_url="http://127.0.0.1:1")
    ledger.add(a)
    ledger.add(b)
    ledger.set_id(a.key, "c1")
    reread = Ledger(tmp_path / "deep" / "ledger.json")
    assert [(e.kind, e.id, e.name) for e in reread.entries()] == [("conversation", "c1", "a"), ("persona", None, "b")]
    assert [e.name for e in reread.entries(base_url="http://127.0.0.1:1")] == ["b"]
    reread.forget("conversation", "c1", base_url="http://elsewhere")  # other base URL: kept
    assert len(reread.entries()) == 2
    reread.forget("conversation", "c1")
    reread.remove(b.key)
    assert reread.entries() == []
    assert json.loads((tmp_path / "deep" / "ledger.json").read_text()) == {"version": 1, "entries": []}
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o700


def test_ledger_writes_are_atomic_and_thread_safe(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.json")

    def add_many() -> None:
        for _ in range(15):
            ledger.add(_entry())

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(Ledger(tmp_path / "ledger.json").entries()) == 60
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_corrupt_ledger_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    path.write_text("{not json")
    with pytest.raises(LedgerError, match="is not valid.*move it away"):
        Ledger(path).add(_entry())
    assert path.read_text() == "{not json"


def test_an_unwritable_ledger_is_a_ledger_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(LedgerError) as info:
        Ledger(blocker / "ledger.json").add(_entry())
    assert info.value.exit_code == 3


def test_in_memory_ledger(tmp_path: Path) -> None:
    ledger = Ledger(None)
    ledger.add(_entry())
    assert len(ledger.entries()) == 1 and ledger.path is None


def test_default_ledger_path() -> None:
    assert default_ledger_path({"ECHO_PLAYER_LEDGER": "/x/l.json"}) == Path("/x/l.json")
    assert default_ledger_path({"XDG_STATE_HOME": "/s"}) == Path("/s/echo-player/ledger.json")
    assert default_ledger_path({}).parts[-4:] == (".local", "state", "echo-player", "ledger.json")


def test_a_create_is_ledgered_before_its_request_is_answered(fake: FakeTavus, ledger: Ledger) -> None:
    with TavusClient(make_settings(fake), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA)
        fake.faults.delay(0.5, method="POST", path="/v2/conversations")
        result: list[Conversation] = []
        worker = threading.Thread(target=lambda: result.append(client.create_conversation(persona.id)))
        worker.start()
        deadline = time.monotonic() + 5
        while not any(e.kind == "conversation" for e in ledger.entries()) and time.monotonic() < deadline:
            time.sleep(0.01)
        in_flight = [e for e in ledger.entries() if e.kind == "conversation"]
        worker.join()
    assert len(in_flight) == 1 and in_flight[0].id is None and is_tagged(in_flight[0].name)
    assert [e.id for e in ledger.entries() if e.kind == "conversation"] == [result[0].id]


class _LedgerThatCannotRecordIds(Ledger):
    """Fault injection: the disk fills up between the pending entry and its id."""

    def set_id(self, key: str, resource_id: str) -> None:
        raise LedgerError("ledger: No space left on device")


def test_an_unrecordable_conversation_is_ended_at_once(fake: FakeTavus, tmp_path: Path) -> None:
    with TavusClient(make_settings(fake), ledger=Ledger(None)) as setup:
        persona = setup.create_persona("P", replica_id=REPLICA)
    with TavusClient(make_settings(fake), ledger=_LedgerThatCannotRecordIds(tmp_path / "l.json")) as client:
        with pytest.raises(LedgerError):
            client.create_conversation(persona.id)
    assert fake.state.live_count() == 0 and len(fake.state.conversations) == 1


def test_the_ledger_never_holds_the_key(client: TavusClient, isolated_env: Path) -> None:
    client.create_persona("P", replica_id=REPLICA)
    assert client.settings.api_key not in isolated_env.read_text()


# -- settings -------------------------------------------------------------------------------


def test_settings_from_env_and_key_file(tmp_path: Path) -> None:
    s = TavusSettings.from_env(environ={"TAVUS_API_KEY": " k1 \n"})
    assert (s.api_key, s.base_url, s.api) == ("k1", "https://tavusapi.com", "personas")
    key_file = tmp_path / "key"
    key_file.write_text("k2\n")
    env = {"TAVUS_API_KEY": "k1", "TAVUS_API_URL": "https://x.example/v2/"}
    s = TavusSettings.from_env(api_key_file=key_file, api="PALS", environ=env)
    assert (s.api_key, s.base_url, s.api) == ("k2", "https://x.example", "pals")
    assert TavusSettings.from_env(environ={"TAVUS_API_KEY": "k", "TAVUS_API": "pals"}).api == "pals"
    local = TavusSettings.from_env(environ={"TAVUS_API_KEY": "k", "TAVUS_API_URL": "http://127.0.0.1:8"})
    assert local.base_url == "http://127.0.0.1:8"


def test_settings_refusals(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="TAVUS_API_KEY") as info:
        TavusSettings.from_env(environ={})
    assert info.value.exit_code == 3
    with pytest.raises(UsageError, match="no such file"):
        TavusSettings.from_env(api_key_file=tmp_path / "missing", environ={})
    (tmp_path / "two").write_text("secret-part-one\nsecret-part-two\n")
    with pytest.raises(UsageError) as usage:
        TavusSettings.from_env(api_key_file=tmp_path / "two", environ={})
    assert "secret" not in str(usage.value).replace(str(tmp_path), "")
    with pytest.raises(UsageError, match="personas or pals"):
        TavusSettings.from_env(api="faces", environ={"TAVUS_API_KEY": "k"})
    with pytest.raises(ConfigurationError, match="https"):
        TavusSettings.from_env(environ={"TAVUS_API_KEY": "k", "TAVUS_API_URL": "http://tavusapi.com"})
    with pytest.raises(ConfigurationError, match="http\\(s\\) URL"):
        TavusSettings.from_env(environ={"TAVUS_API_KEY": "k", "TAVUS_API_URL": "tavusapi.com"})


def test_settings_repr_masks_the_key() -> None:
    s = TavusSettings.from_env(environ={"TAVUS_API_KEY": "very-secret-key"})
    assert "very-secret-key" not in repr(s) and "very-secret-key" not in f"{s}"


# -- models ---------------------------------------------------------------------------------


def test_models_parse_both_vocabularies() -> None:
    legacy = Persona.from_api({"persona_id": "p1", "persona_name": "A", "default_replica_id": "r1", "layers": {"tts": {}}})
    pal = Persona.from_api({"pal_id": "p1", "pal_name": "A", "default_face_id": "r1", "layers": {"tts": {}}})
    assert legacy == pal
    assert Conversation.from_api({"conversation_id": "c", "pal_id": "p", "face_id": "r"}).replica_id == "r"
    assert Replica.from_api({"face_id": "r", "face_name": "F"}).name == "F"
    with pytest.raises(UnexpectedResponseError, match="without persona_id or pal_id"):
        Persona.from_api({"persona_name": "no id"})


@given(st.text(max_size=40), st.text(alphabet="0123456789abcdef", min_size=1, max_size=12), st.integers(1, 10**6))
def test_tag_round_trip(name: str, run_tag: str, n: int) -> None:
    tagged = f"{name} {make_tag(run_tag, n)}"
    assert is_tagged(tagged)
    assert strip_tag(tagged) == name.rstrip()
    assert not is_tagged(name) or "[echo-player" in name
