"""Every way a clip can be refused: one-line AudioError naming the file and the problem, with a
`.hint`, never a traceback from deeper down."""

from __future__ import annotations

import os
import struct
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import pytest

import player.audio
import player.audio._prepare
from player.audio._prepare import AudioInfo, clip_duration, prepare, prepare_clip, probe
from player.errors import AudioError

Action = Callable[[Path], object]
BOTH: list[Action] = [probe, lambda p: prepare(p, sample_rate=24000)]
IDS = ["probe", "prepare"]


def write_wav(path: Path, frames: bytes, rate: int = 24000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def refused(action: Callable[[], object], *words: str) -> AudioError:
    """Run it, expect an AudioError: one line, every word in it, a non-empty hint."""
    with pytest.raises(AudioError) as caught:
        action()
    error = caught.value
    message = str(error)
    assert "\n" not in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    hint = getattr(error, "hint", None)
    assert isinstance(hint, str) and hint
    assert error.exit_code == 1
    return error


@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize("name", ["gone.wav", "gone.mp3"])
def test_missing_file(tmp_path: Path, act: Action, name: str) -> None:
    refused(lambda: act(tmp_path / name), str(tmp_path / name), "not found")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
def test_directory(tmp_path: Path, act: Action) -> None:
    folder = tmp_path / "clips.wav"
    folder.mkdir()
    refused(lambda: act(folder), str(folder), "is a directory")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "locked.wav", b"\0\0" * 10)
    path.chmod(0)
    refused(lambda: probe(path), str(path), "permission denied")


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real test above cannot run as root; this one fakes the OS refusing the open.
    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(player.audio._prepare, "open", deny, raising=False)
    path = write_wav(tmp_path / "locked.wav", b"\0\0" * 10)
    refused(lambda: probe(path), str(path), "permission denied")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize("name", ["empty.wav", "empty.mp3"])
def test_empty_file(tmp_path: Path, act: Action, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    refused(lambda: act(path), str(path), "empty (0 bytes)")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
def test_wav_with_zero_samples(tmp_path: Path, act: Action) -> None:
    path = write_wav(tmp_path / "silent.wav", b"")
    refused(lambda: act(path), str(path), "no samples")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("noise.wav", ["not a valid WAV file", "no RIFF/WAVE header"]),  # our parser says why
        ("noise.mp3", ["cannot decode audio", "Invalid data"]),  # ffmpeg says why
    ],
)
def test_corrupt_file(tmp_path: Path, act: Action, name: str, words: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 8)
    refused(lambda: act(path), str(path), *words)


@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize("keep", [8, 20, 30])
def test_truncated_wav_header(tmp_path: Path, act: Action, keep: int) -> None:
    whole = write_wav(tmp_path / "whole.wav", b"\1\0" * 100).read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[:keep])
    refused(lambda: act(path), str(path), "not a valid WAV file", "truncated")


def test_wav_with_impossible_format(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 1, 0, 24000, 0, 0, 16)  # zero channels
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 2) + b"\0\0"
    path = tmp_path / "zero.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    refused(lambda: probe(path), str(path), "invalid fmt chunk")


def test_file_without_an_audio_stream(tmp_path: Path) -> None:
    path = tmp_path / "video.mp4"
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [exe, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=d=0.2:s=32x32", "-c:v", "mpeg4"]
    subprocess.run([*cmd, str(path)], check=True, capture_output=True)
    refused(lambda: probe(path), str(path), "no audio stream")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize(("name", "kind"), [("clip.mp3", "MP3"), ("clip.ogg", "OGG"), ("clip", "this")])
def test_ffmpeg_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, act: Action, name: str, kind: str) -> None:
    monkeypatch.setattr(player.audio._prepare, "find_ffmpeg", lambda: None)
    path = tmp_path / name
    path.write_bytes(b"ID3" + bytes(100))
    error = refused(lambda: act(path), str(path), kind, "needs ffmpeg")
    hint = getattr(error, "hint", "")
    assert "pip install 'echo-player[ffmpeg]'" in hint
    assert "package manager" in hint


def test_ffmpeg_missing_for_a_float_wav(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player.audio._prepare, "find_ffmpeg", lambda: None)
    fmt = struct.pack("<HHIIHH", 3, 1, 24000, 96000, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 4) + bytes(4)
    path = tmp_path / "float.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    refused(lambda: probe(path), str(path), "32-bit float", "needs ffmpeg")


def test_ffmpeg_that_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player.audio._prepare, "find_ffmpeg", lambda: str(tmp_path / "no-such-ffmpeg"))
    path = tmp_path / "clip.mp3"
    path.write_bytes(b"ID3" + bytes(100))
    refused(lambda: probe(path), str(path), "cannot run ffmpeg")


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (-1.0, None, ["from must not be negative"]),
        (0.5, 0.5, ["to (0.5s) must be after from (0.5s)"]),
        (None, 0.0, ["to (0s) must be after from (0s)"]),
        (2.0, None, ["from 2s is past the end of the clip (1s)"]),
        (float("nan"), None, ["from must be a finite number"]),
        (None, 0.00001, ["from 0s to 1e-05s selects no audio"]),
    ],
)
@pytest.mark.parametrize("suffix", ["wav", "flac"])
def test_bad_trims(tmp_path: Path, start: float | None, end: float | None, words: list[str], suffix: str) -> None:
    wav = write_wav(tmp_path / "one.wav", b"\1\0" * 24000)
    path = wav
    if suffix == "flac":
        path = tmp_path / "one.flac"
        exe = imageio_ffmpeg.get_ffmpeg_exe()
        subprocess.run([exe, "-loglevel", "error", "-i", str(wav), str(path)], check=True)
    refused(
        lambda: prepare_clip(path, sample_rate=24000, chunk_seconds=0.05, start=start, end=end),
        str(path),
        *words,
    )


def test_clip_duration_refuses_what_prepare_refuses() -> None:
    info = AudioInfo(duration=1.0, sample_rate=24000, channels=1, format="wav")
    refused(lambda: clip_duration(info, 1.0, None), "from 1s is past the end of the clip (1s)")
    refused(lambda: clip_duration(info, 0.8, 0.2), "to (0.2s) must be after from (0.8s)")


def test_gain_must_be_finite(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "one.wav", b"\1\0" * 240)
    refused(lambda: prepare(path, sample_rate=24000, gain_db=float("inf")), "gain_db", "finite")
