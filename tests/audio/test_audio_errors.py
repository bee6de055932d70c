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


def wav_bytes(
    data: bytes,
    *,
    channels: int = 1,
    rate: int = 24000,
    bits: int = 16,
    block_align: int | None = None,
    data_size: int | None = None,
    riff_size: int | None = None,
) -> bytes:
    """A PCM WAV written by hand, so its header can say what no writer would."""
    align = block_align if block_align is not None else channels * bits // 8 or 1
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits)
    chunks = b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data) if data_size is None else data_size) + data
    size = 4 + len(chunks) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + b"WAVE" + chunks


@pytest.mark.parametrize("act", BOTH, ids=IDS)
def test_a_header_claiming_4_gb_in_a_4_8_kb_file(tmp_path: Path, act: Action) -> None:
    path = tmp_path / "liar.wav"
    path.write_bytes(wav_bytes(bytes(4800), data_size=0xFFFFFF00))
    refused(lambda: act(path), str(path), "not a valid WAV file", "the header says 4.0 GiB of audio but the file holds 4.7 KiB")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
def test_a_data_size_of_all_ones_is_unknown_only_when_the_riff_size_is_too(tmp_path: Path, act: Action) -> None:
    # ffmpeg writing to a pipe leaves both sizes at 0xFFFFFFFF: that file plays to its end ...
    path = tmp_path / "streamed.wav"
    path.write_bytes(wav_bytes(bytes(4800), data_size=0xFFFFFFFF, riff_size=0xFFFFFFFF))
    if act is probe:
        assert probe(path).duration == 0.1
    else:
        assert len(prepare(path, sample_rate=24000)) == 4800
    # ... but a real RIFF size beside it makes the data size a lie.
    path.write_bytes(wav_bytes(bytes(4800), data_size=0xFFFFFFFF))
    refused(lambda: act(path), str(path), "the header says 4.0 GiB of audio")


def test_ffmpegs_own_streamed_wav_is_read(tmp_path: Path) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [exe, "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=0.25:r=24000", "-f", "wav", "pipe:1"]
    path = tmp_path / "piped.wav"
    path.write_bytes(subprocess.run(cmd, check=True, capture_output=True).stdout)
    assert path.read_bytes()[4:8] == b"\xff\xff\xff\xff"  # what the test is about
    assert probe(path).duration == 0.25


@pytest.mark.parametrize("act", BOTH, ids=IDS)
def test_a_cut_off_wav_is_refused_not_played_short(tmp_path: Path, act: Action) -> None:
    path = write_wav(tmp_path / "cut.wav", b"\1\0" * 24000)
    path.write_bytes(path.read_bytes()[: 44 + 24000])
    refused(lambda: act(path), str(path), "the header says 46.9 KiB of audio but the file holds 23.4 KiB")


@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize(
    ("header", "words"),
    [
        ({"bits": 7}, ["unsupported WAV file: 7-bit samples (8, 16, 24 and 32-bit PCM are supported)"]),
        ({"bits": 12, "block_align": 2}, ["unsupported WAV file: 12-bit samples"]),
        ({"channels": 1000}, ["unsupported WAV file: 1000 channels (at most 64 are supported)"]),
        ({"rate": 3}, ["unsupported WAV file: a sample rate of 3 Hz"]),
        ({"rate": 4_000_000_000}, ["unsupported WAV file: a sample rate of 4000000000 Hz"]),
        ({"block_align": 4}, ["not a valid WAV file", "frames of 4 bytes, but 1 channel of 16-bit samples make 2-byte frames"]),
    ],
)
def test_impossible_or_unsupported_headers(tmp_path: Path, act: Action, header: dict[str, int], words: list[str]) -> None:
    path = tmp_path / "odd.wav"
    path.write_bytes(wav_bytes(bytes(4800), **header))
    refused(lambda: act(path), str(path), *words)


def test_a_1000_channel_float_wav_is_refused_before_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player.audio._prepare, "find_ffmpeg", lambda: pytest.fail("ffmpeg was asked"))
    fmt = struct.pack("<HHIIHH", 3, 1000, 24000, 96_000_000, 4000, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 4000) + bytes(4000)
    path = tmp_path / "float.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    refused(lambda: probe(path), str(path), "1000 channels")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("act", BOTH, ids=IDS)
@pytest.mark.parametrize("name", ["live.wav", "live.mp3"])
def test_a_named_pipe_is_refused_before_it_is_opened(tmp_path: Path, act: Action, name: str) -> None:
    from loader_support import finishes

    pipe = tmp_path / name
    os.mkfifo(pipe)
    refused(lambda: finishes(lambda: act(pipe), pipe), str(pipe), "is a named pipe, not a regular file")
