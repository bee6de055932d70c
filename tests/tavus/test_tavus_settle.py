"""Creates whose outcome is unknown: never resent after no answer, kept pending in the ledger, and
settled by the way out (player.tavus.settle), late arrivals included. Real sockets, FakeTavus."""

from __future__ import annotations

import threading
import time

import pytest

from player.simulator.tavus_api._server import FakeTavus
from player.tavus import Ledger, OutcomeUnknownError, RetryPolicy, StoppedError, TavusClient, settle
from tavus_support import REPLICA, client, fake, isolated_env, ledger, live_ids, make_settings  # noqa: F401

CONVERSATIONS = "/v2/conversations"


def test_a_create_answered_after_the_read_timeout_is_not_duplicated_and_is_settled(fake: FakeTavus, ledger: Ledger) -> None:
    # Issue 8, leak 3: the answer comes after the timeout; the lookup does not find it yet.
    with TavusClient(make_settings(fake, read_timeout=0.3), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA).id
        fake.faults.delay(1.0, method="POST", path=CONVERSATIONS)  # held, then created
        with pytest.raises(OutcomeUnknownError):
            client.create_conversation(persona, name="Late")
        assert fake.calls("POST", CONVERSATIONS) == 1  # never a second create
        pending = [e for e in ledger.entries() if e.kind == "conversation"]
        assert len(pending) == 1 and pending[0].id is None
        results = settle(client, "conversation", deadline=time.monotonic() + 5)
    assert [(r.outcome, r.left) for r in results] == [("ended", False)]
    assert results[0].id in fake.state.conversations and live_ids(fake) == []
    assert len(fake.state.conversations) == 1
    assert [e.kind for e in ledger.entries()] == ["persona"]  # the conversation's entry is settled


def test_what_is_not_found_by_the_deadline_stays_in_the_ledger(client: TavusClient, fake: FakeTavus, ledger: Ledger) -> None:
    persona = client.create_persona("P", replica_id=REPLICA).id
    fake.faults.drop(1, method="POST", path=CONVERSATIONS)  # never handled: nothing exists
    with pytest.raises(OutcomeUnknownError):
        client.create_conversation(persona)
    started = time.monotonic()
    results = settle(client, "conversation", deadline=started + 0.5)
    assert time.monotonic() - started < 2.0
    assert [(r.outcome, r.id, r.left) for r in results] == [("unknown", None, True)]
    assert [e.id for e in ledger.entries() if e.kind == "conversation"] == [None]  # for `cleanup`
    assert client.unsettled() and all(e.kind == "persona" for e in client.unsettled())


def test_a_create_in_flight_is_caught_when_it_lands(fake: FakeTavus, ledger: Ledger) -> None:
    with TavusClient(make_settings(fake, read_timeout=5.0), ledger=ledger) as client:
        fake.faults.delay(0.6, method="POST", path="/v2/personas")
        worker = threading.Thread(target=lambda: client.create_persona("InFlight", replica_id=REPLICA), daemon=True)
        worker.start()
        time.sleep(0.1)
        client.stop_creating()  # a signal: the run is stopping while the create is on the wire
        results = settle(client, "persona", deadline=time.monotonic() + 5)
        worker.join(5)
    assert [r.outcome for r in results] == ["deleted"]
    assert fake.state.personas == {} and ledger.entries() == []


def test_stop_creating_sends_nothing_new_and_retries_nothing(fake: FakeTavus, ledger: Ledger) -> None:
    slow = RetryPolicy(max_attempts=4, backoff_base=5.0, backoff_max=5.0)
    with TavusClient(make_settings(fake, retry=slow), ledger=ledger) as client:
        fake.faults.fail(10, status=503, method="POST", path="/v2/personas")
        errors: list[BaseException] = []

        def create() -> None:
            try:
                client.create_persona("P", replica_id=REPLICA)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        worker = threading.Thread(target=create, daemon=True)
        worker.start()
        while fake.calls("POST", "/v2/personas") < 1:
            time.sleep(0.01)
        started = time.monotonic()
        client.stop_creating()
        worker.join(3)
        assert not worker.is_alive() and time.monotonic() - started < 2.0  # not a 5 s backoff
        assert isinstance(errors[0], StoppedError)
        with pytest.raises(StoppedError):
            client.create_conversation("p123")
    assert fake.calls("POST", "/v2/personas") == 1 and fake.calls("POST", CONVERSATIONS) == 0
    assert ledger.entries() == [] and fake.state.personas == {}


def test_settle_ends_what_it_finds_within_the_deadline_even_when_end_fails_first(fake: FakeTavus, ledger: Ledger) -> None:
    with TavusClient(make_settings(fake, read_timeout=0.3), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA).id
        fake.faults.lose_response(1, path=CONVERSATIONS)
        fake.faults.drop(4, method="GET", path=CONVERSATIONS)  # and the lookup fails (every attempt)
        with pytest.raises(OutcomeUnknownError):
            client.create_conversation(persona)
        fake.faults.fail(2, status=502, method="POST", path="/v2/conversations/")  # end: 5xx twice
        results = settle(client, "conversation", deadline=time.monotonic() + 5)
    assert [r.outcome for r in results] == ["ended"] and live_ids(fake) == []
    assert [e.kind for e in ledger.entries()] == ["persona"]


def test_settle_that_cannot_end_leaves_the_ledger_pointing_at_it(fake: FakeTavus, ledger: Ledger) -> None:
    with TavusClient(make_settings(fake, read_timeout=0.3), ledger=ledger) as client:
        persona = client.create_persona("P", replica_id=REPLICA).id
        fake.faults.lose_response(1, path=CONVERSATIONS)
        fake.faults.drop(4, method="GET", path=CONVERSATIONS)
        with pytest.raises(OutcomeUnknownError):
            client.create_conversation(persona)
        fake.faults.fail(100, status=500, method="POST", path="/v2/conversations/")
        started = time.monotonic()
        results = settle(client, "conversation", deadline=started + 1.0)
        assert time.monotonic() - started < 3.0
    ((result,),) = [results]
    assert result.outcome == "failed" and result.left and result.id is not None
    assert live_ids(fake) == [result.id]
    assert [e.id for e in ledger.entries() if e.kind == "conversation"] == [result.id]  # exactly what is left
