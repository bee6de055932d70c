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

__all__ = ["WavError", "WavLayout", "is_wav_header", "read_layout", "iter_frames"]

_PCM = 0x0001
_EXTENSIBLE = 0xFFFE
_UNKNOWN_SIZE = 0xFFFFFFFF  # what streaming writers put in a size they cannot know
_ENCODINGS = {0x0002: "ADPCM", 0x0003: "float", 0x0006: "A-law", 0x0007: "mu-law", 0x0011: "ADPCM"}
_BLOCK_BYTES = 1 << 20  # per read: large enough that per-call overhead vanishes


class WavError(Exception):
    """Not a WAV this module can read. `unsupported` marks a well-formed WAV whose encoding
    (float, ADPCM, RF64, ...) only ffmpeg can decode; otherwise the file is damaged."""

    def __init__(self, reason: str, *, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.unsupported = unsupported


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
            else:
                # A declared size past the end is a cut-off recording: play what is there.
                frames = min(size, max(file_size - pos, 0)) // (channels * width)
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
    if tag == _EXTENSIBLE:
        if len(body) < 40:
            raise WavError("truncated fmt chunk")
        (tag,) = struct.unpack_from("<H", body, 24)  # the SubFormat GUID starts with the tag
    if channels == 0 or rate == 0 or block_align == 0:
        raise WavError(f"invalid fmt chunk ({channels} channels, {rate} Hz)")
    if tag != _PCM:
        name = _ENCODINGS.get(tag, f"format {tag:#06x}")
        raise WavError(f"{bits}-bit {name} encoding", unsupported=True)
    width, rest = divmod(block_align, channels)
    if rest or width not in (1, 2, 3, 4):
        raise WavError(f"{bits}-bit samples in {block_align}-byte frames", unsupported=True)
    return channels, rate, width


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
