"""echo-player: play declarative YAML scenarios into Tavus echo-mode conversations.

    from player import check_file, local_backend, Session, RunLog
    result = check_file("scenarios/welcome.scenario.yaml")
    with local_backend() as backend:
        outcome = asyncio.run(Session(result.plan, backend, log=RunLog(None)).run())

Data flows one way, one package per stage: file -> player.scenario (model, with positions) ->
player.plan (due times) -> player.playback (scheduler) -> player.transport (Daily) -> room.
player.tavus is the REST client, player.audio prepares clips, player.simulator is the embedded
default, player.cli the command line. Names load lazily, so `import player` stays cheap for the
validator's cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import (
        AudioError,
        ControlRefused,
        EchoPlayerError,
        Interrupted,
        JoinError,
        PlaybackError,
        ProtocolViolation,
        ScenarioError,
        TavusError,
        UsageError,
        WaitTimeout,
    )
    from .exitcodes import ExitCode
    from .plan import FileResult, Plan, PlannedStep, build_plan, check_file, load_scenario, validate_file, validate_paths
    from .playback import Backend, Controller, Outcome, RunLog, RunOptions, Session, aplay, local_backend, play, tavus_backend
    from .scenario import Diagnostic, Pos, Scenario

__version__ = "0.1.0"

_WHERE = {
    "Scenario": "scenario",
    "Diagnostic": "scenario",
    "Pos": "scenario",
    "load_scenario": "plan",
    "check_file": "plan",
    "validate_file": "plan",
    "validate_paths": "plan",
    "FileResult": "plan",
    "build_plan": "plan",
    "Plan": "plan",
    "PlannedStep": "plan",
    "play": "playback",
    "aplay": "playback",
    "Controller": "playback",
    "Session": "playback",
    "Outcome": "playback",
    "RunOptions": "playback",
    "RunLog": "playback",
    "Backend": "playback",
    "local_backend": "playback",
    "tavus_backend": "playback",
    "ExitCode": "exitcodes",
    **{
        name: "errors"
        for name in (
            "EchoPlayerError",
            "UsageError",
            "ScenarioError",
            "AudioError",
            "TavusError",
            "PlaybackError",
            "JoinError",
            "WaitTimeout",
            "ProtocolViolation",
            "Interrupted",
            "ControlRefused",
        )
    },
}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'player' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
