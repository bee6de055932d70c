"""Serving for tests: the control server on an ephemeral loopback port, in front of a relay into
a real local room (the fake Tavus API and the simulated replica), all in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from play_support import FAST_ROOM
from player.plan import check_file
from player.playback import Backend, Outcome, RunLog, local_backend
from player.server import ControlServer, Relay, RelayControls, ServedPlay, ServerConfig, run_relay
from player.simulator.replica import LocalRoom

__all__ = ["Relaying", "relaying", "Serving", "serving", "until", "read_sse", "SEED_CURL_BODY"]

# The seed's own curl example (shared/seeds, "Send Echo Message"), byte for byte.
SEED_CURL_BODY = """{
        "message_type": "conversation",
        "event_type": "conversation.echo",
        "conversation_id": "<conversation_id>",
        "properties": {
          "modality": "text",
          "text": "Hello there!",
          "audio": "base64-encoded-audio",
          "sample_rate": 24000,
          "inference_id": "inference-id-123",
          "done": "true"
        }
      }"""


async def until(predicate: Any, timeout: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Relaying:
    server: ControlServer
    backend: Backend
    relay: Relay
    controls: RelayControls
    outcome: Outcome
    task: asyncio.Task[Outcome]
    log_path: Path

    @property
    def base(self) -> str:
        return self.server.base_url

    @property
    def token(self) -> str:
        return self.server.config.token

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def room(self) -> LocalRoom:
        assert self.backend.rooms is not None and self.outcome.conversation_id
        room = self.backend.rooms.find(self.outcome.conversation_id)
        assert room is not None
        return room

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines()]


@contextlib.asynccontextmanager
async def relaying(tmp_path: Path, **config: Any) -> AsyncIterator[Relaying]:
    """`serve` without a scenario, in-process: yields once the relay is in the room."""
    with local_backend(room_settings=FAST_ROOM) as backend:
        relay = Relay()
        controls = RelayControls(relay)
        log_path = tmp_path / "run.jsonl"
        log = RunLog(log_path)
        outcome = Outcome()
        server = ControlServer(ServerConfig(port=0, **config), controls, relay)
        await server.start()
        task = asyncio.ensure_future(
            run_relay(
                backend.client, backend.transport, relay, controls, log=log, outcome=outcome, default_replica_id=backend.default_replica_id
            )
        )
        try:
            await until(lambda: relay.connected or task.done(), what="the relay to join")
            if task.done():
                task.result()
            yield Relaying(server, backend, relay, controls, outcome, task, log_path)
        finally:
            controls.quit()
            await asyncio.gather(task, return_exceptions=True)
            await server.stop()
            log.close()


async def read_sse(
    response: httpx.Response, count: int, timeout: float = 10.0, *, until: Callable[[str, Any], bool] | None = None
) -> list[tuple[str, Any]]:
    """The first `count` events of a text/event-stream response, as (event, data); with `until`,
    the events up to and including the first one it accepts (however many that is)."""
    events: list[tuple[str, Any]] = []
    kind, data = "message", ""

    async def read() -> None:
        nonlocal kind, data
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "" and data:
                events.append((kind, json.loads(data)))
                kind, data = "message", ""
                if until(*events[-1]) if until is not None else len(events) >= count:
                    return

    await asyncio.wait_for(read(), timeout)
    return events


@dataclass
class Serving:
    """`serve SCENARIO`, in-process: the run, its controller and the server in front."""

    served: ServedPlay
    backend: Backend
    log_path: Path
    _task: asyncio.Task[Outcome] | None = None

    @property
    def task(self) -> asyncio.Task[Outcome]:
        assert self._task is not None, "not started"
        return self._task

    def start(self) -> None:
        self._task = self.served.start()

    @property
    def base(self) -> str:
        return self.served.server.base_url

    @property
    def token(self) -> str:
        return self.served.server.config.token

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def room(self) -> LocalRoom | None:
        cid = self.served.session.outcome.conversation_id
        return self.backend.rooms.find(cid) if cid and self.backend.rooms is not None else None

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines()]

    def steps(self) -> list[str]:
        return [r["id"] or f"#{r['index'] + 1}" for r in self.log() if r["kind"] == "step"]


@contextlib.asynccontextmanager
async def serving(
    scenario: Path, tmp_path: Path, *, manual_cues: bool = False, start: bool = True, **config: Any
) -> AsyncIterator[Serving]:
    """Plays `scenario` on the local replica with the control server on an ephemeral port;
    yields as soon as the run has started (before the room is joined), or before it starts
    with start=False (then call .start()). Cancels the run if it is still on."""
    result = check_file(scenario)
    assert result.plan is not None, [str(d) for d in result.diagnostics]
    log_path = tmp_path / "run.jsonl"
    log = RunLog(log_path)
    with local_backend(room_settings=FAST_ROOM) as backend:
        config.setdefault("secrets", (backend.client.settings.api_key,))  # as `serve` does
        served = ServedPlay(result.plan, backend, ServerConfig(port=0, **config), log=log, manual_cues=manual_cues)
        await served.server.start()
        serving = Serving(served, backend, log_path)
        if start:
            serving.start()
        try:
            yield serving
        finally:
            if serving._task is not None:
                serving._task.cancel()
                await asyncio.gather(serving._task, return_exceptions=True)
            await served.server.stop()
            log.close()
