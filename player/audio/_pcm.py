"""PCM arithmetic: any integer PCM to mono s16le at a target rate, with gain, in one pass over
blocks so a long clip never exists twice at its source rate. All heavy lifting is audioop (C)."""

from __future__ import annotations

import sys
import warnings
from array import array
from collections.abc import Iterable, Iterator
from functools import lru_cache
from types import ModuleType
from typing import TypeVar

__all__ = ["render", "chunk_pcm", "chunk_bytes", "slices"]

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


def render(
    blocks: Iterable[bytes],
    *,
    width: int,
    channels: int,
    in_rate: int,
    out_rate: int,
    gain_db: float = 0.0,
) -> tuple[bytes, int]:
    """Convert whole-frame blocks; return (mono s16le at out_rate, input frames consumed).

    The output holds exactly round(frames * out_rate / in_rate) samples: ratecv lags a sample
    or two behind when upsampling, so the tail is padded with the last sample (or cut).
    """
    ao = _audioop()
    factor = 10.0 ** (gain_db / 20.0)
    state = None
    frames = have = 0
    out: list[bytes] = []
    for block in blocks:
        frames += len(block) // (width * channels)
        mono = _to_mono16(block, width, channels)
        if in_rate != out_rate:
            mono, state = ao.ratecv(mono, 2, 1, in_rate, out_rate, state)
        if factor != 1.0:
            mono = ao.mul(mono, 2, factor)  # saturates at the 16-bit limits: clipping is safe
        out.append(mono)
        have += len(mono)
    want = 2 * round(frames * out_rate / in_rate)
    if have < want:  # pad before joining: one copy of the output, not two
        last = next((piece[-2:] for piece in reversed(out) if piece), b"\0\0")
        out.append(last * ((want - have) // 2))
    pcm = b"".join(out)
    del out
    if len(pcm) > want:
        pcm = pcm[:want]
    if _BIG_ENDIAN:
        pcm = ao.byteswap(pcm, 2)
    return pcm, frames


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
