"""Whole runs on the local replica, for what the 2026 protocol changes in the player: the run
log keeps every field, nonstandard messages are noted not fatal, waits on what the replica
says and on its silence, microphone interrupts, conversation options and test mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from play_support import play, write_scenario, write_tone
from player import protocol
from player.plan._validate import validate_file
from timing_support import assert_on_time


def test_the_run_log_records_every_field_of_each_event(tmp_path: Path) -> None:
    run = play(write_scenario(tmp_path, "steps:\n  - say: one two three\n"), tmp_path)
    assert run.error is None, run.error
    events = run.records("event")
    utterance = next(e for e in events if e["event_type"] == protocol.UTTERANCE)
    assert {"seq", "turn_idx", "timestamp", "inference_id", "conversation_id", "role", "speech"} <= set(utterance)
    assert utterance["speech"] == "one two three" and utterance["role"] == "replica"
    streaming = [e for e in events if e["event_type"] == protocol.UTTERANCE_STREAMING]
    assert [e["content_index"] for e in streaming] == list(range(len(streaming))) and streaming[-1]["final"] is True
    stopped = next(e for e in events if e["event_type"] == protocol.STOPPED_SPEAKING)
    assert stopped["interrupted"] is False and stopped["duration"] == pytest.approx(0.3, abs=0.01)
    joined = next(e for e in events if e["event_type"] == "replica.joined")
    assert joined["participant"]["userName"].startswith("Test Presenter [echo-player ")  # the persona's tagged name
    seqs = [e["seq"] for e in events if "seq" in e]
    assert seqs == sorted(seqs)


def test_a_docs_style_string_done_is_played_and_noted_in_the_log(tmp_path: Path) -> None:
    body = """\
        steps:
          - send:
              event_type: conversation.echo
              properties: {modality: text, text: as the docs show it, inference_id: raw-1, done: "true"}
        """
    run = play(write_scenario(tmp_path, body), tmp_path)
    assert run.error is None, run.error
    (note,) = run.records("nonstandard")
    assert (note["field"], note["value"], note["event_type"]) == ("done", "true", protocol.ECHO)
    assert run.outcome is not None and run.outcome.nonstandard == 1
    assert any(e["event_type"] == protocol.STOPPED_SPEAKING for e in run.records("event"))


def _step(run: object, index: int) -> dict[str, float]:
    return next(r for r in run.records("step") if r["index"] == index)  # type: ignore[attr-defined]


@pytest.mark.parametrize("key, value", [("text", "FIVE   six"), ("match", r"\bf\w+ six\b")])
def test_wait_for_replica_said_moves_on_when_the_words_are_spoken(tmp_path: Path, key: str, value: str) -> None:
    body = f"""\
        steps:
          - say: one two three four five six seven eight
            wait: none
          - wait_for: replica.said
            {key}: '{value}'
            timeout: 5s
          - say: next
        """
    run = play(write_scenario(tmp_path, body), tmp_path)
    assert run.error is None, run.error
    # 600 wpm: "six", the sixth word, streams 0.5 s after the first (plus 50 ms of TTS latency)
    assert_on_time(_step(run, 2)["due"] - _step(run, 0)["actual"], 0.55, early=0.05, late=0.25, what="wait")  # all eight words: 0.85
    planned = run.plan.steps[1]
    assert planned.hold == pytest.approx(0.5)  # the plan estimates the same


def test_wait_for_utterance_with_text_matches_the_whole_line_as_it_starts(tmp_path: Path) -> None:
    body = """\
        steps:
          - say: one two three four five six seven eight
            wait: none
          - wait_for: utterance
            text: eight
            timeout: 5s
          - say: next
            overlap: cut
        """
    run = play(write_scenario(tmp_path, body), tmp_path)
    assert run.error is None, run.error
    assert_on_time(_step(run, 2)["due"] - _step(run, 0)["actual"], 0.05, early=0.07, what="wait")


def test_wait_for_replica_silent_waits_for_that_much_silence(tmp_path: Path) -> None:
    body = """\
        steps:
          - say: one two three
            wait: none
          - wait_for: replica.silent
            for: 0.5s
            timeout: 5s
          - say: next
        """
    run = play(write_scenario(tmp_path, body), tmp_path)
    assert run.error is None, run.error
    # 50 ms TTS latency + 0.3 s of speech + 0.5 s of silence
    assert_on_time(_step(run, 2)["due"] - _step(run, 0)["actual"], 0.85, early=0.05, what="wait")
    assert run.plan.steps[1].hold == pytest.approx(0.8)


def test_a_silence_wait_times_out_while_the_replica_keeps_talking(tmp_path: Path) -> None:
    body = """\
        steps:
          - say: one two three four five six seven eight nine ten eleven twelve
            wait: none
          - wait_for: replica.silent
            for: 0.2s
            timeout: 0.4s
            on_timeout: continue
        """
    run = play(write_scenario(tmp_path, body), tmp_path)
    assert run.error is None, run.error
    assert any("timed out" in n["text"] for n in run.records("notice"))


MIC_HEADER = """\
version: 1
conversation:
  persona: {name: Mic Presenter, replica_id: r90bbd427f71}
  input: microphone
  join_timeout: 10s
"""


def test_an_interrupt_in_a_microphone_scenario_is_warned_and_honoured(tmp_path: Path) -> None:
    write_tone(tmp_path / "long.wav", 3.0)
    body = """\
        steps:
          - play: long.wav
            wait: none
          - pause: 0.6s
          - interrupt
          - pause: 0.5s
        """
    path = write_scenario(tmp_path, body, header=MIC_HEADER)
    _, diagnostics = validate_file(path)
    (warning,) = [d for d in diagnostics if d.code == "microphone"]
    assert warning.severity == "warning" and warning.pos.line == 10 and "embedded in the audio stream" in warning.message
    run = play(path, tmp_path)
    assert run.error is None, run.error
    kinds = [(e["event_type"], e.get("interrupted")) for e in run.records("event")]
    assert (protocol.STOPPED_SPEAKING, True) in kinds
    stop_at = kinds.index((protocol.STOPPED_SPEAKING, True))
    assert protocol.REPLICA_INTERRUPTED in [k for k, _ in kinds[stop_at:]]
    # the bytes count what was sent: about 0.6 s of the 3 s clip, not nothing and not all of it
    assert run.outcome is not None
    assert 0.3 * 48000 < run.outcome.bytes < 1.5 * 48000


def test_microphone_settings_choose_the_persona_field_and_the_track(tmp_path: Path) -> None:
    write_tone(tmp_path / "clip.wav", 0.4)
    header = MIC_HEADER + "  microphone: {persona_field: enabled, track: stream}\n"
    path = write_scenario(tmp_path, "steps:\n  - play: clip.wav\n", header=header)
    run = play(path, tmp_path)
    assert run.error is None, run.error
    assert run.room is not None and run.room.persona["layers"]["transport"]["input_settings"]["microphone"] == "enabled"
    assert run.room.microphone_seconds == pytest.approx(0.4, abs=0.05)  # heard from the `stream` track
    assert [u.modality for u in run.room.utterances] == ["microphone"]


def test_conversation_options_reach_tavus_and_a_private_room_is_joined_with_its_token(tmp_path: Path) -> None:
    header = (
        "version: 1\nconversation:\n  persona: {name: Test Presenter, replica_id: r90bbd427f71}\n"
        "  callback_url: https://example.com/hook\n  require_auth: true\n  audio_only: true\n  max_participants: 3\n"
        "defaults:\n  words_per_minute: 600\n"
    )
    run = play(write_scenario(tmp_path, "steps:\n  - say: hello\n", header=header), tmp_path, conversation={"max_participants": 4})
    assert run.error is None, run.error
    (conv,) = run.server_conversations.values()
    assert conv["callback_url"] == "https://example.com/hook" and conv["audio_only"] is True
    assert conv["max_participants"] == 4  # the command line wins
    assert conv["meeting_token"] and run.room is not None and run.room.meeting_token == conv["meeting_token"]
    assert [u.text for u in run.room.utterances] == ["hello"]  # joined (with the token) and played


def test_test_mode_creates_the_conversation_ended_and_plays_nothing(tmp_path: Path) -> None:
    run = play(write_scenario(tmp_path, "steps:\n  - say: never said\n"), tmp_path, conversation={"test_mode": True})
    assert run.error is None, run.error
    assert run.outcome is not None and run.outcome.test_mode and run.outcome.records == []
    (conv,) = run.server_conversations.values()
    assert conv["test_mode"] is True and conv["status"] == "ended"
    assert run.server_personas == {} and run.outcome.persona_deleted
    assert run.log[-1]["outcome"] == "test_mode"
