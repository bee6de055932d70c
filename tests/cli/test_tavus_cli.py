"""The housekeeping commands through the real entry point (player.cli.main), against the fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from player.simulator.tavus_api._server import FakeTavus
from player.tavus import Ledger, TavusClient
from tavus_support import REPLICA, CliResult, fake, isolated_env, make_settings, run_cli  # noqa: F401

Run = Callable[..., CliResult]


def _make_run(fake: FakeTavus, ledger_path: Path, *, name: str = "Demo") -> tuple[str, str]:
    with TavusClient(make_settings(fake), ledger=Ledger(ledger_path)) as client:
        persona = client.create_persona(name, replica_id=REPLICA)
        return persona.id, client.create_conversation(persona.id, name=name).id


def _creating_process(fake: FakeTavus, name: str, *, then: str) -> tuple[list[str], dict[str, str]]:
    """Command line and environment of another process that creates a persona `name` and a
    conversation `name run` on the fake (ledgered, as a run does), then runs the code `then`."""
    script = (
        "import os, sys\n"
        "from player.tavus import TavusClient, TavusSettings\n"
        "c = TavusClient(TavusSettings.from_env())\n"
        f"p = c.create_persona({name!r}, replica_id=sys.argv[1])\n"
        f"c.create_conversation(p.id, name={name + ' run'!r})\n" + then
    )
    env = dict(os.environ, TAVUS_API_KEY=fake.api_key, TAVUS_API_URL=fake.base_url)
    return [sys.executable, "-c", script, REPLICA], env


def test_conversations_list_text_json_and_active(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    _, live = _make_run(fake, isolated_env)
    _, ended = _make_run(fake, isolated_env, name="Old")
    fake.end(ended)

    result = run_cli("conversations", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 2 and any(line.startswith(live) and "active" in line for line in lines)

    result = run_cli("conversations", "list", "--active", "--format", "json")
    assert result.code == 0
    (only,) = json.loads(result.out)
    assert only["conversation_id"] == live and only["status"] == "active" and only["replica_id"] == REPLICA


def test_conversations_list_when_there_are_none(run_cli: Run) -> None:
    result = run_cli("conversations", "list", "--active")
    assert (result.code, result.out, result.err) == (0, "", "no active conversations\n")


def test_conversations_end(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    _, live = _make_run(fake, isolated_env)
    result = run_cli("conversations", "end", live)
    assert (result.code, result.out) == (0, f"ended {live}\n")
    assert fake.state.live_count() == 0
    assert [e.kind for e in Ledger(isolated_env).entries()] == ["persona"]  # forgotten once ended

    result = run_cli("conversations", "end", live, "c-nope")  # again: fine; unknown: an error
    assert result.code == 3
    assert result.out == f"ended {live}\n"
    assert result.err == ("echo-player: error: c-nope: Tavus API error 404: Conversation not found (POST /v2/conversations/c-nope/end)\n")


def test_a_401_prints_one_line_without_the_key_and_exits_3(run_cli: Run) -> None:
    secret = "tvs-secret-DO-NOT-PRINT"
    result = run_cli("conversations", "list", env={"TAVUS_API_KEY": secret})
    assert result.code == 3
    assert result.out == ""
    assert result.err.count("\n") == 1 and secret not in result.err
    expected = "echo-player: error: Tavus API error 401: Invalid access token (GET /v2/conversations)"
    assert result.err.startswith(expected)


def test_key_problems_are_one_line_errors(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("conversations", "list", env={"TAVUS_API_KEY": None})
    assert result.code == 3 and result.err.count("\n") == 1 and "TAVUS_API_KEY" in result.err
    result = run_cli("conversations", "list", "--api-key-file", str(tmp_path / "nope"), env={"TAVUS_API_KEY": None})
    assert result.code == 2 and "no such file" in result.err


def test_api_key_file_is_used(run_cli: Run, fake: FakeTavus, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(fake.api_key + "\n")
    result = run_cli("conversations", "list", "--api-key-file", str(key_file), env={"TAVUS_API_KEY": "wrong"})
    assert result.code == 0


def test_cleanup_after_a_crash_ends_and_deletes_everything_it_lists(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    # A real crash: another process creates a persona and a conversation, then dies unclean.
    argv, env = _creating_process(fake, "Crashy", then="os._exit(137)\n")
    crashed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 137, crashed.stderr
    assert len(Ledger(isolated_env).entries()) == 2 and fake.state.live_count() == 1

    # A tagged persona the ledger lost, and a conversation echo-player did not create.
    with TavusClient(make_settings(fake), ledger=Ledger(None)) as other:
        orphan = other.create_persona("Orphan", replica_id=REPLICA)
    fake.state.personas["p-user"] = dict(fake.state.personas[orphan.id], id="p-user", name="User's own")
    user_conv = fake.state.conversations.setdefault(
        "c-user", dict(next(iter(fake.state.conversations.values())), id="c-user", name="User's own call")
    )

    dry = run_cli("cleanup", "--dry-run")
    assert dry.code == 0
    assert len(dry.out.splitlines()) == 4 and dry.out.count(": would") == 3
    assert fake.state.live_count() == 2 and len(Ledger(isolated_env).entries()) == 2  # nothing touched

    result = run_cli("cleanup")
    assert result.code == 0, result.err
    assert result.out.count(": done") == 3 and "cleanup: 3 done" in result.out
    assert [c["id"] for c in fake.state.active_conversations()] == ["c-user"]  # not ours: left alone
    assert list(fake.state.personas) == ["p-user"]
    assert Ledger(isolated_env).entries() == []
    assert user_conv["status"] == "active"

    again = run_cli("cleanup")
    assert (again.code, again.out) == (0, "nothing to clean up\n")

    everything = run_cli("cleanup", "--all-active")
    assert everything.code == 0 and "c-user" in everything.out and fake.state.live_count() == 0


def test_cleanup_only_touches_ledger_entries_of_this_api_url(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    with FakeTavus() as elsewhere:
        _make_run(elsewhere, isolated_env)
    result = run_cli("cleanup")
    assert (result.code, result.out) == (0, "nothing to clean up\n")
    assert len(Ledger(isolated_env).entries()) == 2


def test_cleanup_reports_a_failure_and_exits_3(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    _, live = _make_run(fake, isolated_env)
    fake.faults.fail(1, status=409, message="Conversation is busy", method="POST", path=f"/v2/conversations/{live}/end")
    result = run_cli("cleanup")
    assert result.code == 3
    assert f"end conversation {live}" in result.err
    assert "failed: Tavus API error 409: Conversation is busy" in result.err
    assert "delete persona" in result.out and "1 done" in result.out and "1 failed" in result.out
    assert [e.kind for e in Ledger(isolated_env).entries()] == ["conversation"]  # kept for next time


def test_doctor_all_good(run_cli: Run) -> None:
    result = run_cli("doctor")
    assert result.code == 0, result.out
    assert [line.split()[0] for line in result.out.splitlines() if not line.startswith(" ")][:3] == ["ok", "ok", "ok"]
    assert "daily-python" in result.out and "ledger" in result.out and "ffmpeg" in result.out


def test_doctor_says_what_is_missing_and_how_to_fix_it(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    secret = "tvs-secret-DO-NOT-PRINT"
    result = run_cli("doctor", env={"TAVUS_API_KEY": secret})
    assert result.code == 3 and secret not in result.out + result.err
    assert "FAIL  key accepted   Tavus API error 401: Invalid access token" in result.out

    _make_run(fake, isolated_env)
    result = run_cli("doctor")
    assert result.code == 3
    assert "2 resource(s) left by earlier runs" in result.out and "fix: echo-player cleanup" in result.out

    result = run_cli("doctor", env={"TAVUS_API_KEY": None})
    assert result.code == 3  # the ledger still holds what the earlier run left
    assert "FAIL  API key" not in result.out and "skip  key accepted" in result.out


def test_doctor_without_a_key_says_the_local_replica_needs_none_and_exits_0(run_cli: Run) -> None:
    from importlib import metadata

    result = run_cli("doctor", env={"TAVUS_API_KEY": None})
    assert result.code == 0, result.out
    assert "ok    API key        none: `play` runs on the built-in local replica, which needs no key" in result.out
    assert f"(version {metadata.version('daily-python')})" in result.out and "unknown" not in result.out
    live = run_cli("doctor", "--live", env={"TAVUS_API_KEY": None})
    assert live.code == 3 and "FAIL  live           needs a Tavus API key" in live.out


def test_doctor_live_creates_checks_and_cleans_up_at_no_cost(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    result = run_cli("doctor", "--live")
    assert result.code == 0, result.out
    lines = [line for line in result.out.splitlines() if line.startswith(("ok", "FAIL"))]
    live = [line for line in lines if " live" in line[:12]]
    assert [line.split()[1] + " " + line.split()[2] for line in live] == [
        "live replica",
        "live persona",
        "live persona",
        "live test_mode",
        "live test_mode",
        "live test_mode",
        "live cleanup",
    ]
    assert all(line.startswith("ok") for line in live), result.out
    assert fake.state.personas == {}  # deleted
    assert [c["status"] for c in fake.state.conversations.values()] == ["ended"]  # test mode: never live
    assert fake.calls("POST", "/v2/conversations") == 1 and Ledger(isolated_env).entries() == []


def test_doctor_live_reports_a_refusal_and_still_cleans_up(run_cli: Run, fake: FakeTavus) -> None:
    fake.faults.fail(1, status=400, message="Invalid replica_id", method="POST", path="/v2/conversations")
    result = run_cli("doctor", "--live")
    assert result.code == 3
    assert "FAIL  live " in result.out and "ok    live cleanup" in result.out
    assert fake.state.personas == {}


def test_cleanup_dry_run_without_a_key_shows_the_ledger(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    persona, conversation = _make_run(fake, isolated_env)
    result = run_cli("cleanup", "--dry-run", env={"TAVUS_API_KEY": None})
    assert result.code == 0, result.err
    assert "no API key: showing the ledger only" in result.out
    assert f"would end conversation {conversation}" in result.out and f"would delete persona {persona}" in result.out
    assert "cleanup: 2 in the ledger" in result.out
    assert len(Ledger(isolated_env).entries()) == 2  # nothing touched
    assert run_cli("cleanup", env={"TAVUS_API_KEY": None}).code == 3  # a real cleanup still needs the key


def test_cleanup_leaves_a_run_in_progress_alone_unless_forced(run_cli: Run, fake: FakeTavus, isolated_env: Path) -> None:
    # A live run: another process creates, then waits (as a run does while it plays).
    argv, env = _creating_process(fake, "Live", then="print('ready', flush=True)\nsys.stdin.read()\n")
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        result = run_cli("cleanup")
        assert result.code == 0
        assert result.out.count(f"a run in progress owns it (pid {proc.pid})") == 2
        assert "cleanup: 2 skipped" in result.out
        assert fake.state.live_count() == 1

        forced = run_cli("cleanup", "--force")
        assert forced.code == 0 and "cleanup: 2 done" in forced.out
        assert fake.state.live_count() == 0 and fake.state.personas == {}
    finally:
        proc.communicate("", timeout=30)
