"""player.audio on WAV files: decoding every sample width and channel count, exact resampling,
trimming, gain, chunking and the committed example clips. Real files, real audioop."""

from __future__ import annotations

import base64
import itertools
import math
import struct
import subprocess
import sys
import wave
from array import array
from pathlib import Path

import pytest

from player.audio._prepare import AudioInfo, PreparedClip, chunk_pcm, clip_duration, prepare, prepare_clip, probe
from player.errors import AudioError

REPO = Path(__file__).resolve().parents[2]


def write_wav(path: Path, frames: bytes, *, rate: int, width: int = 2, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def sine(n: int, rate: int, freq: float = 440.0, amp: float = 0.5) -> bytes:
    return struct.pack(f"<{n}h", *(round(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))


def samples(pcm: bytes) -> array[int]:
    out = array("h")
    out.frombytes(pcm)
    return out


def rms(pcm: bytes) -> float:
    values = samples(pcm)
    return math.sqrt(sum(v * v for v in values) / len(values))


@pytest.mark.parametrize(
    ("width", "sample", "expected"),
    [
        (1, bytes([128 + 64]), 64 << 8),  # 8-bit WAV is unsigned around 128
        (2, struct.pack("<h", -12345), -12345),
        (3, bytes([0x56, 0x34, 0x12]), 0x1234),
        (4, struct.pack("<i", -0x12345678), -0x1235),  # keeps the top 16 bits (floor)
    ],
)
def test_every_integer_width_decodes_to_16_bit(tmp_path: Path, width: int, sample: bytes, expected: int) -> None:
    path = write_wav(tmp_path / "w.wav", sample * 100, rate=24000, width=width)
    assert probe(path) == AudioInfo(duration=100 / 24000, sample_rate=24000, channels=1, format="wav")
    assert list(samples(prepare(path, sample_rate=24000))) == [expected] * 100


def test_stereo_is_averaged_to_mono(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "s.wav", struct.pack("<hh", 1000, 3000) * 480, rate=48000, channels=2)
    assert probe(path).channels == 2
    assert set(samples(prepare(path, sample_rate=48000))) == {2000}


def test_more_channels_are_averaged(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "c.wav", struct.pack("<hhh", 1000, 2000, 6000) * 300, rate=24000, channels=3)
    assert all(abs(v - 3000) <= 1 for v in samples(prepare(path, sample_rate=24000)))


def test_24_bit_stereo_extensible_header_written_by_hand(tmp_path: Path) -> None:
    # WAVE_FORMAT_EXTENSIBLE: what most tools write for 24-bit; `wave` refuses it before 3.12.
    frames = (bytes([0, 0, 0x10]) + bytes([0, 0, 0x30])) * 1000  # 0x1000 and 0x3000 in 16 bits
    guid_pcm = struct.pack("<H", 1) + bytes.fromhex("000000001000800000aa00389b71")
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 2, 44100, 44100 * 6, 6, 24, 22, 24, 3) + guid_pcm
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 5) + b"INFOx\0"  # an odd-sized chunk, padded, skipped
    body += b"data" + struct.pack("<I", len(frames)) + frames
    path = tmp_path / "ext.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert probe(path) == AudioInfo(1000 / 44100, 44100, 2, "wav")
    assert set(samples(prepare(path, sample_rate=44100))) == {0x2000}


@pytest.mark.parametrize("in_rate", [8000, 11025, 16000, 22050, 24000, 44100, 48000])
@pytest.mark.parametrize("out_rate", [16000, 24000])
@pytest.mark.parametrize("frames", [1, 2, 3, 441, 12345])
def test_resampling_keeps_the_sample_count_exact(tmp_path: Path, in_rate: int, out_rate: int, frames: int) -> None:
    path = write_wav(tmp_path / "r.wav", struct.pack("<h", 500) * frames, rate=in_rate)
    pcm = prepare(path, sample_rate=out_rate)
    assert len(pcm) // 2 == round(frames * out_rate / in_rate)
    clip = prepare_clip(path, sample_rate=out_rate, chunk_seconds=0.05)
    assert clip.duration == clip.samples / out_rate
    assert abs(clip.duration - frames / in_rate) <= 0.5 / out_rate + 1e-12
    # A band-limited filter rings for a few ms at the jumps from and to silence at the edges
    # (a step, not a constant); in between a constant stays constant.
    margin = round(0.005 * out_rate)
    assert all(abs(v - 500) <= 1 for v in samples(pcm)[margin:-margin])


@pytest.mark.parametrize("in_rate", [44100, 48000, 16000, 8000])
def test_resampled_sine_keeps_its_pitch_and_level(tmp_path: Path, in_rate: int) -> None:
    path = write_wav(tmp_path / "s.wav", sine(in_rate, in_rate, freq=440.0), rate=in_rate)
    pcm = prepare(path, sample_rate=24000)
    values = samples(pcm)
    assert len(values) == 24000
    crossings = sum(1 for a, b in itertools.pairwise(values) if (a < 0) != (b < 0))
    assert abs(crossings - 880) <= 2
    assert rms(pcm) == pytest.approx(0.5 * 32767 / math.sqrt(2), rel=0.02)


def test_trim_selects_from_inclusive_to_exclusive(tmp_path: Path) -> None:
    ramp = struct.pack("<24000h", *range(24000))
    path = write_wav(tmp_path / "ramp.wav", ramp, rate=24000)
    assert list(samples(prepare(path, sample_rate=24000, start=0.25, end=0.5))) == list(range(6000, 12000))
    assert list(samples(prepare(path, sample_rate=24000, start=0.75))) == list(range(18000, 24000))
    assert len(prepare(path, sample_rate=24000, end=5.0)) == 48000  # `to` past the end: clamped


def test_trim_then_resample_counts_and_clip_duration_agree(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "t.wav", sine(44100 * 2, 44100), rate=44100)
    info = probe(path)
    clip = prepare_clip(path, sample_rate=24000, chunk_seconds=0.1, start=0.3, end=1.7)
    assert clip.samples == round(round(1.4 * 44100) * 24000 / 44100) == 33600
    assert clip_duration(info, 0.3, 1.7) == pytest.approx(clip.duration, abs=1 / 24000)
    assert clip_duration(info, None, None) == 2.0
    assert clip_duration(info, 1.5, 99.0) == pytest.approx(0.5)


@pytest.mark.parametrize("gain_db", [-12.0, -6.0, 3.0, 6.0])
def test_gain_scales_rms_by_gain_db(tmp_path: Path, gain_db: float) -> None:
    path = write_wav(tmp_path / "g.wav", sine(24000, 24000, amp=0.2), rate=24000)
    plain = prepare(path, sample_rate=24000)
    louder = prepare(path, sample_rate=24000, gain_db=gain_db)
    assert 20 * math.log10(rms(louder) / rms(plain)) == pytest.approx(gain_db, abs=0.05)


def test_gain_clips_at_full_scale_without_wrapping(tmp_path: Path) -> None:
    source = sine(2400, 24000, amp=0.9)
    path = write_wav(tmp_path / "loud.wav", source, rate=24000)
    out = samples(prepare(path, sample_rate=24000, gain_db=30.0))
    assert max(out) == 32767 and min(out) == -32768
    # Saturation keeps every sample's sign: no overflow wrapped a peak to the other side.
    pairs = zip(samples(source), out, strict=True)
    assert all((a > 0) == (b > 0) for a, b in pairs if abs(a) > 100)


@pytest.mark.parametrize(
    ("pcm_samples", "rate", "seconds", "sizes"),
    [
        (2400, 24000, 0.05, [1200, 1200]),
        (2500, 24000, 0.05, [1200, 1200, 100]),
        (1, 24000, 0.05, [1]),
        (0, 24000, 0.05, []),
        (1000, 16000, 0.1, [1000]),
        (5, 16000, 0.00001, [1] * 5),  # never zero-sample chunks
    ],
)
def test_chunk_pcm_sizes(pcm_samples: int, rate: int, seconds: float, sizes: list[int]) -> None:
    pcm = bytes(range(256)) * (pcm_samples * 2 // 256) + bytes(pcm_samples * 2 % 256)
    chunks = chunk_pcm(pcm, rate, seconds)
    assert [len(c) // 2 for c in chunks] == sizes
    assert b"".join(chunks) == pcm


def test_chunk_pcm_refuses_half_samples_and_bad_lengths() -> None:
    with pytest.raises(ValueError, match="whole 16-bit samples"):
        chunk_pcm(b"abc", 24000, 0.05)
    with pytest.raises(ValueError):
        chunk_pcm(b"ab", 24000, 0.0)


def test_prepared_clip_base64_decodes_back_to_the_pcm(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "c.wav", sine(30000, 48000), rate=48000)
    clip = prepare_clip(path, sample_rate=24000, chunk_seconds=0.05)
    assert isinstance(clip, PreparedClip)
    assert clip.pcm == prepare(path, sample_rate=24000)
    assert clip.samples == 15000 and clip.duration == 0.625 and clip.chunk_samples == 1200
    assert [len(c) for c in clip.pcm_chunks()] == [2400] * 12 + [1200] and clip.chunk_count == 13
    assert [base64.b64decode(c, validate=True) for c in clip.chunks()] == list(clip.pcm_chunks())
    assert all(c.isascii() for c in clip.chunks())
    assert b"".join(clip.pieces(2 * 7)) == clip.pcm  # any piece size: same bytes, made again
    assert "pcm" not in repr(clip) and "_source" not in repr(clip)  # a long clip must not flood a log line


def test_a_clip_is_read_again_from_the_file_each_time(tmp_path: Path) -> None:
    # Checked once by prepare_clip; every read decodes anew (nothing held), and a read that
    # is abandoned (an interrupt) releases the file.
    path = write_wav(tmp_path / "c.wav", sine(48000, 48000), rate=48000)
    clip = prepare_clip(path, sample_rate=24000, chunk_seconds=0.05)
    reader = clip.chunks()
    first = next(reader)
    reader.close()
    assert next(clip.chunks()) == first
    path.write_bytes(b"RIFF")  # changed under us after the check: a clear error, not garbage
    with pytest.raises(AudioError, match="not a valid WAV"):
        _ = clip.pcm


@pytest.mark.parametrize(("name", "seconds"), [("chime", 1.0), ("intro", 3.0), ("outro", 2.0)])
def test_committed_clips_are_small_24k_mono(name: str, seconds: float) -> None:
    path = REPO / "scenarios" / "audio" / f"{name}.wav"
    assert path.stat().st_size < 200_000
    assert probe(path) == AudioInfo(seconds, 24000, 1, "wav")
    assert 1000 < rms(prepare(path, sample_rate=24000)) < 20000  # audible, not clipping


def test_make_clips_regenerates_the_committed_files(tmp_path: Path) -> None:
    script = REPO / "scenarios" / "audio" / "make_clips.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for name in ("chime.wav", "intro.wav", "outro.wav"):
        assert (tmp_path / name).read_bytes() == (REPO / "scenarios" / "audio" / name).read_bytes()
