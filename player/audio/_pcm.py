"""PCM arithmetic: any integer PCM to mono s16le at a target rate, with gain, streamed over
blocks so a long clip never exists in full, at its source rate or at ours. audioop (C) mixes
down and scales; resampling is band-limited (`_resample`, soxr)."""

from __future__ import annotations

import sys
import warnings
from array import array
from collections.abc import Iterable, Iterator
from functools import lru_cache
from types import ModuleType
from typing import TypeVar

__all__ = ["Converter", "render", "stream", "measure", "wanted_samples", "chunk_pcm", "chunk_bytes", "slices"]

_BIG_ENDIAN = sys.byteorder == "big"  # audioop works in native order; WAV is little-endian
_B = TypeVar("_B", bytes, memoryview)


@lru_cache(maxsize=1)
def _audioop() -> ModuleType:
    # 3.11/3.12 warn on import (PEP 594); 3.13+ gets the same module from audioop-lts.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    return audioop


def _to_mono16(block: bytes, width: int, channels: int) -> bytes:
    ao = _audioop()
    if _BIG_ENDIAN:
        block = ao.byteswap(block, width)
    if width == 1:
        block = ao.bias(block, 1, -128)  # 8-bit WAV is unsigned
    if width != 2:
        block = ao.lin2lin(block, width, 2)
    if channels == 1:
        return block
    if channels == 2:
        mono: bytes = ao.tomono(block, 2, 0.5, 0.5)
        return mono
    # More channels: average them. array slicing de-interleaves at C speed.
    samples = array("h")
    samples.frombytes(block)
    mixed: bytes = b""
    for c in range(channels):
        part = ao.mul(samples[c::channels].tobytes(), 2, 1.0 / channels)
        mixed = ao.add(mixed, part, 2) if mixed else part
    return mixed


class Converter:
    """Whole-frame blocks in, mono s16le (native order) at out_rate out, gain applied.

    Holds only the resampler's filter state, so a clip of any length streams through it;
    `frames` counts the input frames consumed.
    """

    def __init__(self, *, width: int, channels: int, in_rate: int, out_rate: int, gain_db: float = 0.0) -> None:
        from ._resample import Resampler

        self._width, self._channels = width, channels
        self._factor = 10.0 ** (gain_db / 20.0)
        self._resampler = Resampler(in_rate, out_rate)
        # 16-bit mono or stereo being resampled (most clips): mixed in float by the resampler.
        self._direct = in_rate != out_rate and width == 2 and channels in (1, 2)
        self.frames = 0

    def push(self, block: bytes) -> bytes:
        self.frames += len(block) // (self._width * self._channels)
        if self._direct:
            return self._gain(self._resampler.push_s16le(block, self._channels))
        return self._gain(self._resampler.push(_to_mono16(block, self._width, self._channels)))

    def flush(self) -> bytes:
        return self._gain(self._resampler.flush())

    def _gain(self, mono: bytes) -> bytes:
        if self._factor != 1.0 and mono:
            # After the resampler, as before: saturates at the 16-bit limits, so clipping is safe.
            mono = _audioop().mul(mono, 2, self._factor)
        return mono


def wanted_samples(frames: int, in_rate: int, out_rate: int) -> int:
    """How many samples `frames` source frames become: durations stay exact."""
    return round(frames * out_rate / in_rate)


def stream(
    blocks: Iterable[bytes],
    *,
    width: int,
    channels: int,
    in_rate: int,
    out_rate: int,
    gain_db: float = 0.0,
    samples: int,
) -> Iterator[bytes]:
    """Mono s16le (little-endian) pieces holding exactly `samples` samples in all: the
    resampler's output is cut there, or padded with its last sample (a lag of a sample or two)."""
    conv = Converter(width=width, channels=channels, in_rate=in_rate, out_rate=out_rate, gain_db=gain_db)
    left = 2 * samples
    last = b"\0\0"
    for piece in _pushed(conv, blocks):
        if left <= 0:
            break  # leaving early closes the blocks (and kills ffmpeg)
        if not piece:
            continue
        piece = piece[:left]
        left -= len(piece)
        last = piece[-2:]
        yield _little(piece)
    if left > 0:
        yield _little(last * (left // 2))


def _pushed(conv: Converter, blocks: Iterable[bytes]) -> Iterator[bytes]:
    for block in blocks:
        yield conv.push(block)
    yield conv.flush()  # only once the blocks ran out: the filter's tail


def measure(blocks: Iterable[bytes], *, width: int, channels: int, in_rate: int, out_rate: int) -> tuple[int, int]:
    """(samples the clip becomes, source frames): the full decode a check does, keeping nothing.
    A clip to resample also loads the resampler here (numpy and soxr, ~150 ms the first time), so
    that happens while preparing, not on the worker thread while the first chunks are due."""
    frames = sum(len(block) for block in blocks) // (width * channels)
    if in_rate != out_rate:
        warm = Converter(width=2, channels=1, in_rate=in_rate, out_rate=out_rate)
        warm.push(b"\0\0" * 64)
        warm.flush()
    return wanted_samples(frames, in_rate, out_rate), frames


def render(
    blocks: Iterable[bytes],
    *,
    width: int,
    channels: int,
    in_rate: int,
    out_rate: int,
    gain_db: float = 0.0,
) -> tuple[bytes, int]:
    """The whole clip at once: (mono s16le at out_rate, input frames consumed). Holds exactly
    wanted_samples(frames) samples (see stream())."""
    conv = Converter(width=width, channels=channels, in_rate=in_rate, out_rate=out_rate, gain_db=gain_db)
    out = [conv.push(block) for block in blocks]
    out.append(conv.flush())
    want = 2 * wanted_samples(conv.frames, in_rate, out_rate)
    have = sum(map(len, out))
    if have < want:  # pad before joining: one copy of the output, not two
        last = next((piece[-2:] for piece in reversed(out) if piece), b"\0\0")
        out.append(last * ((want - have) // 2))
    pcm = b"".join(out)
    del out
    if len(pcm) > want:
        pcm = pcm[:want]
    return _little(pcm), conv.frames


def _little(pcm: bytes) -> bytes:
    return _audioop().byteswap(pcm, 2) if _BIG_ENDIAN else pcm


def chunk_bytes(sample_rate: int, chunk_seconds: float) -> int:
    """Bytes per chunk: whole 16-bit samples, at least one."""
    if sample_rate <= 0 or not chunk_seconds > 0:
        raise ValueError(f"need a positive rate and chunk, got {sample_rate} Hz, {chunk_seconds} s")
    return 2 * max(round(sample_rate * chunk_seconds), 1)


def chunk_pcm(pcm: bytes, sample_rate: int, chunk_seconds: float) -> list[bytes]:
    """Split mono s16le into consecutive chunks of round(sample_rate * chunk_seconds) samples;
    the last may be shorter, none is empty."""
    if len(pcm) % 2:
        raise ValueError(f"PCM of {len(pcm)} bytes is not whole 16-bit samples")
    return list(slices(pcm, chunk_bytes(sample_rate, chunk_seconds)))


def slices(buf: _B, step: int) -> Iterator[_B]:
    """Consecutive `step`-byte slices of bytes or a memoryview; the last may be shorter."""
    return (buf[i : i + step] for i in range(0, len(buf), step))
