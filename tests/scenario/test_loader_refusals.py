"""Every refusal in the contract's "What validate refuses", with its message and line:col."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loader_support import diagnose, make_wav, only, where, write
from player.errors import ScenarioError
from player.plan import load_scenario
from player.scenario._yaml import MAX_ALIASES, MAX_FILE_BYTES


def errors(diagnostics):
    return [d for d in diagnostics if d.severity == "error"]


def test_unparseable_yaml(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: [unclosed\n"))
    assert d.code == "yaml" and d.message.startswith("invalid YAML:") and d.pos.line >= 3


def test_schema_violation_with_did_you_mean(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: hi\n    wiat: none\n"))
    assert (d.pos.line, d.pos.col, d.message, d.hint) == (4, 5, "unknown key 'wiat' in a step", "did you mean 'wait'?")


def test_duplicate_id(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: a\n    id: x\n  - say: b\n    id: x\n"))
    assert where([d]) == [(6, 9, "duplicate id 'x'")]
    assert d.hint == f"first used at {tmp_path / 's.scenario.yaml'}:4:9"


def test_malformed_id(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: a\n    id: 2+2\n"))
    assert where([d]) == [(4, 9, "invalid id '2+2'")]


def test_at_reference_to_unknown_step(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: a\n    id: intro\n  - pause: 1s\n    at: intr+2s\n"))
    assert where([d]) == [(6, 9, "`at` refers to unknown step 'intr'")]
    assert d.hint == "did you mean 'intro'?"


def test_at_reference_to_a_later_step(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: a\n    at: b\n  - say: b\n    id: b\n"))
    assert where([d]) == [(4, 9, "`at` refers to step 'b', which does not start before this one")]


def test_undefined_variable_points_at_the_token(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nvars: {product: Acme}\nsteps:\n  - say: Hi ${prodcut}!\n"))
    assert where([d]) == [(4, 13, "undefined variable ${prodcut}")]
    assert d.hint == "did you mean 'product'?"


def test_missing_audio(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: a\n  - play: audio/nope.wav\n"))
    assert where([d]) == [(4, 5, "audio/nope.wav: audio file not found")]
    assert d.code == "audio" and d.hint


def test_empty_audio(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: empty.wav\n"))
    assert where([d]) == [(3, 5, "empty.wav: audio file is empty (0 bytes)")]


def test_undecodable_audio(tmp_path: Path) -> None:
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: junk.wav\n"))
    assert (d.pos.line, d.pos.col) == (3, 5) and d.message.startswith("junk.wav: not a valid WAV file")


def test_unreadable_audio(tmp_path: Path) -> None:
    (tmp_path / "folder.wav").mkdir()
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: folder.wav\n"))
    assert where([d]) == [(3, 5, "folder.wav: is a directory, not an audio file")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_audio_without_permission(tmp_path: Path) -> None:
    clip = make_wav(tmp_path / "locked.wav")
    clip.chmod(0)
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: locked.wav\n"))
    assert "permission denied" in d.message


def test_trim_past_the_end_of_the_clip(tmp_path: Path) -> None:
    make_wav(tmp_path / "one.wav", seconds=1.0)
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: one.wav\n    from: 2s\n"))
    assert (d.pos.line, d.pos.col) == (3, 5) and "past the end of the clip" in d.message


def test_include_missing(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - include: parts/nope.scenario.yaml\n"))
    assert where([d]) == [(3, 14, "cannot include parts/nope.scenario.yaml: no such file")]


def test_include_cycle(tmp_path: Path) -> None:
    write(tmp_path, "b.scenario.yaml", "version: 1\nsteps:\n  - say: in b\n  - include: a.scenario.yaml\n")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - include: b.scenario.yaml\n", name="a.scenario.yaml"))
    assert d.pos.file.endswith("b.scenario.yaml") and (d.pos.line, d.pos.col) == (4, 14)
    assert d.message.startswith("include cycle: ") and d.message.endswith("a.scenario.yaml -> b.scenario.yaml -> a.scenario.yaml")


def test_include_outside_the_folder_tree(tmp_path: Path) -> None:
    write(tmp_path, "outside.scenario.yaml", "version: 1\nsteps:\n  - say: out\n")
    d = only(diagnose(tmp_path / "sub", "version: 1\nsteps:\n  - include: ../outside.scenario.yaml\n"))
    assert where([d]) == [(3, 14, "include '../outside.scenario.yaml' is outside the scenario's folder")]


def test_include_escaping_through_a_symlink(tmp_path: Path) -> None:
    write(tmp_path, "secret.scenario.yaml", "version: 1\nsteps:\n  - say: out\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.scenario.yaml").symlink_to(tmp_path / "secret.scenario.yaml")
    d = only(diagnose(tmp_path / "sub", "version: 1\nsteps:\n  - include: link.scenario.yaml\n"))
    assert d.message == "include 'link.scenario.yaml' is outside the scenario's folder"


def test_say_in_a_microphone_scenario(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nconversation:\n  input: microphone\nsteps:\n  - say: hi\n"))
    assert where([d]) == [(5, 5, "`say` cannot be used with `input: microphone`")]
    assert "TTS" in (d.hint or "")


def test_chunk_over_max_message_bytes(tmp_path: Path) -> None:
    make_wav(tmp_path / "a.wav")
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - play: a.wav\n    chunk: 100ms\n"))
    assert where([d]) == [(3, 5, "a 100ms chunk at 24000 Hz makes 6649-byte messages, over max_message_bytes 4096")]
    assert d.hint == "use chunk: 60ms or less, or raise max_message_bytes"


def test_chunk_within_a_raised_limit_is_fine(tmp_path: Path) -> None:
    make_wav(tmp_path / "a.wav")
    assert diagnose(tmp_path, "version: 1\nsteps:\n  - play: a.wav\n    chunk: 100ms\n    max_message_bytes: 6649\n") == []


def test_say_text_over_max_message_bytes(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\ndefaults: {max_message_bytes: 512}\nsteps:\n  - say: " + "word " * 100 + "\n"))
    assert (d.pos.line, d.pos.col) == (4, 5) and d.message.startswith("this text makes a ")
    assert "over max_message_bytes 512" in d.message


def test_length_over_max_call_duration(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nconversation:\n  properties: {max_call_duration: 60}\nsteps:\n  - pause: 61s\n"))
    assert where([d]) == [(3, 3, "estimated length 61.0s is over max_call_duration 60s")]


def test_length_near_max_call_duration_is_a_warning(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nconversation:\n  properties: {max_call_duration: 60}\nsteps:\n  - pause: 58s\n"))
    assert d.severity == "warning" and d.message == "estimated length 58.0s is close to max_call_duration 60s"


def test_default_max_call_duration_is_3600(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - pause: 2h\n"))
    assert where([d]) == [(1, 1, "estimated length 7200.0s is over max_call_duration 3600s")]


def test_unreachable_at_is_a_warning(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - pause: 10s\n  - say: late\n    at: 5s\n"))
    assert d.severity == "warning" and (d.pos.line, d.pos.col) == (5, 9)


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "s.scenario.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * MAX_FILE_BYTES)
    d = only(diagnose(tmp_path, path.read_text()))
    assert (d.pos.line, d.pos.col, d.code) == (1, 1, "file") and "larger than 1024 KiB" in d.message


def test_too_many_aliases(tmp_path: Path) -> None:
    text = "version: 1\nsteps:\n  - &s {pause: 1s}\n" + "  - *s\n" * (MAX_ALIASES + 1)
    d = only(diagnose(tmp_path, text))
    assert where([d]) == [(MAX_ALIASES + 4, 5, f"more than {MAX_ALIASES} YAML aliases")]


def test_load_scenario_raises_with_every_error(tmp_path: Path) -> None:
    path = write(tmp_path, "s.scenario.yaml", "version: 1\nsteps:\n  - say: ${a}\n  - say: ${b}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [d.message for d in info.value.diagnostics] == ["undefined variable ${a}", "undefined variable ${b}"]
    assert info.value.exit_code == 1
