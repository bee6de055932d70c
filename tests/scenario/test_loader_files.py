"""What a scenario may read: regular files only (a named pipe would block `validate` forever), and
only inside the scenario's folder tree, for `include` and `play` alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loader_support import diagnose, finishes, make_wav, only, run_cli, where, write
from player.scenario._yaml import SourceError, read_source

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def test_read_source_refuses_a_named_pipe_without_blocking(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "p.scenario.yaml")
    with pytest.raises(SourceError, match="is a named pipe, not a regular file") as caught:
        finishes(lambda: read_source(pipe), pipe)
    assert caught.value.hint


def test_validate_a_scenario_that_is_a_named_pipe(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "p.scenario.yaml")
    result = finishes(lambda: run_cli(["validate", str(pipe)]), pipe)
    assert result.code == 1
    assert f"{pipe}:1:1: error: cannot read {pipe}: is a named pipe, not a regular file\n" in result.out
    assert "1 file checked: 1 error" in result.out
    for command in ("plan", "play"):
        other = finishes(lambda command=command: run_cli([command, str(pipe)]), pipe)
        assert other.code == 1 and "is a named pipe, not a regular file" in other.err, command


def test_validate_a_folder_holding_a_named_pipe(tmp_path: Path) -> None:
    write(tmp_path, "good.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n")
    pipe = fifo(tmp_path / "p.scenario.yaml")
    result = finishes(lambda: run_cli(["validate", str(tmp_path)]), pipe)
    assert result.code == 1
    assert "is a named pipe" in result.out and f"ok: {tmp_path / 'good.scenario.yaml'}" in result.out


def test_include_of_a_named_pipe(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "part.scenario.yaml")
    found = finishes(lambda: diagnose(tmp_path, "version: 1\nsteps:\n  - include: part.scenario.yaml\n"), pipe)
    d = only(found)
    assert where([d]) == [(3, 14, "cannot include part.scenario.yaml: is a named pipe, not a regular file")]
    assert d.hint


def test_play_of_a_named_pipe(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "audio" / "live.wav")
    found = finishes(lambda: diagnose(tmp_path, "version: 1\nsteps:\n  - play: audio/live.wav\n"), pipe)
    d = only(found)
    assert where([d]) == [(3, 5, "audio/live.wav: is a named pipe, not a regular file")]
    assert d.hint


def test_play_of_a_named_pipe_through_the_cli(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "live.wav")
    path = write(tmp_path, "s.scenario.yaml", "version: 1\nsteps:\n  - play: live.wav\n")
    for command in ("validate", "plan", "play"):
        result = finishes(lambda command=command: run_cli([command, str(path)]), pipe)
        assert result.code == 1, (command, result.out + result.err)
        assert "live.wav: is a named pipe" in result.out + result.err


@pytest.mark.parametrize(
    ("written", "shown"),
    [("/etc/hostname", "/etc/hostname"), ("../outside.wav", "../outside.wav"), ("audio/../../outside.wav", "audio/../../outside.wav")],
)
def test_play_outside_the_scenario_folder_is_refused_unopened(tmp_path: Path, written: str, shown: str) -> None:
    make_wav(tmp_path / "outside.wav")
    folder = tmp_path / "project"
    d = only(diagnose(folder, f"version: 1\nsteps:\n  - play: {written}\n"))
    assert where([d]) == [(3, 11, f"play '{shown}' is outside the scenario's folder")]
    assert d.hint == f"audio files must be under {folder}/"
    assert d.code == "audio"


def test_play_outside_through_a_variable_and_a_symlink(tmp_path: Path) -> None:
    make_wav(tmp_path / "outside.wav")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "link.wav").symlink_to(tmp_path / "outside.wav")
    text = "version: 1\nvars: {clip: a.wav}\nsteps:\n  - play: ${clip}\n  - play: link.wav\n"
    found = diagnose(folder, text, clip="/etc/passwd")
    assert [d.message for d in found] == [
        "play '/etc/passwd' is outside the scenario's folder",
        "play 'link.wav' is outside the scenario's folder",
    ]


def test_play_outside_is_never_probed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import player.audio

    opened: list[Path] = []
    monkeypatch.setattr(player.audio, "probe", lambda path: opened.append(path) or player.audio.AudioInfo(1.0, 24000, 1, "wav"))
    make_wav(tmp_path / "outside.wav")
    make_wav(tmp_path / "project" / "inside.wav")
    diagnose(tmp_path / "project", "version: 1\nsteps:\n  - play: ../outside.wav\n  - play: inside.wav\n")
    assert opened == [tmp_path / "project" / "inside.wav"]


def test_play_in_a_subfolder_and_from_an_included_file_is_fine(tmp_path: Path) -> None:
    make_wav(tmp_path / "audio" / "a.wav")
    write(tmp_path, "parts/p.scenario.yaml", "version: 1\nsteps:\n  - play: ../audio/a.wav\n")
    assert diagnose(tmp_path, "version: 1\nsteps:\n  - play: audio/a.wav\n  - include: parts/p.scenario.yaml\n") == []
