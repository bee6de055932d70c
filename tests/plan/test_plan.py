"""The planner's estimates and timing rules, on hand-built models."""

from __future__ import annotations

import math

import pytest

from model_support import pos, scenario_of
from player import protocol
from player.plan._build import build_plan, speech_seconds
from player.protocol import audio_message_bytes
from player.scenario._model import At, Cue, Interrupt, Pause, Play, Say, Send, WaitFor


def test_text_length_follows_words_per_minute() -> None:
    plan = build_plan(scenario_of(Say(pos=pos(), texts=("one two three four five",), words_per_minute=150)))
    assert plan.steps[0].duration == pytest.approx(2.0)
    assert plan.total == pytest.approx(2.0)


def test_sequence_accumulates_holds_and_gaps() -> None:
    plan = build_plan(
        scenario_of(
            Say(pos=pos(), texts=("a b c d e",), gap=0.5),  # 2 s of speech, then a 0.5 s gap
            Pause(pos=pos(), seconds=1.5),
            Say(pos=pos(), texts=("x",), wait="none"),
            Cue(pos=pos(), text="go", auto=2.0),
        )
    )
    starts = [p.start for p in plan.steps]
    assert starts == pytest.approx([0.0, 2.5, 4.0, 4.0])
    assert plan.total == pytest.approx(6.0)


def test_absolute_and_relative_at() -> None:
    plan = build_plan(
        scenario_of(
            Say(pos=pos(), texts=("hello",), id="intro"),
            Pause(pos=pos(), seconds=1, at=At(pos(), 10.0)),
            Say(pos=pos(), texts=("later",), at=At(pos(), 2.0, ref="intro")),
        )
    )
    assert plan.steps[1].start == pytest.approx(10.0)
    # intro starts at 0, but the sequence only reaches the third step at 11 s: a warning
    assert plan.steps[2].start == pytest.approx(11.0)
    assert plan.steps[2].lateness_risk
    assert [w.severity for w in plan.warnings] == ["warning"]


def test_forward_at_reference_is_reported() -> None:
    plan = build_plan(
        scenario_of(
            Pause(pos=pos(), seconds=1, at=At(pos(3, 9), 1.0, ref="later")),
            Say(pos=pos(), texts=("x",), id="later"),
        )
    )
    assert plan.warnings and plan.warnings[0].pos.line == 3


def test_audio_traffic_counts_chunks_and_bytes(tmp_path) -> None:
    step = Play(pos=pos(), path=tmp_path / "x.wav", source="x.wav", sample_rate=24000, chunk=0.05, wait="sent", lead=1.0)
    plan = build_plan(scenario_of(step), clip_seconds=lambda _s: 1.01)  # 24240 samples: 20 full chunks + 240
    p = plan.steps[0]
    assert p.messages == 21
    # every chunk says `done: false` but the last, which says `true` (a byte shorter)
    assert p.bytes == 20 * audio_message_bytes(1200, 24000) + audio_message_bytes(240, 24000, done=True)
    assert p.hold == 0.0  # every chunk may leave within `lead`: `sent` is immediate
    longer = build_plan(scenario_of(step), clip_seconds=lambda _s: 3.01).steps[0]
    assert longer.hold == pytest.approx(60 * 0.05 - 1.0)  # chunk 60 leaves 1 s before it plays
    # the reference's numbers: 50 ms at 24 kHz is 3200 base64 characters, about 3.4 KB of JSON
    assert 3300 < audio_message_bytes(1200, 24000) < 3500


def test_microphone_play_sends_no_messages(tmp_path) -> None:
    step = Play(pos=pos(), path=tmp_path / "x.wav", source="x.wav")
    plan = build_plan(scenario_of(step, input="microphone"), clip_seconds=lambda _s: 2.0)
    assert plan.steps[0].messages == 0 and plan.steps[0].bytes == 2.0 * 24000 * 2


def test_wait_for_stopped_speaking_expects_the_rest_of_the_speech() -> None:
    plan = build_plan(
        scenario_of(
            Say(pos=pos(), texts=("a b c d e f g h i j",), wait="none"),  # 4 s
            Pause(pos=pos(), seconds=1),
            WaitFor(pos=pos(), event=protocol.STOPPED_SPEAKING, timeout=10),
            Interrupt(pos=pos()),
            Send(pos=pos(), message={"event_type": "conversation.echo", "properties": {}}),
        )
    )
    assert plan.steps[2].duration == pytest.approx(3.0)
    assert plan.steps[3].messages == 1 and plan.steps[4].messages == 1
    assert plan.total == pytest.approx(4.0)


def test_speech_seconds_edge_cases() -> None:
    assert speech_seconds("", 150) == 0
    assert speech_seconds("word", 60) == pytest.approx(1.0)
    assert math.isclose(speech_seconds("a  b\n c", 180), 1.0)
