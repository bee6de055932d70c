"""Builders for scenario models in tests that exercise planning and playback without YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from player.scenario._model import ConversationSpec, Defaults, PersonaSpec, Pos, Scenario, Step

__all__ = ["pos", "scenario_of"]


def pos(line: int = 1, col: int = 1, file: str = "t.scenario.yaml") -> Pos:
    return Pos(file, line, col)


def scenario_of(*steps: Step, **conversation: Any) -> Scenario:
    """A scenario whose steps are re-indexed in order; conversation fields as keywords."""
    indexed = tuple(type(s)(**{**_fields(s), "index": i}) for i, s in enumerate(steps))
    conversation.setdefault("persona", PersonaSpec(pos(), "Test Presenter", replica_id="r90bbd427f71"))
    return Scenario(
        path=Path("t.scenario.yaml"),
        name="test",
        description=None,
        conversation=ConversationSpec(**conversation),
        defaults=Defaults(),
        vars={},
        steps=indexed,
    )


def _fields(step: Step) -> dict[str, Any]:
    return {name: getattr(step, name) for name in step.__dataclass_fields__}
