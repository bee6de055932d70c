"""WAV header parsing and frame reading, without the `wave` module.

`wave` rejects WAVE_FORMAT_EXTENSIBLE before Python 3.12, and that is how most tools (ffmpeg
included) write 24-bit and multichannel files; it also cannot read ffmpeg's piped output, whose
chunk sizes are 0xFFFFFFFF. This reader handles both and only ever reads the header plus the
frames asked for.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

__all__ = ["WavError", "WavLayout", "is_wav_header", "read_layout", "iter_frames", "MAX_CHANNELS", "MIN_RATE", "MAX_RATE"]

_PCM = 0x0001
_EXTENSIBLE = 0xFFFE
_UNKNOWN_SIZE = 0xFFFFFFFF  # what streaming writers put in a size they cannot know
_ENCODINGS = {0x0002: "ADPCM", 0x0003: "float", 0x0006: "A-law", 0x0007: "mu-law", 0x0011: "ADPCM"}
_BLOCK_BYTES = 1 << 20  # per read: large enough that per-call overhead vanishes
_SAMPLE_BITS = (8, 16, 24, 32)
MAX_CHANNELS = 64  # beyond 7.1 and 3rd-order ambisonics (16); a header with more is not a clip
MIN_RATE, MAX_RATE = 1_000, 768_000  # Hz: outside this a header is damaged, not exotic


class WavError(Exception):
    """Not a WAV this module can read. `unsupported` marks a well-formed WAV whose encoding
    (float, ADPCM, RF64, ...) only ffmpeg can decode; `refused` one that nothing here plays
    (7-bit samples, 1,000 channels); otherwise the file is damaged or its header impossible."""

    def __init__(self, reason: str, *, unsupported: bool = False, refused: bool = False) -> None:
        super().__init__(reason)
        self.unsupported = unsupported
        self.refused = refused


@dataclass(frozen=True, slots=True)
class WavLayout:
    channels: int
    sample_rate: int
    width: int  # bytes per sample of one channel: 1 (unsigned), 2, 3 or 4 (signed)
    data_offset: int
    frames: int | None  # None: the data runs to the end of a stream of unknown length

    @property
    def frame_size(self) -> int:
        return self.channels * self.width


def is_wav_header(head: bytes) -> bool:
    return len(head) >= 12 and head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE"


def read_layout(f: IO[bytes], file_size: int | None) -> WavLayout:
    """Read up to the start of the data chunk. `file_size` None means a pipe (no seeking)."""
    head = f.read(12)
    if len(head) < 12:
        raise WavError("truncated header")
    if not is_wav_header(head):
        raise WavError("no RIFF/WAVE header")
    if head[:4] != b"RIFF":
        raise WavError(f"{head[:4].decode()} container", unsupported=True)
    streamed = head[4:8] == b"\xff\xff\xff\xff"  # a writer that could not seek back (ffmpeg to a pipe)
    pos = 12
    fmt: tuple[int, int, int] | None = None
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            raise WavError("truncated header" if fmt is None else "no data chunk")
        cid, size = struct.unpack("<4sI", chunk)
        pos += 8
        if cid == b"data":
            if fmt is None:
                raise WavError("data chunk before fmt chunk")
            channels, rate, width = fmt
            if file_size is None:
                frames = None if size == _UNKNOWN_SIZE else size // (channels * width)
            elif size == _UNKNOWN_SIZE and streamed:  # both sizes unknown: the data runs to the end
                frames = max(file_size - pos, 0) // (channels * width)
            elif size > file_size - pos:
                # Refused, not played short: the clip would not be what the plan and the author
                # think, and a size of gigabytes in a small file means the header is not sound.
                held = max(file_size - pos, 0)
                raise WavError(f"the header says {_bytes(size)} of audio but the file holds {_bytes(held)}")
            else:
                frames = size // (channels * width)
            return WavLayout(channels, rate, width, pos, frames)
        body = f.read(size + (size & 1))  # chunks are padded to even sizes
        if len(body) < size:
            raise WavError("truncated header")
        pos += len(body)
        if cid == b"fmt ":
            fmt = _parse_fmt(body[:size])


def _parse_fmt(body: bytes) -> tuple[int, int, int]:
    if len(body) < 16:
        raise WavError("truncated fmt chunk")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", body)
    valid_bits = bits
    if tag == _EXTENSIBLE:
        if len(body) < 40:
            raise WavError("truncated fmt chunk")
        valid_bits, _mask, tag = struct.unpack_from("<HIH", body, 18)  # the SubFormat GUID starts with the tag
        valid_bits = valid_bits or bits  # 0: the writer did not say
    if channels == 0 or rate == 0 or block_align == 0:
        raise WavError(f"invalid fmt chunk ({channels} channels, {rate} Hz)")
    # Checked before the encoding, so ffmpeg is not asked to decode what no clip can be.
    if channels > MAX_CHANNELS:
        raise WavError(f"{channels} channels (at most {MAX_CHANNELS} are supported)", refused=True)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise WavError(f"a sample rate of {rate} Hz (from {MIN_RATE} to {MAX_RATE} Hz is supported)", refused=True)
    if tag != _PCM:
        name = _ENCODINGS.get(tag, f"format {tag:#06x}")
        raise WavError(f"{bits}-bit {name} encoding", unsupported=True)
    if bits not in _SAMPLE_BITS or not 0 < valid_bits <= bits:
        shown = valid_bits if bits in _SAMPLE_BITS else bits
        raise WavError(f"{shown}-bit samples (8, 16, 24 and 32-bit PCM are supported)", refused=True)
    width = bits // 8
    if block_align != channels * width:
        what = f"{channels} {'channel' if channels == 1 else 'channels'} of {bits}-bit samples"
        raise WavError(f"frames of {block_align} bytes, but {what} make {channels * width}-byte frames")
    return channels, rate, width


def _bytes(n: int) -> str:
    """A byte count as people read it: 4800 bytes, 4.7 KiB, 4.0 GiB."""
    if n < 1024:
        return f"{n} bytes"
    value, unit = n / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def iter_frames(f: IO[bytes], layout: WavLayout, start: int, stop: int) -> Iterator[bytes]:
    """Yield frames [start, stop) of a seekable file in large whole-frame blocks."""
    size = layout.frame_size
    f.seek(layout.data_offset + start * size)
    remaining = (stop - start) * size
    block = max(_BLOCK_BYTES // size, 1) * size
    while remaining > 0:
        data = f.read(min(block, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data[: len(data) - len(data) % size]
