"""Every step type played end to end on the local replica: what was sent, when, and what the
replica did. Timing tolerances are generous (noisy 2-core machines); precision is in bench/."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from play_support import play, write_scenario, write_tone
from player import protocol
from player.errors import ProtocolViolation, WaitTimeout
from timing_support import assert_on_time

TOL = 0.25  # seconds of slack for anything that crosses threads on a busy machine


def echo_messages(room) -> list[dict]:
    return [m for _, m in room.received if m.get("event_type") == protocol.ECHO]


def test_say_lines_and_a_streamed_utterance(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - say: one two
            id: first
          - say: ["three ", "four five"]
          - pause: 0.3s
        """,
    )
    run = play(path, tmp_path)
    assert run.error is None
    texts = echo_messages(run.room)
    assert [m["properties"]["text"] for m in texts] == ["one two", "three ", "four five"]
    assert [m["properties"]["done"] for m in texts] == [True, False, True]
    ids = [m["properties"]["inference_id"] for m in texts]
    assert ids[1] == ids[2] != ids[0]  # a list is one utterance; each say a new one
    assert all(m["conversation_id"] == run.outcome.conversation_id for m in texts)
    # wait: speech: step 2 is due when the replica's stopped_speaking for step 1 arrived
    steps = run.records("step")
    stopped = [e for e in run.records("event") if e["event_type"] == protocol.STOPPED_SPEAKING]
    assert stopped[0]["inference_id"] == ids[0]
    assert steps[1]["due"] == pytest.approx(stopped[0]["t"], abs=0.01)
    assert steps[2]["due"] == pytest.approx(stopped[1]["t"], abs=0.01)
    # the replica spoke each utterance for its length at 600 wpm
    assert [round(u.spoken_seconds, 1) for u in run.room.utterances] == [0.2, 0.3]
    assert run.outcome.conversation_ended and run.outcome.persona_deleted
    assert all(c["status"] == "ended" for c in run.server_conversations.values())
    assert run.server_personas == {}


def test_audio_is_paced_by_sample_count_within_lead(tmp_path: Path) -> None:
    write_tone(tmp_path / "clip.wav", 3.0)
    path = write_scenario(
        tmp_path,
        """\
        defaults: {chunk: 50ms, lead: 500ms}
        steps:
          - play: clip.wav
            id: clip
        """,
        header=__import__("play_support").HEADER.replace("defaults:\n  words_per_minute: 600\n", ""),
    )
    run = play(path, tmp_path)
    assert run.error is None
    audio = [(t, m) for t, m in run.room.received if m.get("event_type") == protocol.ECHO]
    assert len(audio) == 60
    assert [m["properties"]["done"] for _, m in audio] == [False] * 59 + [True]
    assert {m["properties"]["sample_rate"] for _, m in audio} == {24000}
    assert all(protocol.message_bytes(m) <= 4096 for _, m in audio)
    pcm = b"".join(base64.b64decode(m["properties"]["audio"]) for _, m in audio)
    assert len(pcm) == 3.0 * 24000 * 2
    # chunk k leaves no earlier than `lead` before its playback time and no later than it
    t_first = audio[0][0]
    for k, (t, _m) in enumerate(audio):
        playback = t_first + k * 0.05
        assert playback - 0.5 - 0.02 <= t <= playback + TOL, k
    assert run.outcome.underruns == 0
    utterance = run.room.utterances[0]
    assert utterance.spoken_seconds == pytest.approx(3.0, abs=0.01) and not utterance.interrupted
    step_records = run.records("step")
    assert step_records[0]["actual"] - step_records[0]["due"] < TOL


def test_interrupt_stops_the_audio_in_flight(tmp_path: Path) -> None:
    write_tone(tmp_path / "long.wav", 6.0)
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - play: long.wav
            wait: none
          - pause: 1s
          - interrupt
          - say: after
        """,
    )
    run = play(path, tmp_path)
    assert run.error is None
    received = [m for _, m in run.room.received]
    cut = next(i for i, m in enumerate(received) if m["event_type"] == protocol.INTERRUPT)
    clip_id = received[0]["properties"]["inference_id"]
    after = [m for m in received[cut:] if m.get("properties", {}).get("inference_id") == clip_id]
    assert after == []  # not one chunk of the clip after the interrupt
    assert 15 <= cut <= 45  # about lead + 1 s worth of 50 ms chunks went out before it
    clip = run.room.utterances[0]
    assert clip.interrupted
    assert_on_time(clip.spoken_seconds, 1.0, early=TOL, what="clip spoken before the interrupt")
    assert run.room.events(protocol.REPLICA_INTERRUPTED)
    assert run.room.utterances[1].text == "after"


def test_wait_for_cue_send_and_absolute_at(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - say: hello there
            wait: none
            id: hello
          - wait_for: replica.stopped_speaking
            timeout: 5s
          - cue: Switch slides
            auto: 0.3s
          - send:
              event_type: conversation.echo
              properties: {modality: text, text: raw line, inference_id: raw-1, done: true}
          - pause: 0.1s
            at: hello+2s
        """,
    )
    run = play(path, tmp_path)
    assert run.error is None, run.error
    steps = run.records("step")
    stopped = next(e for e in run.records("event") if e["event_type"] == protocol.STOPPED_SPEAKING)
    assert steps[2]["due"] == pytest.approx(stopped["t"], abs=0.01)  # wait_for moved the anchor
    assert steps[3]["due"] == pytest.approx(steps[2]["due"] + 0.3, abs=0.01)  # cue auto
    assert steps[4]["due"] == pytest.approx(2.0, abs=0.01)  # at: hello+2s
    raw = [m for _, m in run.room.received if m["properties"].get("inference_id") == "raw-1"]
    assert raw and raw[0]["conversation_id"] == run.outcome.conversation_id
    assert raw[0]["message_type"] == "conversation"


def test_wait_for_timeout_fails_the_run_and_still_ends_it(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - wait_for: conversation.utterance
            timeout: 0.3s
        """,
    )
    run = play(path, tmp_path)
    assert isinstance(run.error, WaitTimeout)
    assert "timed out" in str(run.error) and "t.scenario.yaml" in str(run.error)
    assert run.outcome.conversation_ended and run.server_personas == {}
    end = run.log[-1]
    assert end["kind"] == "end" and end["outcome"].startswith("failed") and end["conversation_ended"]


def test_wait_for_timeout_may_continue(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - wait_for: conversation.utterance
            timeout: 0.3s
            on_timeout: continue
          - say: go
        """,
    )
    run = play(path, tmp_path)
    assert run.error is None
    assert run.records("step")[1]["due"] == pytest.approx(0.3, abs=0.01)
    assert any("timed out" in n["text"] for n in run.records("notice"))


def test_protocol_violation_fails_the_run(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - send:
              event_type: conversation.echo
              properties: {modality: text, text: bad, inference_id: x, done: "yes"}
          - pause: 3s
        """,
    )
    run = play(path, tmp_path)
    assert isinstance(run.error, ProtocolViolation)
    assert "done" in str(run.error)
    assert run.outcome.conversation_ended
    assert run.records("step")[-1]["action"] == "pause"  # stopped during the pause, not after it
    assert run.log[-1]["kind"] == "end"


def test_start_from_an_id_skips_earlier_steps(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - say: skipped
          - pause: 5s
          - say: here
            id: here
        """,
    )
    run = play(path, tmp_path, start_index=2)
    assert run.error is None
    assert [m["properties"]["text"] for m in echo_messages(run.room)] == ["here"]


def test_microphone_input_streams_through_the_room_microphone(tmp_path: Path) -> None:
    write_tone(tmp_path / "mic.wav", 1.0)
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - play: mic.wav
        """,
        header="version: 1\nconversation:\n  persona: {name: Mic, replica_id: r90bbd427f71}\n  input: microphone\n",
    )
    run = play(path, tmp_path)
    assert run.error is None, run.error
    assert echo_messages(run.room) == []  # no app messages: audio went through the track
    mic = [u for u in run.room.utterances if u.modality == "microphone"]
    # the room times the voice as it hears it: a write late under load leaves a gap inside it
    assert mic
    assert_on_time(sum(u.spoken_seconds for u in mic), 1.0, early=TOL, what="microphone voice")
    assert run.room.microphone_seconds == pytest.approx(1.0)  # every sample, gap or not
    persona_layers = run.room.persona.get("layers", {})
    assert persona_layers["transport"]["input_settings"]["microphone"]["isEnabled"] is True


def test_run_log_records_every_message(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - say: hi
          - interrupt
        """,
    )
    run = play(path, tmp_path)
    kinds = [r["kind"] for r in run.log]
    assert kinds[0] == "start" and kinds[-1] == "end"
    messages = run.records("message")
    assert [m["event_type"] for m in messages] == [protocol.ECHO, protocol.INTERRUPT]
    assert messages[0]["done"] is True and messages[0]["bytes"] > 100
    assert {"t", "inference_id", "bytes", "done"} <= set(messages[0])
    step = run.records("step")[0]
    assert set(step) == {"kind", "index", "id", "action", "due", "actual"}
    assert run.log[-1]["outcome"] == "played"


def test_a_trailing_line_is_heard_before_the_conversation_ends(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - say: last words here
            wait: none
          - send:
              event_type: conversation.echo
              properties: {modality: text, text: and these too, inference_id: raw-2, done: true}
        """,
    )
    run = play(path, tmp_path)
    assert run.error is None
    spoken = [(u.text, u.interrupted) for u in run.room.utterances]
    # the raw echo interrupts the say (a new inference_id), and is itself heard to its end
    assert spoken[-1] == ("and these too", False)
    assert run.room.utterances[-1].spoken_seconds == pytest.approx(0.3, abs=0.05)


def test_microphone_wait_speech_follows_the_replica_without_falling_back(tmp_path: Path) -> None:
    write_tone(tmp_path / "mic.wav", 0.6)
    path = write_scenario(
        tmp_path,
        """\
        steps:
          - play: mic.wav
          - pause: 0.1s
        """,
        header="version: 1\nconversation:\n  persona: {name: Mic, replica_id: r90bbd427f71}\n  input: microphone\n",
    )
    run = play(path, tmp_path)
    assert run.error is None
    assert run.records("notice") == []  # no "continued after the estimate"
    stopped = [e for e in run.records("event") if e["event_type"] == protocol.STOPPED_SPEAKING]
    assert run.records("step")[1]["due"] == pytest.approx(stopped[0]["t"], abs=0.01)


def test_end_keep_leaves_the_conversation_running_after_success(tmp_path: Path) -> None:
    header = "version: 1\nconversation:\n  persona: {name: Keeper, replica_id: r90bbd427f71}\n  end: keep\n"
    path = write_scenario(tmp_path, "steps:\n  - pause: 0.1s\n", header=header)
    run = play(path, tmp_path)
    assert run.error is None and run.outcome.kept
    assert not run.outcome.conversation_ended
    assert list(run.server_conversations.values())[0]["status"] == "active"
    assert len(run.server_personas) == 1  # the conversation still needs its persona


def test_validate_warns_about_a_raw_message_echo_mode_does_not_take(tmp_path: Path) -> None:
    from player.plan._validate import validate_file

    path = write_scenario(
        tmp_path,
        """\
        steps:
          - send: {event_type: conversation.respond, properties: {text: hi}}
        """,
    )
    scenario, diagnostics = validate_file(path)
    assert scenario is not None  # a warning, not an error
    (warning,) = diagnostics
    assert warning.severity == "warning" and "conversation.respond" in warning.message
    assert (warning.pos.line, warning.pos.col) == (8, 5)
