"""`echo-player play` as a user runs it: the local default, usage errors, API errors, cues on
a terminal. Subprocesses, so exit codes and stderr are the real ones."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from play_support import write_scenario
from player.simulator.tavus_api._server import FakeTavus

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_")}
    return subprocess.run(
        [sys.executable, "-m", "player", *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=timeout, cwd=ROOT
    )


def test_without_a_key_it_plays_on_the_local_replica_and_says_so(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello\n  - pause: 2s\n")
    result = run_cli("play", str(path), "--speed", "4", "--no-interactive")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("No TAVUS_API_KEY set: playing on the built-in local replica") == 1
    assert "#2 pause 2s" in result.stdout  # one line per step when not on a terminal
    assert "played 2 steps" in result.stdout and "ended, persona deleted" in result.stdout


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello\n    id: hi\n")
    cases = {
        ("--from", "nope"): "--from: no step with id 'nope'",
        ("--var", "not a pair"): "--var expects NAME=VALUE",
        ("--speed", "0"): "Invalid value for '--speed'",
        ("--local-max-conversations", "0"): "Invalid value for '--local-max-conversations'",
    }
    for extra, message in cases.items():
        result = run_cli("play", str(path), *extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    keyed = run_cli("play", str(path), "--speed", "2", env={"TAVUS_API_KEY": "k-not-used"})
    assert keyed.returncode == 2 and "--speed works on the local replica only" in keyed.stderr
    assert "k-not-used" not in keyed.stderr
    keyed = run_cli("play", str(path), "--local-max-conversations", "20", env={"TAVUS_API_KEY": "k-not-used"})
    assert keyed.returncode == 2 and "--local-max-conversations works on the local replica only" in keyed.stderr


def test_an_invalid_scenario_exits_1_before_anything_is_created(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - sey: hello\n")
    result = run_cli("play", str(path))
    assert result.returncode == 1
    assert f"{path}:" in result.stderr and "did you mean" in result.stderr.lower()
    assert "No TAVUS_API_KEY" not in result.stderr  # it never got as far as choosing a backend


def test_a_rejected_key_is_one_line_exit_3_without_the_key(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello\n")
    with FakeTavus() as server:
        secret = "sk-wrong-1234567890"
        result = run_cli(
            "play",
            str(path),
            env={"TAVUS_API_KEY": secret, "TAVUS_API_URL": server.base_url, "ECHO_PLAYER_LEDGER": str(tmp_path / "ledger.json")},
        )
        assert result.returncode == 3
        errors = [line for line in result.stderr.splitlines() if line.startswith("echo-player: error:")]
        assert len(errors) == 1 and "401" in errors[0] and "Invalid access token" in errors[0]
        assert secret not in result.stderr + result.stdout and "Traceback" not in result.stderr
        assert server.state.conversations == {} and server.state.personas == {}


def test_a_cue_waits_for_enter_on_a_terminal(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - cue: Switch to the dashboard\n    auto: 0.1s\n  - say: after the cue\n")
    log = tmp_path / "run.jsonl"
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "player", "play", str(path), "--log", str(log)], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while b"press Enter" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)
        assert b"CUE: Switch to the dashboard" in seen
        time.sleep(1.0)  # well past `auto`: on a terminal only Enter continues
        os.write(master, b"\n")
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        assert proc.wait(timeout=30) == 0, seen.decode(errors="replace")
    finally:
        proc.kill()
        os.close(master)
    steps = [r for r in map(json.loads, log.read_text().splitlines()) if r["kind"] == "step"]
    assert steps[0]["action"] == "cue" and steps[1]["action"] == "say"
    assert steps[1]["due"] - steps[0]["actual"] >= 0.9  # the say waited for Enter, not `auto`
    assert "\x1b[K" in seen.decode(errors="replace")  # the live status line on a terminal


def test_an_unwritable_log_is_a_usage_error(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello\n")
    result = run_cli("play", str(path), "--log", str(tmp_path / "missing" / "run.jsonl"))
    assert result.returncode == 2
    assert "--log" in result.stderr and "cannot write it" in result.stderr
    assert "Traceback" not in result.stderr


def test_conversation_options_on_the_command_line(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello\n")
    log = tmp_path / "run.jsonl"
    result = run_cli("play", str(path), "--test-mode", "--require-auth", "--no-interactive", "--log", str(log))
    assert result.returncode == 0, result.stderr
    assert "test mode: conversation" in result.stdout and "nothing was played" in result.stdout
    records = [json.loads(line) for line in log.read_text().splitlines()]
    created = next(r for r in records if r["kind"] == "conversation")
    assert created["test_mode"] is True and created["status"] == "ended"
    bad = run_cli("play", str(path), "--max-participants", "1")
    assert bad.returncode == 2 and "--max-participants" in bad.stderr and "Traceback" not in bad.stderr
