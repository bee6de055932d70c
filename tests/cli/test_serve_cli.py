"""`echo-player serve` as a user runs it: a subprocess that prints its URL and token, relays the
seed's curl body, and ends what it created on Ctrl-C (exit 130); usage errors exit 2."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from play_support import write_scenario
from pty_support import PtyRun, read_log
from server_support import SEED_CURL_BODY

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"Serving echo-player control at (http://127\.0\.0\.1:(\d+))/\?token=([0-9a-f]{48})")
URL_ANY = re.compile(r"Serving echo-player control at (http://127\.0\.0\.1:\d+)/\?token=")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TAVUS_", "ECHO_PLAYER_"))}


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "player", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
    )


def _wait_for_line(proc: subprocess.Popen[str], pattern: re.Pattern[str] | str, lines: list[str]) -> re.Match[str]:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    proc.kill()
    raise AssertionError(f"never printed {pattern!r}: {lines} {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_without_a_scenario_relays_the_seeds_curl_and_cleans_up_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    log = tmp_path / "run.jsonl"
    proc = _start("--log", str(log))
    lines: list[str] = []
    try:
        found = _wait_for_line(proc, URL, lines)
        base, token = found.group(1), found.group(3)
        _wait_for_line(proc, "Relaying into conversation", lines)
        reply = httpx.post(f"{base}/send_text_message", content=SEED_CURL_BODY, headers={"Content-Type": "application/json"})
        assert (reply.status_code, reply.json()) == (200, {"status": "Message sent successfully"})
        status = httpx.get(f"{base}/api/status", params={"token": token}).json()
        assert status["state"] == "relaying"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert re.search(r"conversation c\w+ ended, persona deleted", out), out
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["outcome"] for r in records if r["kind"] == "end"] == ["interrupted"]


def test_quit_over_http_ends_the_relay_with_exit_0_and_garbage_prints_nothing() -> None:
    proc = _start()
    lines: list[str] = []
    try:
        found = _wait_for_line(proc, URL, lines)
        _wait_for_line(proc, "Relaying into conversation", lines)
        with socket.create_connection(("127.0.0.1", int(found.group(2)))) as raw:  # not HTTP at all
            raw.sendall(b"GARBAGE \x00\x01 nonsense\r\n\r\n")
            assert raw.recv(100).split(b"\r\n")[0].endswith(b" 400 Bad Request")
        reply = httpx.post(f"{found.group(1)}/api/quit", headers={"Authorization": f"Bearer {found.group(3)}"})
        assert reply.status_code == 200
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "ended, persona deleted" in out
    assert "Traceback" not in err and "Error handling request" not in err  # aiohttp's logs stay quiet


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "player", "serve", *args], capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60
    )


def test_a_room_url_without_a_key_is_joined_over_real_daily_like_the_seed() -> None:
    result = _run("--conversation-url", "not a url")  # refused by daily-core at once, offline
    assert result.returncode == 3, result.stderr
    assert "could not join not a url: not a valid room URL" in result.stderr
    assert "local replica" not in result.stderr and "Traceback" not in result.stderr
    assert "no conversation was created" in result.stdout


def test_usage_errors_exit_2_before_anything_is_created(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello\n")
    cases = {
        (str(path), "--conversation-url", "https://x.daily.co/r"): "are for serve without a scenario",
        ("--from", "x"): "need a scenario FILE",
        ("--conversation-url", "u", "--conversation-id", "c"): "not both",
        ("--token", " "): "--token must not be empty",
        ("--port", "70000"): "Invalid value for '--port'",
    }
    for args, message in cases.items():
        result = _run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _run("--port", str(busy.getsockname()[1]))
    assert result.returncode == 2, result.stderr
    assert "cannot serve on 127.0.0.1" in result.stderr
    assert "no conversation was created" in result.stdout


def test_serve_a_scenario_plays_it_to_the_end_with_exit_0(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello there\n    id: hi\n  - pause: 2s\n    id: rest\n  - say: goodbye\n")
    proc = _start(str(path), "--speed", "2")
    lines: list[str] = []
    try:
        found = _wait_for_line(proc, URL, lines)
        _wait_for_line(proc, r"#1 \[hi\] say", lines)
        status = httpx.get(f"{found.group(1)}/api/status", headers={"Authorization": f"Bearer {found.group(3)}"}).json()
        assert status["steps"] == 3 and status["conversation_id"]
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "played 3 steps" in out and "ended, persona deleted" in out


def test_quit_over_http_mid_scenario_is_exit_130_and_still_cleans_up(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello there\n    id: hi\n  - pause: 60s\n")
    proc = _start(str(path))
    lines: list[str] = []
    try:
        found = _wait_for_line(proc, URL, lines)
        _wait_for_line(proc, r"#2 pause 60s", lines)
        reply = httpx.post(f"{found.group(1)}/api/quit", headers={"Authorization": f"Bearer {found.group(3)}"})
        assert reply.status_code == 200
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted by quit" in err and "Traceback" not in err
    assert "ended, persona deleted" in out


def test_on_a_terminal_the_keys_and_the_server_steer_one_run(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello there\n    id: hi\n  - pause: 60s\n    id: rest\n  - say: never\n")
    log = tmp_path / "run.jsonl"
    run = PtyRun("serve", str(path), "--port", "0", "--log", str(log), env={"ECHO_PLAYER_TOKEN": "k3ys"})
    try:
        run.wait_until(lambda: URL_ANY.search(run.screen) is not None, what="the URL")
        found = URL_ANY.search(run.screen)
        assert found is not None
        base = found.group(1)
        run.wait_until(lambda: any(r["kind"] == "step" and r["id"] == "rest" for r in read_log(log)), what="step rest")
        run.send(" ")  # the terminal's key pauses ...
        run.wait_until(lambda: any(r["kind"] == "pause" for r in read_log(log)), what="the pause record")
        status = httpx.get(f"{base}/api/status", headers={"Authorization": "Bearer k3ys"}).json()
        assert status["state"] == "paused"  # ... the run the server steers
        assert httpx.post(f"{base}/api/resume", headers={"Authorization": "Bearer k3ys"}).status_code == 200
        run.wait_until(lambda: any(r["kind"] == "resume" for r in read_log(log)), what="the resume record")
        run.send("q")
        assert run.wait() == 130, run.screen
    finally:
        run.close()
    assert "ended, persona deleted" in run.screen
