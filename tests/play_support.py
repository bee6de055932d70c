"""Running whole playbacks in-process against the local replica, and reading what happened."""

from __future__ import annotations

import asyncio
import json
import textwrap
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from player.plan._build import Plan, build_plan
from player.plan._validate import validate_file
from player.playback._backends import local_backend
from player.playback._runlog import RunLog
from player.playback._scheduler import RunOptions
from player.playback._session import Outcome, Session
from player.simulator.replica._room import LocalRoom, RoomSettings
from room_support import tone

__all__ = ["FAST_ROOM", "write_scenario", "write_tone", "play", "Played"]

# Quick to join; text speaks at 600 wpm (0.1 s a word), so scenarios say it with 600 too.
FAST_ROOM = RoomSettings(join_delay=0.05, tts_latency=0.05, done_timeout=0.5, words_per_minute=600)

HEADER = """\
version: 1
conversation:
  persona: {name: Test Presenter, replica_id: r90bbd427f71}
  join_timeout: 10s
defaults:
  words_per_minute: 600
"""


def write_scenario(folder: Path, body: str, *, name: str = "t.scenario.yaml", header: str = HEADER) -> Path:
    path = folder / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def write_tone(path: Path, seconds: float, *, rate: int = 24000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone(seconds, rate))
    return path


@dataclass
class Played:
    plan: Plan
    outcome: Outcome | None
    error: BaseException | None
    log: list[dict[str, Any]]
    room: LocalRoom | None
    server_conversations: dict[str, Any]
    server_personas: dict[str, Any]

    def records(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.log if r["kind"] == kind]


def play(path: Path, tmp_path: Path, *, room: RoomSettings = FAST_ROOM, **session_options: Any) -> Played:
    """Validate, plan and play `path` on a fresh local backend; never raises the run's error."""
    scenario, diagnostics = validate_file(path)
    assert scenario is not None, [str(d) for d in diagnostics]
    plan = build_plan(scenario)
    log_path = tmp_path / "run.jsonl"
    log = RunLog(log_path)
    error: BaseException | None = None
    outcome = None
    with local_backend(room_settings=room) as backend:
        session = Session(plan, backend, log=log, options=RunOptions(**session_options))
        try:
            outcome = asyncio.run(session.run())
        except BaseException as exc:  # noqa: BLE001 - tests assert on it
            error = exc
        finally:
            log.close()
        cid = session.outcome.conversation_id
        local_room = backend.rooms.find(cid) if cid and backend.rooms else None
        server = backend.server
        conversations = {k: dict(v) for k, v in server.state.conversations.items()} if server else {}
        personas = {k: dict(v) for k, v in server.state.personas.items()} if server else {}
    records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    return Played(plan, outcome or session.outcome, error, records, local_room, conversations, personas)
