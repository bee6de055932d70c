"""The keys of `play` on a real pseudo-terminal: scripted keys in, assertions on the run log and
on what the screen shows (an 80-column terminal), and on the terminal modes left behind."""

from __future__ import annotations

import termios
import time
from pathlib import Path

import pytest

import player
from play_support import write_scenario
from pty_support import PtyRun, read_log
from timing_support import assert_on_time

TIMED = """\
steps:
  - say: one two
    id: a
    wait: none
  - pause: 1s
    id: p
    note: Breathe. This note is long enough that it has to wrap on an eighty column terminal, and it is shown in full.
  - say: three
    id: b
    wait: none
  - pause: 0.5s
    id: p2
  - say: four
    id: c
    wait: none
    at: 2s
  - pause: 0.3s
    id: end
"""


def _steps(log: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in log if r["kind"] == "step"}


def _started(log_path: Path, step_id: str):  # noqa: ANN202 - a predicate
    return lambda: step_id in _steps(read_log(log_path))


def _cooked(run: PtyRun) -> bool:
    """Echo and line editing on, as the terminal was before (after the run: as it was left)."""
    lflag = (run.final_modes or run.modes())[3]
    return bool(lflag & termios.ECHO) and bool(lflag & termios.ICANON)


def test_a_2s_pause_shifts_every_later_due_time_by_2s(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, TIMED)
    plan = player.check_file(path).plan
    assert plan is not None
    planned = {p.step.id: p.start for p in plan.steps}
    log = tmp_path / "run.jsonl"
    run = PtyRun("play", str(path), "--log", str(log))
    try:
        run.wait_until(_started(log, "p"), what="step p")
        assert not _cooked(run)  # cbreak, no echo, while it plays
        time.sleep(0.3)
        run.send(" ")
        run.wait_until(lambda: any(r["kind"] == "pause" for r in read_log(log)), what="the pause record")
        time.sleep(2.0)
        run.send(" ")
        assert run.wait() == 0, run.screen
        records = read_log(log)
    finally:
        run.close()
    pause = next(r for r in records if r["kind"] == "pause")
    resume = next(r for r in records if r["kind"] == "resume")
    paused = resume["t"] - pause["t"]
    assert_on_time(paused, 2.0, early=0.25, what="paused")
    steps = _steps(records)
    for step_id in ("b", "p2", "c", "end"):  # `at: 2s` included
        assert steps[step_id]["due"] - planned[step_id] == pytest.approx(paused, abs=0.05), step_id
    assert steps["a"]["due"] == planned["a"] and steps["p"]["due"] == planned["p"]
    assert "PAUSED" in run.screen
    assert _cooked(run)  # the terminal is back as it was


def test_dot_runs_exactly_one_step_and_q_exits_130_with_the_summary(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, TIMED)
    log = tmp_path / "run.jsonl"
    run = PtyRun("play", str(path), "--log", str(log))
    try:
        run.wait_until(_started(log, "a"), what="step a")
        run.send(" ")  # paused during the 1 s pause step: b does not start
        run.wait_until(lambda: any(r["kind"] == "pause" for r in read_log(log)), what="the pause record")
        time.sleep(1.2)
        assert "b" not in _steps(read_log(log))
        run.send(".")  # exactly one step (b), then paused again before p2
        run.wait_until(_started(log, "b"), what="step b")
        time.sleep(1.5)
        records = read_log(log)
        assert [r["id"] for r in records if r["kind"] == "step"] == ["a", "p", "b"]
        assert [r["kind"] for r in records if r["kind"] in ("pause", "resume")] == ["pause", "resume", "pause"]
        run.send("ZXW")  # unbound keys: nothing happens, nothing appears
        time.sleep(0.3)
        run.send("q")
        assert run.wait() == 130, run.screen
        records = read_log(log)
    finally:
        run.close()
    end = records[-1]
    assert end["kind"] == "end" and end["outcome"] == "interrupted" and end["conversation_ended"] is True
    screen = "\n".join(run.lines())
    assert "interrupted by quit at step 3/6: [b] say three" in screen
    assert "played 3 steps" in screen and "ended, persona deleted" in screen
    assert "ZXW" not in run.screen and "Traceback" not in run.screen
    assert all(len(line) <= 80 for line in run.lines())
    assert _cooked(run)


CUE = """\
steps:
  - say: one
    id: a
    wait: none
  - pause: 1s
    id: p
  - cue: Switch the screen
    id: q
    auto: 0.1s
  - say: after the cue
    id: b
"""


def test_bracket_releases_a_cue_and_a_key_before_the_cue_does_not(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, CUE)
    log = tmp_path / "run.jsonl"
    run = PtyRun("play", str(path), "--log", str(log))
    try:
        run.wait_until(_started(log, "p"), what="step p")
        run.send("\r")  # Enter before the cue: it must not release it
        run.wait_until(_started(log, "q"), what="the cue")
        time.sleep(1.0)  # well past `auto`
        assert "b" not in _steps(read_log(log)), "the cue was released by a key typed before it"
        run.send("]")
        assert run.wait() == 0, run.screen
        records = read_log(log)
    finally:
        run.close()
    steps = _steps(records)
    assert steps["q"]["due"] == pytest.approx(1.0, abs=0.05)  # the early Enter did not cut the pause short
    assert steps["b"]["actual"] - steps["q"]["actual"] >= 0.9
    assert [r["op"] for r in records if r["kind"] == "control"] == ["next"]
    assert "CUE: Switch the screen" in run.screen
    assert _cooked(run)


def test_ctrl_c_prints_where_it_stopped_and_restores_the_terminal(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hi\n    id: hi\n    wait: none\n  - pause: 20s\n    id: long\n")
    log = tmp_path / "run.jsonl"
    run = PtyRun("play", str(path), "--log", str(log), cols=60)
    try:
        run.wait_until(_started(log, "long"), what="the long pause")
        run.send("\x03")
        assert run.wait() == 130, run.screen
        records = read_log(log)
    finally:
        run.close()
    assert any(r["kind"] == "signal" and r["signal"] == "SIGINT" for r in records)
    assert records[-1]["kind"] == "end" and records[-1]["outcome"] == "interrupted"
    screen = "\n".join(run.lines(60))
    assert "interrupted by SIGINT at step 2/2: [long] pause" in screen
    assert all(len(line) <= 60 for line in run.lines(60))
    assert _cooked(run)


def test_g_jumps_back_with_completion_and_s_skips(tmp_path: Path) -> None:
    body = "steps:\n  - say: first\n    id: intro\n    wait: none\n  - pause: 10s\n    id: hold\n  - say: last\n    id: outro\n    wait: none\n"
    path = write_scenario(tmp_path, body)
    log = tmp_path / "run.jsonl"
    run = PtyRun("play", str(path), "--log", str(log))
    try:
        run.wait_until(_started(log, "hold"), what="the hold")
        run.send("g")
        run.send("in\t")  # completes to `intro`
        run.wait_until(lambda: "jump to: intro" in run.screen, what="the completed prompt")
        run.send("\r")
        run.wait_until(lambda: [r["id"] for r in read_log(log) if r["kind"] == "step"].count("hold") == 2, what="the second hold")
        run.send("s")  # skip the rest of the 10 s hold
        assert run.wait(timeout=30) == 0, run.screen
        records = read_log(log)
    finally:
        run.close()
    assert [r["id"] for r in records if r["kind"] == "step"] == ["intro", "hold", "intro", "hold", "outro"]
    assert [(r["op"], r.get("to")) for r in records if r["kind"] == "control"] == [("jump", "intro"), ("skip", None)]
    assert _cooked(run)
