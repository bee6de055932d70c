"""Band-limited resampling (soxr) and memory that stays flat in clip length: real tones in,
levels measured at exact frequencies out; real WAV files streamed through PreparedClip."""

from __future__ import annotations

import math
import random
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest

from player.audio._prepare import prepare_clip
from player.audio._resample import Resampler

IN, OUT = 44100, 24000


def tone(freq: float, seconds: float, *, rate: int = IN, amp: float = 0.5) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return bytes(np.round(amp * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes())


def level_db(pcm: bytes, freq: float, *, rate: int = OUT, amp: float = 0.5, skip: float = 0.25) -> float:
    """Level of `freq` relative to `amp`: a least-squares sin/cos fit at that exact frequency
    (a Goertzel without its bin rounding), the first and last `skip` seconds left out."""
    y = np.frombuffer(pcm, "<i2").astype(np.float64) / 32767
    s = int(skip * rate)
    y = y[s : len(y) - s]
    t = np.arange(s, s + len(y)) / rate
    a = 2 * np.dot(y, np.sin(2 * np.pi * freq * t)) / len(y)
    b = 2 * np.dot(y, np.cos(2 * np.pi * freq * t)) / len(y)
    return 20 * math.log10(math.hypot(a, b) / amp + 1e-15)


def resample(pcm: bytes, step: int, rin: int = IN, rout: int = OUT) -> bytes:
    r = Resampler(rin, rout)
    return b"".join([r.push(pcm[i : i + step]) for i in range(0, len(pcm), step)] + [r.flush()])


def test_aliases_are_attenuated_and_the_passband_kept() -> None:
    # 15 kHz is above 24 kHz's Nyquist (12 kHz): without a filter it folds to 24 - 15 = 9 kHz,
    # which audioop.ratecv let through only 3.4 dB down.
    assert level_db(resample(tone(15000, 4), 4410), 9000) <= -60
    assert abs(level_db(resample(tone(1000, 4), 4410), 1000)) <= 0.1


def test_the_same_through_a_prepared_clip(tmp_path: Path) -> None:
    path = tmp_path / "t.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(IN)
        w.writeframes(tone(15000, 2) + tone(1000, 2))
    pcm = prepare_clip(path, sample_rate=OUT, chunk_seconds=0.05).pcm
    half = len(pcm) // 2 // 2 * 2
    assert level_db(pcm[:half], 9000) <= -60
    assert abs(level_db(pcm[half:], 1000)) <= 0.1


def test_chunked_output_is_bit_identical_and_exact_in_length() -> None:
    rng = random.Random(0)
    x = np.random.default_rng(0).integers(-20000, 20000, IN * 2 + 17).astype("<i2").tobytes()
    whole = resample(x, len(x))
    for step in (2, 2 * 2205, 2 * 44101):
        assert resample(x, step) == whole
    r, out, i = Resampler(IN, OUT), [], 0
    while i < len(x):
        n = 2 * rng.randint(0, 3000)  # empty pushes included
        out.append(r.push(x[i : i + n]))
        i += n
    assert b"".join(out) + r.flush() == whole
    assert abs(len(whole) // 2 - (len(x) // 2) * OUT / IN) <= 1
    assert r.push(x) + r.flush() == whole  # reusable after flush


def test_silence_stays_silent_and_full_scale_clips_cleanly() -> None:
    # float32 inside: soxr's int16 output would dither silence into +-1 LSB noise.
    assert resample(b"\0\0" * IN, 4410) == b"\0\0" * OUT
    square = np.where(np.sin(2 * np.pi * 1000 * np.arange(IN) / IN) >= 0, 32767, -32768).astype("<i2")
    y = np.frombuffer(resample(square.tobytes(), 4410), "<i2")
    assert y.max() == 32767 and y.min() == -32768
    assert resample(tone(1000, 1, rate=OUT), 4800, OUT, OUT) == tone(1000, 1, rate=OUT)


def test_odd_byte_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="whole 16-bit samples"):
        Resampler(IN, OUT).push(b"abc")


def _long_wav(path: Path, seconds: int) -> Path:
    one = np.random.default_rng(1).normal(0, 3000, (IN, 2)).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(IN)
        for _ in range(seconds):
            w.writeframes(one)
    return path


def _peak_bytes_to_check_and_play(path: Path) -> tuple[int, int]:
    """tracemalloc's peak over the check (prepare_clip) and one full read of the chunks, and
    how many bytes of base64 went by."""
    tracemalloc.start()
    try:
        clip = prepare_clip(path, sample_rate=OUT, chunk_seconds=0.05)
        sent = sum(len(chunk) for chunk in clip.chunks())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sent


def test_memory_stays_flat_in_clip_length(tmp_path: Path) -> None:
    short_peak, short_sent = _peak_bytes_to_check_and_play(_long_wav(tmp_path / "short.wav", 30))
    long_peak, long_sent = _peak_bytes_to_check_and_play(_long_wav(tmp_path / "long.wav", 150))
    assert long_sent > 4.9 * short_sent  # 5x the audio went through...
    # ...in the same memory: a block of the source and a chunk or two, never the clip (the
    # 150 s clip is 7.2 MB of PCM at 24 kHz, 9.6 MB as base64).
    assert long_peak < 6 * 1024 * 1024
    assert long_peak < short_peak + 256 * 1024


def test_stereo_is_mixed_in_float_before_resampling(tmp_path: Path) -> None:
    # 16-bit stereo being resampled skips audioop.tomono: (L + R) / 2 in float, then the filter.
    left = np.frombuffer(tone(1000, 1), "<i2")
    frames = np.stack([left, left // 3], axis=1).astype("<i2").tobytes()
    stereo, mono = tmp_path / "s.wav", tmp_path / "m.wav"
    for path, data, channels in ((stereo, frames, 2), (mono, tone(1000, 1, amp=0.5 * (1 + 1 / 3) / 2), 1)):
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels), w.setsampwidth(2), w.setframerate(IN)
            w.writeframes(data)
    a = np.frombuffer(prepare_clip(stereo, sample_rate=OUT, chunk_seconds=0.05).pcm, "<i2").astype(int)
    b = np.frombuffer(prepare_clip(mono, sample_rate=OUT, chunk_seconds=0.05).pcm, "<i2").astype(int)
    assert len(a) == len(b) == OUT
    assert np.abs(a - b).max() <= 2  # the same signal, up to the rounding of the inputs
    assert abs(level_db(a.astype("<i2").tobytes(), 1000, amp=0.5 * (1 + 1 / 3) / 2, skip=0.1)) <= 0.1
