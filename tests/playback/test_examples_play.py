"""Every example in scenarios/ plays to the end on the local replica without a protocol
violation or an underrun (the replica talks fast and pauses are shortened, to keep it quick)."""

from __future__ import annotations

from pathlib import Path

import pytest

from play_support import play

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.scenario.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_plays(path: Path, tmp_path: Path) -> None:
    run = play(path, tmp_path, speed=8.0)
    assert run.error is None, run.error
    assert run.room.violations == [] and run.outcome.underruns == 0
    assert len(run.records("step")) == len(run.plan.steps)
    assert run.outcome.conversation_ended and run.server_personas == {}


def test_there_are_examples_of_every_kind() -> None:
    names = {p.name for p in EXAMPLES}
    assert {
        "welcome.scenario.yaml",
        "audio-clips.scenario.yaml",
        "interrupt.scenario.yaml",
        "rehearsal.scenario.yaml",
        "includes-and-vars.scenario.yaml",
    } <= names
