"""The exit matrix's machinery: the real `echo-player play` in a child process against a FakeTavus
in the test process, a signal at a chosen phase, and what the server and the ledger hold after.

The child is tests/playback/exit_driver.py (its daily.co rooms played by the local replica), or
`python -m player` itself for start-up. Timeouts, retries and the way out's budget are short,
through the TAVUS_* environment, so fault cases take a second or two.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from player.simulator.tavus_api._server import FakeTavus

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "playback" / "exit_driver.py"
FAST_ENV = {
    "TAVUS_READ_TIMEOUT": "0.5",
    "TAVUS_MAX_ATTEMPTS": "3",
    "TAVUS_RETRY_BACKOFF": "0.02",
    "TAVUS_RESOLVE_TIMEOUT": "3",
}


@dataclass
class Exit:
    code: int
    out: str
    err: str
    took: float | None  # seconds from the (first) signal to the exit
    ledger: list[dict[str, Any]]
    log: list[dict[str, Any]]
    active: list[str] = field(default_factory=list)  # conversations still active on the server
    personas: list[str] = field(default_factory=list)  # personas still on the server
    conversations: dict[str, str] = field(default_factory=dict)  # every conversation: id -> status

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    def assert_nothing_left(self) -> None:
        """No active conversation, no persona, nothing in the ledger."""
        assert self.active == [], (self.active, self.out, self.err)
        assert self.personas == [], (self.personas, self.out, self.err)
        assert self.ledger == [], (self.ledger, self.out, self.err)

    def assert_ledger_points_at_what_is_left(self) -> None:
        left = set(self.active) | set(self.personas)
        assert {e["id"] for e in self.ledger} == left, (self.ledger, left)
        assert all(e["id"] for e in self.ledger)


def run_play(
    fake: FakeTavus,
    tmp_path: Path,
    scenario: Path,
    *,
    when: Callable[[FakeTavus, list[dict[str, Any]]], bool] | None = None,
    sig: signal.Signals | None = None,
    after: float = 0.0,
    again: Callable[[FakeTavus, list[dict[str, Any]], str], bool] | None = None,
    entry: str = "driver",
    env: dict[str, str] | None = None,
    timeout: float = 40.0,
) -> Exit:
    """Play `scenario`; once `when(fake, log)` holds, wait `after` seconds and send `sig`;
    `again(fake, log, stdout so far)` sends it a second time. Without `when`, `after` counts
    from the moment the child's signal handlers are in place (see `handlers_installed`)."""
    log_path = tmp_path / "run.jsonl"
    ledger_path = tmp_path / "ledger.json"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_")}
    child_env.update(FAST_ENV)
    child_env.update(TAVUS_API_KEY=fake.api_key, TAVUS_API_URL=fake.base_url, ECHO_PLAYER_LEDGER=str(ledger_path))
    child_env.update(env or {})
    if entry == "script":  # the console script pip wrote beside the interpreter
        start = [str(Path(sys.executable).with_name("echo-player"))]
    else:
        start = [sys.executable, str(DRIVER)] if entry == "driver" else [sys.executable, "-m", "player"]
    command = [*start, "play", str(scenario), "--log", str(log_path), "--no-interactive"]
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env, cwd=HERE.parent)
    out_parts: list[str] = []
    err_parts: list[str] = []
    readers = [
        threading.Thread(target=lambda: out_parts.extend(iter(proc.stdout.readline, "")), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_parts.extend(iter(proc.stderr.readline, "")), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    sent: float | None = None
    deadline = started + timeout
    try:
        if sig is not None:
            ready = when or (lambda _fake, _log: handlers_installed(proc.pid))
            while not ready(fake, _records(log_path)):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(f"the phase never came: {''.join(out_parts)} {''.join(err_parts)}")
                time.sleep(0.001)
            time.sleep(after)
            sent = time.monotonic()
            proc.send_signal(sig)
            while again is not None and proc.poll() is None and time.monotonic() < deadline:
                if again(fake, _records(log_path), "".join(out_parts)):
                    proc.send_signal(sig)
                    break
                time.sleep(0.005)
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        ended = time.monotonic()
    finally:
        proc.kill()
    for reader in readers:
        reader.join(5)
    out, err = "".join(out_parts), "".join(err_parts)
    ledger = json.loads(ledger_path.read_text())["entries"] if ledger_path.exists() else []
    state = fake.state
    with state.lock:
        conversations = {cid: c["status"] for cid, c in state.conversations.items()}
        personas = list(state.personas)
    return Exit(
        code=proc.returncode,
        out=out,
        err=err,
        took=None if sent is None else ended - sent,
        ledger=ledger,
        log=_records(log_path),
        active=sorted(cid for cid, status in conversations.items() if status == "active"),
        personas=personas,
        conversations=conversations,
    )


def handlers_installed(pid: int) -> bool:
    """The process catches SIGINT and SIGTERM (Linux: SigCgt in /proc/PID/status): echo-player's
    first statements have run. Before that the interpreter itself is starting, and a signal
    gets the system's default action (death by the signal), which no Python code can change."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0)
    return all(caught & (1 << (sig - 1)) for sig in (signal.SIGINT, signal.SIGTERM))


def arrived(method: str, path: str, n: int = 1) -> Callable[[FakeTavus, list[dict[str, Any]]], bool]:
    """The phase: the n-th such request has reached the server (it may be held there)."""
    prefix = path.endswith("*")
    stem = path.rstrip("*")

    def check(fake: FakeTavus, _log: list[dict[str, Any]]) -> bool:
        calls = list(fake._arrivals)
        return sum(1 for m, p in calls if m == method and (p.startswith(stem) if prefix else p == stem)) >= n

    return check


def logged(kind: str, n: int = 1) -> Callable[[FakeTavus, list[dict[str, Any]]], bool]:
    """The phase: the run log holds n records of this kind."""
    return lambda _fake, log: sum(r["kind"] == kind for r in log) >= n


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            break  # a line being written
    return out
