"""Resolution into the model: vars, includes, repeat, defaults, step fields, conversation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from loader_support import diagnose, make_wav, only, where, write
from player.plan import load_scenario
from player.scenario._model import At, Cue, Interrupt, Pause, Play, Pos, Say, Send, WaitFor
from player.scenario._resolve import MAX_STEPS


def load(folder: Path, text: str, name: str = "s.scenario.yaml", **vars: str):
    return load_scenario(write(folder, name, text), vars=vars or None)


def test_vars_file_values_and_cli_override(tmp_path: Path) -> None:
    text = "version: 1\nvars: {who: World, n: 3, flag: true}\nsteps:\n  - say: Hi ${who} ${n} ${flag} $${who}\n"
    assert load(tmp_path, text).steps[0].text == "Hi World 3 true ${who}"
    scenario = load(tmp_path, text, who="CLI")
    assert scenario.steps[0].text == "Hi CLI 3 true ${who}"
    assert scenario.vars == {"who": "CLI", "n": "3", "flag": "true"}


def test_cli_var_defines_a_missing_variable(tmp_path: Path) -> None:
    assert load(tmp_path, "version: 1\nsteps:\n  - say: ${x}\n", x="given").steps[0].text == "given"


def test_include_scope_own_defaults_then_parent_then_include_vars(tmp_path: Path) -> None:
    write(
        tmp_path,
        "parts/p.scenario.yaml",
        """\
        version: 1
        vars: {a: own-a, b: own-b, c: own-c}
        steps:
          - say: ${a} ${b} ${c}
        """,
    )
    scenario = load(
        tmp_path,
        """\
        version: 1
        vars: {b: parent-b, c: parent-c}
        steps:
          - include: parts/p.scenario.yaml
            vars: {c: "passed ${b}"}
        """,
    )
    assert scenario.steps[0].text == "own-a parent-b passed parent-b"


def test_nested_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    make_wav(tmp_path / "parts" / "deep" / "clip.wav")
    write(tmp_path, "parts/deep/d.scenario.yaml", "version: 1\nsteps:\n  - play: clip.wav\n")
    write(tmp_path, "parts/p.scenario.yaml", "version: 1\nsteps:\n  - include: deep/d.scenario.yaml\n")
    scenario = load(tmp_path, "version: 1\nsteps:\n  - include: parts/p.scenario.yaml\n")
    play = scenario.steps[0]
    assert isinstance(play, Play)
    assert play.path == (tmp_path / "parts" / "deep" / "clip.wav").resolve() and play.source == "clip.wav"
    assert [p.name for p in scenario.files] == ["s.scenario.yaml", "p.scenario.yaml", "d.scenario.yaml"]
    assert len(play.via) == 2 and play.via[0].line == 3 and play.pos.file.endswith("d.scenario.yaml")


def test_included_defaults_apply_to_its_own_steps_only(tmp_path: Path) -> None:
    write(tmp_path, "p.scenario.yaml", "version: 1\ndefaults: {gap: 2s}\nsteps:\n  - pause: 1s\n")
    scenario = load(tmp_path, "version: 1\ndefaults: {gap: 0.5s, wait: sent}\nsteps:\n  - include: p.scenario.yaml\n  - say: x\n")
    assert [s.gap for s in scenario.steps] == [2.0, 0.5]
    assert scenario.steps[1].wait == "sent"
    assert scenario.defaults.gap == 0.5


def test_repeat_expands_and_suffixes_ids(tmp_path: Path) -> None:
    scenario = load(
        tmp_path,
        """\
        version: 1
        steps:
          - repeat: 3
            steps:
              - say: hi
                id: x
              - pause: 1s
                at: x+1s
        """,
    )
    assert [s.id for s in scenario.steps] == ["x", None, "x#2", None, "x#3", None]
    assert [s.at.ref for s in scenario.steps if s.at] == ["x", "x#2", "x#3"]
    assert [s.index for s in scenario.steps] == list(range(6))
    assert scenario.steps[2].via == (Pos(scenario.steps[0].pos.file, 3, 5),)


def test_nested_repeat_ids_stay_unique(tmp_path: Path) -> None:
    scenario = load(
        tmp_path,
        """\
        version: 1
        steps:
          - repeat: 2
            steps:
              - repeat: 2
                steps:
                  - say: hi
                    id: y
        """,
    )
    assert [s.id for s in scenario.steps] == ["y", "y#1#2", "y#2", "y#2#2"]


def test_step_fields_and_defaults(tmp_path: Path) -> None:
    make_wav(tmp_path / "a.wav", seconds=3)
    scenario = load(
        tmp_path,
        """\
        version: 1
        defaults: {chunk: 40ms, sample_rate: 16000, words_per_minute: 120, timeout: 5s}
        steps:
          - say: [Hello, 42]
            id: intro
            note: smile
            wait: none
          - play: a.wav
            from: 0.5s
            to: 2s
            gain_db: -6
            chunk: 20ms
            at: intro+1.5s
          - interrupt
          - interrupt: true
            at: 90
          - pause: 1m30s
          - wait_for: replica.stopped_speaking
            on_timeout: continue
          - cue: Next
            auto: 2s
          - send: {event_type: conversation.echo, properties: {text: "${who}"}}
        vars: {who: me}
        """,
    )
    say, play, bare, interrupt, pause, wait, cue, send = scenario.steps
    assert isinstance(say, Say) and say.texts == ("Hello", "42") and say.wait == "none"
    assert (say.id, say.note, say.words_per_minute) == ("intro", "smile", 120.0)
    assert isinstance(play, Play) and (play.start, play.end, play.gain_db) == (0.5, 2.0, -6.0)
    assert (play.chunk, play.sample_rate, play.wait) == (0.02, 16000, "speech")
    assert play.at == At(Pos(play.pos.file, 13, 9), 1.5, "intro")
    assert isinstance(bare, Interrupt) and bare.pos.line == 14 and isinstance(interrupt, Interrupt)
    assert interrupt.at is not None and (interrupt.at.offset, interrupt.at.ref) == (90.0, None)
    assert isinstance(pause, Pause) and pause.seconds == 90.0
    assert isinstance(wait, WaitFor) and wait.event == "conversation.replica.stopped_speaking"
    assert (wait.timeout, wait.on_timeout) == (5.0, "continue")
    assert isinstance(cue, Cue) and (cue.text, cue.auto) == ("Next", 2.0)
    assert isinstance(send, Send) and send.message == {"event_type": "conversation.echo", "properties": {"text": "me"}}
    assert scenario.name == "s"


def test_conversation_and_aliases(tmp_path: Path) -> None:
    scenario = load(
        tmp_path,
        """\
        version: 1
        name: Named
        conversation:
          pal_id: p1
          face_id: r1
          name: Run for ${who}
          join_timeout: 2m
          properties: {max_call_duration: 600, language: english}
          end: keep
        vars: {who: Dana}
        steps:
          - pause: 1s
        """,
    )
    conv = scenario.conversation
    assert (conv.persona_id, conv.replica_id, conv.name, conv.join_timeout, conv.end) == ("p1", "r1", "Run for Dana", 120.0, "keep")
    assert conv.properties == {"max_call_duration": 600, "language": "english"}
    assert scenario.name == "Named"


def test_persona_spec(tmp_path: Path) -> None:
    scenario = load(tmp_path, "version: 1\nconversation:\n  persona: {name: Host, face_id: r9, layers: {tts: {}}}\nsteps:\n  - pause: 1s\n")
    persona = scenario.conversation.persona
    assert persona is not None and (persona.name, persona.replica_id, persona.layers) == ("Host", "r9", {"tts": {}})


def test_unknown_event_has_did_you_mean(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - wait_for: replica.stoped_speaking\n"))
    assert where([d]) == [(3, 15, "unknown event 'replica.stoped_speaking'")]
    assert d.hint == "did you mean 'replica.stopped_speaking'?"


def test_to_must_come_after_from(tmp_path: Path) -> None:
    make_wav(tmp_path / "a.wav")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: a.wav\n    from: 2s\n    to: 1s\n"))
    assert where([d]) == [(5, 9, "`to` (1s) must be after `from` (2s)")]


def test_chunk_range(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\ndefaults: {chunk: 5ms}\nsteps:\n  - pause: 1s\n"))
    assert where([d]) == [(2, 19, "`chunk` must be between 10ms and 1s, not 5ms")]


def test_repeat_bomb_stops_at_the_step_limit(tmp_path: Path) -> None:
    text = "version: 1\nsteps:\n  - repeat: 1000\n    steps:\n      - repeat: 1000\n        steps:\n          - pause: 1s\n"
    start = time.perf_counter()
    d = only(diagnose(tmp_path, text))
    assert time.perf_counter() - start < 5
    assert d.message == f"more than {MAX_STEPS} steps after expanding repeat and include" and d.code == "limit"


def test_the_same_part_included_twice_with_ids(tmp_path: Path) -> None:
    write(tmp_path, "p.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n    id: hi\n")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - include: p.scenario.yaml\n  - include: p.scenario.yaml\n"))
    assert d.message == "duplicate id 'hi'" and d.hint == "the file holding it is included more than once"


def test_errors_in_an_included_file_point_into_it(tmp_path: Path) -> None:
    write(tmp_path, "p.scenario.yaml", "version: 1\nsteps:\n  - sya: hi\n")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - include: p.scenario.yaml\n"))
    assert d.pos.file.endswith("p.scenario.yaml") and where([d]) == [(3, 5, "unknown key 'sya' in a step")]


@pytest.mark.parametrize("name", ["welcome", "audio-clips", "interrupt", "rehearsal", "includes-and-vars"])
def test_examples_load(name: str) -> None:
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / f"{name}.scenario.yaml")
    assert scenario.steps
