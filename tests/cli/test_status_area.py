"""The status area's rendering (pure: status dict in, lines out), the key input's type-ahead
flush and the terminal's restoration after a crash, without a subprocess."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import select
import termios
from pathlib import Path
from typing import Any

import pytest

from play_support import write_scenario
from player.cli._console import Console
from player.cli._keys import KeyBindings, complete
from player.cli._playback import run_playback
from player.cli._status_area import HELP_LINE, Style, cells, render_status
from player.cli._terminal import KeyInput
from player.plan import check_file
from player.playback import Controller

NOTE = "Point at the chart on the left, wait for the laughter to die down, then say the next line slowly and clearly."
STATUS: dict[str, Any] = {
    "state": "playing",
    "step": 3,
    "steps": 9,
    "current": {"index": 2, "id": "dash", "action": "say", "text": "Let us start with the dashboard. " * 5, "note": NOTE, "due": 3.0},
    "next": {"index": 3, "id": None, "action": "cue", "text": "Switch the screen to the dashboard", "note": None, "due": 9.0},
    "elapsed": 12.4,
    "estimated_total": 45.0,
    "remaining": 32.6,
    "countdown": 5.2,
    "countdown_to": "at",
    "conversation_id": "c1",
    "paused_for": 0.0,
}


@pytest.mark.parametrize("width", [80, 60, 120])
def test_every_line_fits_and_the_note_is_shown_in_full(width: int) -> None:
    lines = render_status(STATUS, width, style=Style(False))
    assert all(cells(line) < width for line in lines)
    head = "\n".join(lines[:2]).replace("\n", "   ")
    assert head.startswith("▶ playing   step 3/9   at: in 0:05   0:12 of ~0:45, 0:33 left")
    assert (lines[1] if width >= 80 else lines[2]).startswith("now   [dash] say: Let us start")
    assert any(line.startswith("next  cue: Switch the screen") for line in lines)
    first = next(i for i, line in enumerate(lines) if line.startswith("✎"))
    note = " ".join(line.strip() for line in lines[first:-1])
    assert note == f"✎ {NOTE}"  # every word, wrapped on its own lines
    assert lines[-1] == HELP_LINE or lines[-1].endswith("…")


def test_paused_and_cue_states_and_a_short_terminal() -> None:
    paused = render_status({**STATUS, "state": "paused", "paused_for": 2.0}, 80, style=Style(False))
    assert paused[0].startswith("‖ PAUSED") and "paused 0:02" in paused[0]
    cue = render_status({**STATUS, "state": "waiting_cue", "countdown": None, "countdown_to": "cue"}, 80, style=Style(False))
    assert "press ] or Enter" in cue[0]
    short = render_status(STATUS, 80, style=Style(False), height=6)
    assert len(short) <= 5 and any(line.startswith("✎") for line in short) and short[-1] == HELP_LINE


def test_no_color_means_no_escape_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    colored = "".join(render_status({**STATUS, "state": "paused"}, 80, style=Style(True)))
    assert "\x1b[" in colored
    monkeypatch.setenv("NO_COLOR", "1")
    console = Console(io.StringIO(), live=True)
    assert not console.style.color
    assert "\x1b[" not in "".join(render_status({**STATUS, "state": "paused"}, 80, style=console.style))


def test_wide_characters_take_two_cells() -> None:
    lines = render_status({**STATUS, "current": {**STATUS["current"], "text": "日本語のテキスト" * 10}}, 80, style=Style(False))
    assert cells("日本") == 4
    assert all(cells(line) < 80 for line in lines)


def test_completion_of_step_ids() -> None:
    assert complete("in", ["intro", "intro2", "outro"]) == ("intro", ["intro", "intro2"])
    assert complete("o", ["intro", "outro"]) == ("outro", ["outro"])
    assert complete("x", ["intro"]) == ("x", [])


def test_enter_only_releases_a_waiting_cue_and_escape_sequences_are_ignored() -> None:
    calls: list[str] = []

    class Spy(Controller):
        def next(self) -> None:
            calls.append("next")

        def toggle_pause(self) -> None:
            calls.append("pause")

    spy = Spy()
    keys = KeyBindings(spy, Console(io.StringIO(), live=False))
    keys.feed("\r")  # not waiting on a cue: nothing
    keys.feed("\x1b[A")  # an arrow key: nothing (its `A` is not a key of ours either)
    keys.feed(" ")
    spy.holding, spy._sched = "cue", object()  # type: ignore[assignment]
    keys.feed("\r")
    assert calls == ["pause", "next"]


def test_flush_discards_type_ahead() -> None:
    master, slave = pty.openpty()
    got: list[str] = []

    async def main() -> None:
        reader = KeyInput(slave, got.append)
        reader.start()
        try:
            os.write(master, b"]]]")
            assert select.select([slave], [], [], 2)[0]  # typed, not read yet (the loop is not running)
            # One loop pass: the reader is found readable, but the flush (a cue starting) runs
            # first, as it can in a real run; the read that follows must not block the loop.
            await asyncio.sleep(0)
            reader.flush()
            await asyncio.sleep(0.2)
            assert got == []
            os.write(master, b"s")
            await asyncio.sleep(0.2)
            assert got == ["s"]
        finally:
            reader.stop()

    try:
        before = termios.tcgetattr(slave)
        asyncio.run(main())
        assert termios.tcgetattr(slave) == before and os.get_blocking(slave)
    finally:
        os.close(master)
        os.close(slave)


def test_a_crash_mid_run_restores_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_scenario(tmp_path, "steps:\n  - pause: 0.2s\n  - say: boom\n")
    plan = check_file(path).plan
    assert plan is not None
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    seen: list[int] = []

    class Buggy(Console):
        def step_started(self, record: Any, planned: Any, upcoming: Any) -> None:
            seen.append(termios.tcgetattr(slave)[3])
            if planned.step.action == "say":
                raise RuntimeError("a bug in the console")

    stdin = open(os.ttyname(slave), "rb", buffering=0)  # noqa: SIM115 - closed below
    monkeypatch.setattr("sys.stdin", stdin)
    try:
        with pytest.raises(RuntimeError, match="a bug in the console"):
            run_playback(plan, local=True, interactive=True, console=Buggy(io.StringIO(), live=True))
        assert seen and not seen[0] & termios.ECHO  # it was in cbreak mode while playing
        assert termios.tcgetattr(slave) == before
    finally:
        stdin.close()
        os.close(master)
        os.close(slave)
