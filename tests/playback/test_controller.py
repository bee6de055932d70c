"""The control core through the Python API: a Controller driven from another task while
player.aplay plays on the local replica; assertions on the run log and the feed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import player
from play_support import write_scenario
from timing_support import assert_on_time

Driver = Callable[[player.Controller, "asyncio.Queue[dict[str, Any]]"], Awaitable[None]]


def _run(path: Path, tmp_path: Path, driver: Driver, *, manual_cues: bool = False, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    """aplay `path` while `driver` steers it; returns (outcome or the error, run log)."""
    log = tmp_path / "run.jsonl"

    async def main() -> Any:
        controller = player.Controller(manual_cues=manual_cues)
        feed = controller.subscribe()
        steering = asyncio.create_task(driver(controller, feed))
        try:
            return await player.aplay(path, local=True, log=log, controller=controller, **options)
        except player.EchoPlayerError as exc:
            return exc
        finally:
            steering.cancel()
            await asyncio.gather(steering, return_exceptions=True)

    result = asyncio.run(asyncio.wait_for(main(), 60))
    return result, [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


async def _until_step(feed: "asyncio.Queue[dict[str, Any]]", step_id: str) -> dict[str, Any]:
    while True:
        item = await feed.get()
        if item["kind"] == "step" and item["id"] == step_id:
            return item


def _steps(log: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"] or f"#{r['index'] + 1}": r for r in log if r["kind"] == "step"}


TIMED = """\
steps:
  - say: one two
    id: a
    wait: none
  - pause: 1s
    id: p
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


def test_a_pause_shifts_every_later_due_time_by_the_paused_time(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, TIMED)

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        await _until_step(feed, "p")
        await asyncio.sleep(0.2)
        c.pause()
        assert c.status()["state"] == "paused"
        with pytest.raises(player.ControlRefused, match="already paused"):
            c.pause()
        await asyncio.sleep(1.0)
        c.toggle_pause()

    outcome, log = _run(path, tmp_path, drive)
    assert isinstance(outcome, player.Outcome), outcome
    pause = next(r for r in log if r["kind"] == "pause")
    resume = next(r for r in log if r["kind"] == "resume")
    paused = resume["t"] - pause["t"]
    assert_on_time(paused, 1.0, early=0.05, what="paused")
    assert resume["paused_for"] == pytest.approx(paused, abs=0.001)
    steps = _steps(log)
    assert steps["a"]["due"] == 0.0 and steps["p"]["due"] == 0.0
    for step_id, planned in (("b", 1.0), ("p2", 1.0), ("c", 2.0), ("end", 2.0)):  # `at: 2s` included
        assert steps[step_id]["due"] == pytest.approx(planned + paused, abs=0.05), step_id
    assert log[-1]["kind"] == "end" and log[-1]["outcome"] == "played"


def test_step_runs_exactly_one_step_then_pauses(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, TIMED)
    seen: list[str] = []

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        c.pause()  # before the start: the run starts paused
        while c.status()["state"] != "paused" or c.status()["conversation_id"] is None:
            await asyncio.sleep(0.02)
        for _ in range(2):
            c.step()
            item = await feed.get()
            while item["kind"] != "step":
                item = await feed.get()
            seen.append(item["id"])
            while c.status()["state"] != "paused":
                await asyncio.sleep(0.02)
        await asyncio.sleep(1.3)  # paused: nothing more starts, the 1 s pause of `p` included
        seen.append(f"at step {c.status()['step']}")
        c.quit()

    outcome, log = _run(path, tmp_path, drive)
    assert isinstance(outcome, player.Interrupted) and outcome.signal_name == "quit"
    assert seen == ["a", "p", "at step 2"]
    assert [r["id"] for r in log if r["kind"] == "step"] == ["a", "p"]
    assert log[-1]["kind"] == "end" and log[-1]["outcome"] == "interrupted" and log[-1]["conversation_ended"] is True
    assert isinstance(outcome.outcome, player.Outcome) and outcome.outcome.conversation_ended


CUES = """\
steps:
  - say: one
    id: a
  - pause: 0.5s
    id: p
  - cue: Go on
    id: q
  - say: two
    id: b
"""


def test_next_releases_a_cue_and_an_early_next_does_not(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, CUES)

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        await _until_step(feed, "p")
        c.next()  # releases the rest of the pause, not the cue after it
        await _until_step(feed, "q")
        await asyncio.sleep(0.6)
        assert c.status()["state"] == "waiting_cue"
        c.next()

    outcome, log = _run(path, tmp_path, drive, manual_cues=True)
    assert isinstance(outcome, player.Outcome), outcome
    steps = _steps(log)
    assert steps["q"]["actual"] - steps["p"]["actual"] < 0.3  # the pause was cut short
    assert_on_time(steps["b"]["actual"] - steps["q"]["actual"], 0.6, early=0.2, what="cue wait")  # the cue waited
    assert [r["op"] for r in log if r["kind"] == "control"] == ["next", "next"]


def test_skip_interrupts_the_utterance_and_jump_goes_back(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: " + " ".join(["word"] * 40) + "\n    id: long\n  - say: short\n    id: s\n")
    jumped: list[bool] = []

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        await _until_step(feed, "long")
        await asyncio.sleep(0.5)
        c.skip()
        await _until_step(feed, "s")
        if not jumped:
            jumped.append(True)
            with pytest.raises(player.ControlRefused, match="no step with id 'nope'"):
                c.jump("nope")
            c.jump("long")
            await _until_step(feed, "long")
            c.skip()

    outcome, log = _run(path, tmp_path, drive)
    assert isinstance(outcome, player.Outcome), outcome
    assert [r["id"] for r in log if r["kind"] == "step"] == ["long", "s", "long", "s"]
    interrupts = [r for r in log if r["kind"] == "message" and r["event_type"] == "conversation.interrupt"]
    assert len(interrupts) >= 2
    assert outcome.length < 8  # 40 words at 600 wpm is 4 s, twice: both were cut short


def test_say_adhoc_and_refusals(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - pause: 1s\n    id: p\n  - say: done\n    id: d\n")
    refused: list[str] = []

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        for op in (c.next, c.skip, c.interrupt, c.resume):
            try:
                op()
            except player.ControlRefused as exc:
                refused.append(str(exc))
        await _until_step(feed, "p")
        c.say("an extra line")
        with pytest.raises(player.ControlRefused, match="needs some text"):
            c.say("  ")

    outcome, log = _run(path, tmp_path, drive)
    assert isinstance(outcome, player.Outcome), outcome
    assert refused[:3] == ["not playing yet: the conversation is still starting"] * 3 and refused[3] == "not paused"
    texts = [r for r in log if r["kind"] == "control" and r["op"] == "say"]
    assert texts and texts[0]["text"] == "an extra line"
    assert len([r for r in log if r["kind"] == "message"]) == 2


def test_say_is_refused_in_a_microphone_scenario(tmp_path: Path) -> None:
    header = "version: 1\nconversation:\n  persona: {name: T, replica_id: r90bbd427f71}\n  input: microphone\n"
    path = write_scenario(tmp_path, "steps:\n  - pause: 0.2s\n", header=header)
    plan = player.check_file(path).plan
    assert plan is not None
    c = player.Controller()
    c.bind(plan)
    with pytest.raises(player.ControlRefused, match="microphone"):
        c.say("hello")


def test_the_observer_gets_steps_messages_events_and_states(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hello there\n    id: h\n")
    kinds: list[str] = []

    class Watcher:
        def on_step(self, item: dict[str, Any]) -> None:
            kinds.append(f"step:{item['id']}:{item['text']}")

        def on_message(self, item: dict[str, Any]) -> None:
            kinds.append("message")

        def on_event(self, item: dict[str, Any]) -> None:
            kinds.append(item["event_type"])

    outcome = player.play(path, local=True, observer=Watcher())
    assert outcome.conversation_ended
    assert kinds[0] == "step:h:hello there" and "message" in kinds
    assert "conversation.replica.stopped_speaking" in kinds


def test_play_refuses_bad_input_with_clear_errors(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - pause: 0.1s\n    id: p\n")
    with pytest.raises(player.UsageError, match="no step with id 'zz'"):
        player.play(path, local=True, from_step="zz")
    bad = write_scenario(tmp_path, "steps: []\n", name="bad.scenario.yaml")
    with pytest.raises(player.ScenarioError):
        player.play(bad, local=True)


def test_speech_that_ends_while_paused_counts_as_ending_when_the_pause_began(tmp_path: Path) -> None:
    # 10 words at 600 wpm: about 1 s of speech; paused 0.2 s in, for about 1.5 s.
    path = write_scenario(
        tmp_path, "steps:\n  - say: " + " ".join(["word"] * 10) + "\n    id: s\n  - say: next\n    id: n\n    wait: none\n"
    )

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        await _until_step(feed, "s")
        await asyncio.sleep(0.2)
        c.pause()
        await asyncio.sleep(1.5)
        c.resume()

    outcome, log = _run(path, tmp_path, drive)
    assert isinstance(outcome, player.Outcome), outcome
    resume = next(r for r in log if r["kind"] == "resume")
    stopped = next(r for r in log if r["kind"] == "event" and r["event_type"] == "conversation.replica.stopped_speaking")
    pause = next(r for r in log if r["kind"] == "pause")
    assert pause["t"] < stopped["t"] < resume["t"]  # the speech ended during the pause
    # The clock stood still from the pause on, so the next step is due when it resumed.
    assert _steps(log)["n"]["due"] == pytest.approx(resume["t"], abs=0.05)


def test_a_jump_while_paused_continues_from_there_after_resume(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - pause: 0.3s\n    id: one\n  - pause: 0.3s\n    id: two\n  - pause: 0.3s\n    id: three\n")

    async def drive(c: player.Controller, feed: "asyncio.Queue[dict[str, Any]]") -> None:
        await _until_step(feed, "one")
        c.pause()
        c.jump("three")
        assert c.status()["next"]["id"] == "three"
        await asyncio.sleep(0.5)
        c.resume()

    outcome, log = _run(path, tmp_path, drive)
    assert isinstance(outcome, player.Outcome), outcome
    assert [r["id"] for r in log if r["kind"] == "step"] == ["one", "three"]
