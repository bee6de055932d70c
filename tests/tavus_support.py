"""Fixtures and helpers for the Tavus tests: a FakeTavus on 127.0.0.1, a client with tiny backoff
and a private ledger, and the real CLI entry point run in-process.

Test modules import the fixtures they use (`from tavus_support import fake, client, ...`).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from player.simulator.tavus_api._server import FakeTavus
from player.tavus import Ledger, RetryPolicy, TavusClient, TavusSettings

FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.005, backoff_max=0.02, retry_after_max=2.0)
REPLICA = "r90bbd427f71"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's key or writes the developer's ledger."""
    for name in ("TAVUS_API_KEY", "TAVUS_API_URL", "TAVUS_API", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    ledger_path = tmp_path / "state" / "ledger.json"
    monkeypatch.setenv("ECHO_PLAYER_LEDGER", str(ledger_path))
    return ledger_path


@pytest.fixture
def fake() -> Iterator[FakeTavus]:
    with FakeTavus() as server:
        yield server


def make_settings(fake: FakeTavus, **changes: Any) -> TavusSettings:
    values: dict[str, Any] = {
        "api_key": fake.api_key,
        "base_url": fake.base_url,
        "retry": FAST_RETRY,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    values.update(changes)
    return TavusSettings(**values)


@pytest.fixture
def ledger(isolated_env: Path) -> Ledger:
    return Ledger(isolated_env)


@pytest.fixture
def client(fake: FakeTavus, ledger: Ledger) -> Iterator[TavusClient]:
    with TavusClient(make_settings(fake), ledger=ledger) as c:
        yield c


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, fake: FakeTavus) -> Callable[..., CliResult]:
    """Runs `echo-player ARGS` through player.cli.main (its real error handling and exit codes),
    with the housekeeping commands registered and the environment pointed at the fake."""
    import player.cli as cli_module  # its commands load lazily: only the one a test runs

    def run(*args: str, env: Mapping[str, str | None] | None = None) -> CliResult:
        values: dict[str, str | None] = {"TAVUS_API_KEY": fake.api_key, "TAVUS_API_URL": fake.base_url}
        values.update(env or {})
        with pytest.MonkeyPatch.context() as mp:
            for name, value in values.items():
                if value is None:
                    mp.delenv(name, raising=False)
                else:
                    mp.setenv(name, value)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    cli_module.main(list(args))
                except SystemExit as exc:
                    code = int(exc.code or 0)
                else:  # pragma: no cover - main always exits
                    code = -1
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def live_ids(fake: FakeTavus) -> list[str]:
    return sorted(c["id"] for c in fake.state.active_conversations())
