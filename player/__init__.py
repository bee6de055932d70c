"""echo-player: play declarative YAML scenarios into Tavus echo-mode conversations.

    from player import validate_file, build_plan, local_backend, Session
    scenario, diagnostics = validate_file("scenarios/welcome.scenario.yaml")
    plan = build_plan(scenario)
    with local_backend() as backend:
        outcome = asyncio.run(Session(plan, backend, log=RunLog(None)).run())

Data flows one way: file -> Scenario (model, with positions) -> Plan -> Scheduler -> transport
-> room. Names load lazily, so `import player` stays cheap for the validator's cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backends import Backend, local_backend, tavus_backend
    from .errors import (
        AudioError,
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
    from .loader import load_scenario
    from .model import Diagnostic, Pos, Scenario
    from .plan import Plan, PlannedStep, build_plan
    from .runlog import RunLog
    from .scheduler import RunOptions
    from .session import Outcome, Session
    from .validate import validate_file, validate_paths

__version__ = "0.1.0"

_WHERE = {
    "load_scenario": "loader",
    "validate_file": "validate",
    "validate_paths": "validate",
    "Scenario": "model",
    "Diagnostic": "model",
    "Pos": "model",
    "build_plan": "plan",
    "Plan": "plan",
    "PlannedStep": "plan",
    "Session": "session",
    "Outcome": "session",
    "RunOptions": "scheduler",
    "RunLog": "runlog",
    "Backend": "backends",
    "local_backend": "backends",
    "tavus_backend": "backends",
    "ExitCode": "exitcodes",
    **{name: "errors" for name in (
        "EchoPlayerError", "UsageError", "ScenarioError", "AudioError", "TavusError",
        "PlaybackError", "JoinError", "WaitTimeout", "ProtocolViolation", "Interrupted",
    )},
}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'player' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
