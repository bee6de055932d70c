"""player.audio through ffmpeg: MP3, OGG, FLAC, M4A and float WAV, encoded here by the real
imageio-ffmpeg binary; how ffmpeg is found; no warnings and no pydub on import."""

from __future__ import annotations

import math
import os
import stat
import struct
import subprocess
import sys
import wave
from array import array
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

import player.audio
import player.audio._prepare
from player.audio._prepare import AudioInfo, clip_duration, find_ffmpeg, prepare, prepare_clip, probe

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
RATE = 44100


def write_sine_wav(path: Path, *, channels: int, seconds: float = 1.0, amp: float = 0.5) -> Path:
    n = round(seconds * RATE)
    one = [round(amp * 32767 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(n)]
    interleaved = [v for v in one for _ in range(channels)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(interleaved)}h", *interleaved))
    return path


def encode(source: Path, target: Path, *codec_args: str) -> Path:
    cmd = [
        FFMPEG,
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        *codec_args,
        str(target),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    return target


def rms(pcm: bytes) -> float:
    values = array("h")
    values.frombytes(pcm)
    return math.sqrt(sum(v * v for v in values) / len(values))


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("encoded")
    stereo = write_sine_wav(folder / "stereo.wav", channels=2)
    mono = write_sine_wav(folder / "mono.wav", channels=1)
    return {
        "stereo.wav": stereo,
        "mono.wav": mono,
        "mp3": encode(stereo, folder / "clip.mp3", "-c:a", "libmp3lame", "-b:a", "128k"),
        "ogg": encode(stereo, folder / "clip.ogg", "-c:a", "libvorbis"),
        "flac": encode(stereo, folder / "clip.flac", "-c:a", "flac"),
        "m4a": encode(stereo, folder / "clip.m4a", "-c:a", "aac", "-b:a", "128k"),
        "mono.flac": encode(mono, folder / "mono.flac", "-c:a", "flac"),
        "float.wav": encode(stereo, folder / "float.wav", "-c:a", "pcm_f32le"),
        "s24.wav": encode(stereo, folder / "s24.wav", "-c:a", "pcm_s24le"),
    }


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "flac", "m4a"])
def test_compressed_formats_probe_and_prepare(encoded: dict[str, Path], fmt: str) -> None:
    info = probe(encoded[fmt])
    assert (info.sample_rate, info.channels, info.format) == (RATE, 2, fmt)
    assert info.duration == pytest.approx(1.0, abs=0.03)  # lossy codecs pad a little
    pcm = prepare(encoded[fmt], sample_rate=24000)
    assert len(pcm) // 2 == round(info.duration * RATE * 24000 / RATE)
    # LAME's output is 0.5 dB quieter than its input: the level check allows lossy codecs 1 dB.
    assert rms(pcm) == pytest.approx(0.5 * 32767 / math.sqrt(2), rel=0.12)


def test_flac_is_sample_exact_and_matches_the_wav_path(encoded: dict[str, Path]) -> None:
    assert probe(encoded["flac"]) == AudioInfo(1.0, RATE, 2, "flac")
    kwargs: dict[str, Any] = {"sample_rate": 24000, "start": 0.25, "end": 0.75, "gain_db": -3.0}
    from_flac = prepare(encoded["mono.flac"], **kwargs)
    assert len(from_flac) // 2 == 12000
    assert from_flac == prepare(encoded["mono.wav"], **kwargs)  # lossless: byte-identical


def test_trim_through_ffmpeg_matches_clip_duration(encoded: dict[str, Path]) -> None:
    info = probe(encoded["ogg"])
    clip = prepare_clip(encoded["ogg"], sample_rate=16000, chunk_seconds=0.1, start=0.2, end=0.6)
    assert clip.samples == round(round(0.4 * RATE) * 16000 / RATE)
    assert clip.duration == pytest.approx(clip_duration(info, 0.2, 0.6), abs=1 / 16000)
    tail = prepare(encoded["ogg"], sample_rate=16000, start=0.9)
    assert len(tail) // 2 == round((round(info.duration * RATE) - round(0.9 * RATE)) * 16000 / RATE)


def test_wav_encodings_only_ffmpeg_reads_fall_back_to_it(encoded: dict[str, Path]) -> None:
    assert probe(encoded["float.wav"]) == AudioInfo(1.0, RATE, 2, "wav")
    pcm = prepare(encoded["float.wav"], sample_rate=24000)
    assert len(pcm) == 48000
    assert rms(pcm) == pytest.approx(0.5 * 32767 / math.sqrt(2), rel=0.01)


def test_ffmpegs_extensible_24_bit_wav_is_read_natively(encoded: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player.audio._prepare, "find_ffmpeg", lambda: None)  # proves no ffmpeg is needed
    assert probe(encoded["s24.wav"]) == AudioInfo(1.0, RATE, 2, "wav")
    assert prepare(encoded["s24.wav"], sample_rate=24000) == prepare(encoded["stereo.wav"], sample_rate=24000)


def test_probe_decodes_a_file_once_until_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = encode(write_sine_wav(tmp_path / "one.wav", channels=1), tmp_path / "clip.ogg")
    first = probe(path)
    monkeypatch.setattr(player.audio._prepare, "find_ffmpeg", lambda: None)  # decoding would fail now
    assert probe(path) == first  # validate, then plan: the second probe decodes nothing
    encode(write_sine_wav(tmp_path / "two.wav", channels=1, seconds=2.0), path)
    with pytest.raises(player.audio.AudioError, match="needs ffmpeg"):
        probe(path)  # a rewritten file is probed afresh


def test_find_ffmpeg_prefers_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_ffmpeg() == str(fake)


def test_find_ffmpeg_falls_back_to_the_imageio_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no ffmpeg on PATH
    assert find_ffmpeg() == FFMPEG
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # the extra is not installed
    assert find_ffmpeg() is None


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    # -W error: any warning (pydub's "Couldn't find ffprobe", audioop's deprecation) fails it.
    env = {**os.environ, "PATH": "/nonexistent"}  # only the imageio binary can be found
    return subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, env=env)


def test_import_loads_neither_pydub_nor_audioop() -> None:
    result = _run_python("import sys, player.audio\nprint(sorted(m for m in ('pydub', 'audioop', 'imageio_ffmpeg') if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_decoding_warns_about_nothing(encoded: dict[str, Path]) -> None:
    code = (
        "from pathlib import Path\nfrom player.audio import prepare_clip, probe\n"
        f"for p in ({str(encoded['mp3'])!r}, {str(encoded['stereo.wav'])!r}):\n"
        "    probe(Path(p)); prepare_clip(Path(p), sample_rate=24000, chunk_seconds=0.05)\n"
        "print('ok')"
    )
    result = _run_python(code)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "ok", "")
