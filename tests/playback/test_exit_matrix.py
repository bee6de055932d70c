"""Nothing leaks, nothing hangs: signal (INT, TERM) x phase, and API faults, each a real
`echo-player play` in a child process against a FakeTavus here over real sockets. Each case
checks what the server holds at the end (no active conversation, no persona the run created),
the ledger (empty, or pointing at exactly what is left) and the exit code."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from exit_support import Exit, arrived, logged, run_play
from play_support import write_scenario, write_tone
from player.simulator.tavus_api._server import FakeTavus

PERSONAS, CONVERSATIONS = "/v2/personas", "/v2/conversations"
SIGNALS = [signal.SIGINT, signal.SIGTERM]
ENDS = "/v2/conversations/"  # a prefix: POST /v2/conversations/ID/end
ENDING = arrived("POST", ENDS + "*")  # the phase: the way out is ending the conversation
SAY = "steps:\n  - say: hi there\n"


@pytest.fixture
def fake() -> Any:
    with FakeTavus() as server:
        yield server


def _report(case: str, result: Exit) -> None:
    took = "-" if result.took is None else f"{result.took:.2f}s"
    print(f"\nEXIT-TIME {case}: rc={result.code} took={took}")


def _interrupted(result: Exit, sig: signal.Signals) -> None:
    assert result.code == 130, (result.out, result.err)
    assert "Traceback" not in result.err and "Traceback" not in result.out
    assert result.err_lines[-1] == f"echo-player: error: interrupted by {sig.name}", result.err


# -- signal x phase -------------------------------------------------------------------------

# Start-up cases: the persona create is held (2 s) and waited for (read timeout 5 s), so it is
# still in flight when the signal comes, however fast the start was and however late the signal
# (a fast start reached it, and timed it out at the usual 0.5 s, before a signal late on a busy
# machine). The held create lands within the way out's 3 s lookup, which then deletes it.
_HELD = {"TAVUS_READ_TIMEOUT": "5"}


@pytest.mark.parametrize("sig", SIGNALS)
@pytest.mark.parametrize("at", [0.0, 0.05, 0.1, 0.3])
def test_start_up(fake: FakeTavus, tmp_path: Path, sig: signal.Signals, at: float) -> None:
    """The first moments, through `python -m player` itself, from its first statement on (the
    handlers are in place; `at` seconds later): 130 and one line, never a KeyboardInterrupt
    traceback (rc -2) or SIGTERM's silent default (rc -15), whatever it is importing then."""
    fake.faults.delay(2.0, times=5, method="POST", path=PERSONAS)  # it never gets to a room
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY), sig=sig, after=at, entry="module", env=_HELD)
    _report(f"start-up+{at}s {sig.name}", result)
    _interrupted(result, sig)
    assert len(result.err_lines) == 1, result.err
    result.assert_nothing_left()


@pytest.mark.parametrize("sig", SIGNALS)
def test_start_up_through_the_echo_player_script(fake: FakeTavus, tmp_path: Path, sig: signal.Signals) -> None:
    if not (Path(sys.executable).with_name("echo-player")).exists():
        pytest.skip("no echo-player script beside the interpreter")
    fake.faults.delay(2.0, times=5, method="POST", path=PERSONAS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY), sig=sig, after=0.05, entry="script", env=_HELD)
    _interrupted(result, sig)
    assert len(result.err_lines) == 1, result.err
    result.assert_nothing_left()


@pytest.mark.parametrize("sig", SIGNALS)
@pytest.mark.parametrize("held", ["before", "after"])
def test_persona_create_in_flight(fake: FakeTavus, tmp_path: Path, sig: signal.Signals, held: str) -> None:
    """Leak 1: the persona was created and never deleted. `before`: Tavus has not made it yet
    when the signal comes (it lands 1 s later); `after`: made, its answer held back."""
    fake.faults.delay(1.0, after=held == "after", method="POST", path=PERSONAS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY), when=arrived("POST", PERSONAS), sig=sig, after=0.1)
    _report(f"persona-create-{held} {sig.name}", result)
    _interrupted(result, sig)
    result.assert_nothing_left()
    assert fake.calls("POST", CONVERSATIONS) == 0  # nothing new once stopping
    assert "looking it up by its tag" in result.out
    assert "no conversation was created, persona deleted" in result.out


@pytest.mark.parametrize("sig", SIGNALS)
@pytest.mark.parametrize("held", ["before", "after"])
def test_conversation_create_in_flight(fake: FakeTavus, tmp_path: Path, sig: signal.Signals, held: str) -> None:
    """Leak 2: "no conversation was created" was printed while it existed and stayed active."""
    fake.faults.delay(1.0, after=held == "after", method="POST", path=CONVERSATIONS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY), when=arrived("POST", CONVERSATIONS), sig=sig, after=0.1)
    _report(f"conversation-create-{held} {sig.name}", result)
    _interrupted(result, sig)
    result.assert_nothing_left()
    assert "no conversation was created" not in result.out
    assert list(result.conversations.values()) == ["ended"]
    (cid,) = result.conversations
    assert f"conversation {cid} ended, persona deleted" in result.out
    assert result.log[-1]["kind"] == "end" and result.log[-1]["conversation_id"] == cid


@pytest.mark.parametrize("sig", SIGNALS)
@pytest.mark.parametrize(
    ("phase", "env", "body"),
    [
        ("join", {}, SAY),
        ("waiting-for-the-replica", {"EXIT_DRIVER_JOIN_DELAY": "5"}, SAY),
        ("mid-clip", {}, "steps:\n  - play: long.wav\n"),
    ],
)
def test_in_the_room(fake: FakeTavus, tmp_path: Path, sig: signal.Signals, phase: str, env: dict[str, str], body: str) -> None:
    write_tone(tmp_path / "long.wav", 20.0)
    when = logged("message", 20) if phase == "mid-clip" else logged("conversation")
    after = 0.3 if phase == "waiting-for-the-replica" else 0.0
    result = run_play(fake, tmp_path, write_scenario(tmp_path, body), when=when, sig=sig, after=after, env=env)
    _report(f"{phase} {sig.name}", result)
    _interrupted(result, sig)
    result.assert_nothing_left()
    assert list(result.conversations.values()) == ["ended"]
    assert result.took is not None and result.took < 5.0, result.took


@pytest.mark.parametrize("sig", SIGNALS)
def test_during_cleanup(fake: FakeTavus, tmp_path: Path, sig: signal.Signals) -> None:
    """The signal comes while the way out is ending the conversation (held 1 s): it is still
    finished, and the run says it was interrupted."""
    fake.faults.delay(1.0, method="POST", path=ENDS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY), when=ENDING, sig=sig, after=0.1)
    _report(f"during-cleanup {sig.name}", result)
    _interrupted(result, sig)
    result.assert_nothing_left()
    assert result.log[-1]["kind"] == "end" and result.log[-1]["outcome"] == "interrupted"


@pytest.mark.parametrize("sig", SIGNALS)
def test_a_second_signal_during_cleanup_says_what_is_left(fake: FakeTavus, tmp_path: Path, sig: signal.Signals) -> None:
    write_tone(tmp_path / "long.wav", 20.0)
    fake.faults.delay(1.0, method="POST", path=ENDS)
    result = run_play(
        fake,
        tmp_path,
        write_scenario(tmp_path, "steps:\n  - play: long.wav\n"),
        when=logged("message", 10),
        sig=sig,
        again=lambda f, log, _out: ENDING(f, log),
    )
    _report(f"second-signal-in-cleanup {sig.name}", result)
    _interrupted(result, sig)
    assert f"{sig.name} again: still cleaning up (left: conversation c" in result.out
    assert ", persona p" in result.out and "`echo-player cleanup`" in result.out
    result.assert_nothing_left()


# -- API faults -----------------------------------------------------------------------------


def test_a_conversation_create_slower_than_the_read_timeout(fake: FakeTavus, tmp_path: Path) -> None:
    """Leak 3: a second one was created, the first (late) one left active and out of the
    ledger, and the run said all was ended. Read timeout 0.5 s, the create takes 1.5 s."""
    fake.faults.delay(1.5, method="POST", path=CONVERSATIONS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY))
    _report("create-slower-than-timeout", result)
    assert result.code == 3, result.err
    assert fake.calls("POST", CONVERSATIONS) == 1  # never a duplicate
    result.assert_nothing_left()
    ((cid, status),) = result.conversations.items()
    assert status == "ended"
    assert f"conversation {cid} ended, persona deleted" in result.out
    assert "looking it up by its tag" in result.out
    assert result.err_lines[-1].startswith("echo-player: error: Tavus API unreachable")
    assert f"it was created after all (conversation {cid}) and is now ended" in result.err_lines[-1]


def test_a_create_that_never_lands_is_left_in_the_ledger_and_said(fake: FakeTavus, tmp_path: Path) -> None:
    fake.faults.drop(1, method="POST", path=CONVERSATIONS)  # not handled: it will never exist
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY))
    assert result.code == 3
    assert result.active == [] and result.personas == []
    assert [(e["kind"], e["id"]) for e in result.ledger] == [("conversation", None)]  # pending, for `cleanup`
    assert "no conversation was created" not in result.out
    assert "conversation create unanswered and not found (run `echo-player cleanup`)" in result.out
    assert "the ledger keeps it: run `echo-player cleanup`" in result.err


@pytest.mark.parametrize("path", [PERSONAS, CONVERSATIONS])
def test_a_lost_create_response_is_adopted(fake: FakeTavus, tmp_path: Path, path: str) -> None:
    fake.faults.lose_response(1, path=path)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY))
    assert result.code == 0, result.err
    assert fake.calls("POST", path) == 1
    result.assert_nothing_left()
    assert len(result.conversations) == 1


@pytest.mark.parametrize(
    "fault",
    [
        "5xx-on-end",
        "5xx-on-delete",
        "timeout-on-end",
        "timeout-on-delete",
        "429-storm",
    ],
)
def test_faults_the_retries_absorb(fake: FakeTavus, tmp_path: Path, fault: str) -> None:
    if fault == "5xx-on-end":
        fake.faults.fail(2, status=502, method="POST", path=ENDS)
    elif fault == "5xx-on-delete":
        fake.faults.fail(2, status=503, method="DELETE", path=PERSONAS)
    elif fault == "timeout-on-end":
        fake.faults.delay(1.0, after=True, method="POST", path=ENDS)  # ended, the answer late
    elif fault == "timeout-on-delete":
        fake.faults.delay(1.0, after=True, method="DELETE", path=PERSONAS)  # deleted, the answer late
    else:  # a storm: every endpoint answers 429 with Retry-After three times first
        for method, path in [("GET", "/v2/replicas"), ("POST", PERSONAS), ("POST", CONVERSATIONS), ("POST", ENDS), ("DELETE", PERSONAS)]:
            fake.faults.rate_limit(3, retry_after=0.05, method=method, path=path)
    env = {"TAVUS_MAX_ATTEMPTS": "4"} if fault == "429-storm" else {}
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY), env=env)
    _report(fault, result)
    assert result.code == 0, (result.out, result.err)
    result.assert_nothing_left()
    assert "ended, persona deleted" in result.out


@pytest.mark.parametrize("fault", ["5xx-on-end", "timeout-on-end", "429-storm-on-end"])
def test_an_end_that_keeps_failing_leaves_the_ledger_pointing_at_it(fake: FakeTavus, tmp_path: Path, fault: str) -> None:
    if fault == "5xx-on-end":
        fake.faults.fail(100, status=500, method="POST", path=ENDS)
    elif fault == "timeout-on-end":
        fake.faults.delay(60.0, times=100, method="POST", path=ENDS)  # held: never handled in time
    else:
        fake.faults.rate_limit(100, retry_after=0.05, method="POST", path=ENDS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY))
    _report(f"{fault}-forever", result)
    assert result.code == 3, result.err
    assert len(result.active) == 1 and result.personas == []
    result.assert_ledger_points_at_what_is_left()
    assert f"conversation {result.active[0]} NOT ended (run `echo-player cleanup`)" in result.out
    assert "echo-player: warning: cleanup: ending conversation" in result.err


def test_a_429_storm_on_the_create_fails_cleanly(fake: FakeTavus, tmp_path: Path) -> None:
    fake.faults.rate_limit(100, retry_after=0.05, method="POST", path=CONVERSATIONS)
    result = run_play(fake, tmp_path, write_scenario(tmp_path, SAY))
    assert result.code == 3
    assert "Tavus API error 429" in result.err_lines[-1]
    result.assert_nothing_left()
    assert result.conversations == {}
    assert "no conversation was created, persona deleted" in result.out
