"""The local backend's concurrency limit: Tavus's usual 10 by default, an option to raise it.
Real sockets to the fake Tavus API."""

from __future__ import annotations

import socket

import pytest

from player.simulator import local_backend
from player.tavus import ConcurrencyLimitError

REPLICA = "r90bbd427f71"


def _live(max_conversations: int | None, count: int) -> int:
    """How many of `count` conversations the backend let live at once before refusing."""
    options = {} if max_conversations is None else {"max_conversations": max_conversations}
    with local_backend(**options) as backend:
        client = backend.client
        persona = client.create_persona("P", replica_id=REPLICA)
        made = 0
        try:
            for _ in range(count):
                client.create_conversation(persona.id)
                made += 1
        except ConcurrencyLimitError:
            pass
        return made


def test_an_eleventh_live_conversation_is_refused_by_default() -> None:
    assert _live(None, 11) == 10


def test_the_limit_is_an_option() -> None:
    assert _live(12, 13) == 12
    assert _live(1, 2) == 1


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        with local_backend(max_conversations=0):
            pass


def test_the_replicas_of_many_rooms_share_one_thread() -> None:
    import threading

    from player.simulator.replica._rooms import RoomRegistry
    from room_support import ECHO_PERSONA

    before = set(threading.enumerate())
    registry = RoomRegistry()
    try:
        for k in range(20):
            registry.open_room(f"c-{k}", persona=ECHO_PERSONA, properties={})
        new = [t for t in threading.enumerate() if t not in before]
        assert [t.name for t in new] == ["replica-replicas"]  # one thread, not 20
    finally:
        registry.close_all()
    new[0].join(2)  # it ends once its last replica has stopped
    assert not new[0].is_alive()


def test_the_fake_api_starts_without_asking_reverse_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    # http.server's server_bind calls socket.getfqdn: seconds where the resolver is unreachable.
    def no_dns(name: str = "") -> str:
        raise AssertionError(f"reverse DNS asked for {name!r}")

    monkeypatch.setattr(socket, "getfqdn", no_dns)
    with local_backend() as backend:
        assert backend.client.get_replica(REPLICA).usable
