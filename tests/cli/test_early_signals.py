"""A signal whose KeyboardInterrupt was swallowed during start-up (it landed in a weakref
callback, as importlib's module locks have) still interrupts: the run's loop takes it as it
starts, and any other command ends with 130."""

from __future__ import annotations

import asyncio
import gc
import signal
import weakref
from pathlib import Path

import pytest

from player import _early_signals
from player.__main__ import _raise
from player.cli import main
from player.cli._signals import until_signal
from player.errors import Interrupted

# The swallowed KeyboardInterrupt is reported by pytest as an unraisable exception: expected.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _swallowed_sigint() -> None:
    """What the exit matrix saw: the handler's raise inside a weakref callback is lost."""

    class Thing:
        pass

    thing = Thing()
    ref = weakref.ref(thing, lambda _ref: _raise(signal.SIGINT, None))
    del thing  # the callback runs now; its KeyboardInterrupt is printed as ignored, not raised
    gc.collect()
    assert ref() is None


def test_a_swallowed_start_up_signal_interrupts_the_run_as_its_loop_starts() -> None:
    _swallowed_sigint()
    caught: list[str] = []

    async def work() -> str:
        await asyncio.sleep(5)
        return "played"

    async def run() -> str:
        return await until_signal(work(), caught, say=lambda _text: None)

    with pytest.raises(Interrupted):
        asyncio.run(asyncio.wait_for(run(), 3))
    assert caught == ["SIGINT"]
    assert _early_signals.take() is None  # taken


def test_a_swallowed_signal_ends_any_other_command_with_130(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.scenario.yaml"
    path.write_text("version: 1\nsteps:\n  - say: Hello\n", encoding="utf-8")
    _swallowed_sigint()
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 130
    assert "interrupted by SIGINT" in capsys.readouterr().err


def test_without_a_signal_nothing_is_pending(tmp_path: Path) -> None:
    path = tmp_path / "ok.scenario.yaml"
    path.write_text("version: 1\nsteps:\n  - say: Hello\n", encoding="utf-8")
    assert _early_signals.take() is None
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 0
