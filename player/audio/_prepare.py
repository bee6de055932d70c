"""Preparing a clip: probe it (cached), decode, mix down, resample, trim, scale and chunk.

WAV with 8/16/24/32-bit integer samples is read natively (header-only probe, streamed frames);
everything else (MP3, OGG, M4A, FLAC, float WAV, ...) is decoded by an ffmpeg subprocess. The
output is always mono s16le at the requested rate, made as it is read (PreparedClip). Importing
this package imports neither audioop nor numpy/soxr: the validator's cold start only pays for
decoding when it decodes.
"""

from __future__ import annotations

import base64
import functools
import math
import os
import shutil
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import AudioError
from . import _ffmpeg, _riff
from ._pcm import chunk_bytes, chunk_pcm, measure, stream

__all__ = [
    "AudioInfo",
    "PreparedClip",
    "find_ffmpeg",
    "probe",
    "prepare",
    "prepare_clip",
    "chunk_pcm",
    "clip_duration",
]

_WAV_SUFFIXES = frozenset({".wav", ".wave"})
_HINT_FFMPEG = (
    "pip install 'echo-player[ffmpeg]' for a bundled ffmpeg, or install ffmpeg with your OS "
    "package manager (apt install ffmpeg, brew install ffmpeg, winget install ffmpeg)"
)
_HINT_WAV = "re-export it as PCM WAV, or check the file was copied completely"
_HINT_REFUSED = "re-export it as 16-bit PCM WAV, mono or stereo (the replica hears mono)"
_HINT_DECODE = "check it is a whole MP3, OGG, M4A, FLAC or WAV file; `ffmpeg -i FILE` says more"
_HINT_EMPTY = "re-export or re-copy the clip"
_HINT_TRIM = "`from` and `to` are seconds into the clip, with from < to"
_HINT_NUMBER = "`from`/`to` take durations such as 1.5s; `gain_db` decibels such as -6"

# probe() results by file identity and state, so validating then planning a scenario (or a clip
# played twice) decodes a compressed file once. A changed file has a new key.
_PROBED: dict[tuple[object, ...], AudioInfo] = {}
_PROBED_MAX = 256
_probed_lock = threading.Lock()


def find_ffmpeg() -> str | None:
    """ffmpeg on PATH, else the binary of the imageio-ffmpeg wheel (the `ffmpeg` extra)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # the wheel has no binary for this platform
        return None


@dataclass(frozen=True, slots=True)
class AudioInfo:
    duration: float  # seconds
    sample_rate: int
    channels: int
    format: str  # "wav", or the file's extension for what ffmpeg decodes ("mp3", "ogg", ...)


@dataclass(frozen=True)
class PreparedClip:
    """A checked clip whose PCM is made as it is read: mono s16le at `sample_rate`, `samples`
    long, in chunks of `chunk_samples`.

    prepare_clip() decodes the whole clip once to check it and count its samples, keeping
    nothing; each read (chunks(), pcm_chunks(), pieces(), pcm) decodes it again from the file,
    so memory stays flat however long the clip is. Closing an iterator early (an interrupt)
    closes the file or kills ffmpeg. Reads are bit-identical: the resampler is deterministic.
    """

    sample_rate: int
    chunk_samples: int
    samples: int
    _source: Callable[[], Iterator[bytes]] = field(repr=False, compare=False)

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    @property
    def chunk_count(self) -> int:
        return -(-self.samples // self.chunk_samples)

    def pieces(self, size: int) -> Iterator[bytes]:
        """Consecutive `size`-byte pieces of the PCM (the last may be shorter), made on demand."""
        return _rechunk(self._source(), size)

    def pcm_chunks(self) -> Iterator[bytes]:
        return self.pieces(2 * self.chunk_samples)

    def chunks(self) -> Iterator[str]:
        """The base64 of each chunk, as app messages carry it, encoded as it is read."""
        return (base64.b64encode(chunk).decode("ascii") for chunk in self.pcm_chunks())

    @property
    def pcm(self) -> bytes:
        """The whole clip in memory at once: for short clips and tests, not for playback."""
        return b"".join(self._source())


def _rechunk(pieces: Iterator[bytes], size: int) -> Iterator[bytes]:
    buf = bytearray()
    try:
        for piece in pieces:
            buf += piece
            if len(buf) >= size:
                whole = len(buf) - len(buf) % size
                with memoryview(buf) as view:
                    chunks = [bytes(view[i : i + size]) for i in range(0, whole, size)]
                del buf[:whole]
                yield from chunks
        if buf:
            yield bytes(buf)
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def probe(path: Path) -> AudioInfo:
    """Duration and format; reads only the header of a WAV, decodes anything else. The answer
    is remembered until the file changes (its size, mtime or ctime)."""
    path = Path(path)
    f, st = _open(path)
    key = (str(path.absolute()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    with f:
        known = _PROBED.get(key)
        if known is not None:
            return known
        layout, why = _native_layout(path, f, st.st_size)
    info = _probe_info(path, layout, why)
    with _probed_lock:
        if len(_PROBED) >= _PROBED_MAX:
            del _PROBED[next(iter(_PROBED))]  # the oldest
        _PROBED[key] = info
    return info


def _probe_info(path: Path, layout: _riff.WavLayout | None, why: str) -> AudioInfo:
    if layout is not None and layout.frames is not None:
        frames, label = layout.frames, "wav"
    else:
        exe = _require_ffmpeg(path, why)
        with _decoding(path), _ffmpeg.Decoder(exe, path, mono=False) as dec:
            layout = dec.layout
            frames = sum(len(block) for block in dec.blocks()) // layout.frame_size
        # A WAV only ffmpeg reads (float, ADPCM, ...) is still a WAV to the user.
        label = "wav" if why.endswith("WAV") else path.suffix.lstrip(".").lower() or "audio"
    if frames == 0:
        raise _no_samples(path)
    return AudioInfo(frames / layout.sample_rate, layout.sample_rate, layout.channels, label)


def prepare(
    path: Path,
    *,
    sample_rate: int,
    start: float | None = None,
    end: float | None = None,
    gain_db: float = 0.0,
) -> bytes:
    """Mono s16le at `sample_rate` of [start, end) seconds of the clip, `gain_db` applied, all
    at once. Holds round(source_samples * sample_rate / source_rate) samples, so durations stay
    exact. Playback streams instead (prepare_clip)."""
    return prepare_clip(path, sample_rate=sample_rate, chunk_seconds=1.0, start=start, end=end, gain_db=gain_db).pcm


def prepare_clip(
    path: Path,
    *,
    sample_rate: int,
    chunk_seconds: float,
    start: float | None = None,
    end: float | None = None,
    gain_db: float = 0.0,
) -> PreparedClip:
    """Check the clip by decoding it once in full (keeping nothing) and return a PreparedClip
    that makes its PCM on demand. Every error a read could hit is raised here, except a file
    changed or removed in between."""
    path = Path(path)
    step = chunk_bytes(sample_rate, chunk_seconds)  # a bad chunk length fails before decoding
    _check_args(path, sample_rate, start, end, gain_db)
    f, st = _open(path)
    with f:
        layout, why = _native_layout(path, f, st.st_size)
        if layout is not None and layout.frames is not None:
            if layout.frames == 0:
                raise _no_samples(path)
            first, stop = _bounds(path, layout.frames, layout.sample_rate, start, end)
            native = layout
            samples, _ = measure(
                _riff.iter_frames(f, layout, first, stop),
                width=layout.width,
                channels=layout.channels,
                in_rate=layout.sample_rate,
                out_rate=sample_rate,
            )
            opener = functools.partial(_native_pcm, path, native, first, stop, sample_rate, gain_db, samples)
            return PreparedClip(sample_rate, step // 2, samples, opener)
    exe = _require_ffmpeg(path, why)
    with _decoding(path), _ffmpeg.Decoder(exe, path, mono=True) as dec:
        rate = dec.layout.sample_rate
        skip = 0 if start is None else round(start * rate)
        until = None if end is None else round(end * rate)
        window = _Window(dec.blocks(), skip, until)
        samples, frames = measure(window, width=2, channels=1, in_rate=rate, out_rate=sample_rate)
    if frames == 0:  # the window missed the audio, so the decoder ran to the end
        if window.seen == 0:
            raise _no_samples(path)
        _bounds(path, window.seen, rate, start, end)  # raises the precise reason
    opener = functools.partial(_ffmpeg_pcm, path, exe, rate, skip, until, sample_rate, gain_db, samples)
    return PreparedClip(sample_rate, step // 2, samples, opener)


def _native_pcm(path: Path, layout: _riff.WavLayout, first: int, stop: int, rate: int, gain_db: float, samples: int) -> Iterator[bytes]:
    f, st = _open(path)
    with f:
        again, _ = _native_layout(path, f, st.st_size)
        if again != layout:
            raise _error(path, "audio file changed after it was checked", _HINT_EMPTY)
        blocks = _riff.iter_frames(f, layout, first, stop)
        kw = {"width": layout.width, "channels": layout.channels, "in_rate": layout.sample_rate}
        yield from stream(blocks, **kw, out_rate=rate, gain_db=gain_db, samples=samples)


def _ffmpeg_pcm(
    path: Path, exe: str, in_rate: int, first: int, stop: int | None, rate: int, gain_db: float, samples: int
) -> Iterator[bytes]:
    with _decoding(path), _ffmpeg.Decoder(exe, path, mono=True) as dec:
        if dec.layout.sample_rate != in_rate:
            raise _error(path, "audio file changed after it was checked", _HINT_EMPTY)
        window = _Window(dec.blocks(), first, stop)
        yield from stream(window, width=2, channels=1, in_rate=in_rate, out_rate=rate, gain_db=gain_db, samples=samples)


def clip_duration(info: AudioInfo, start: float | None, end: float | None) -> float:
    """Seconds of audio `from`/`to` select; what prepare() yields, without decoding."""
    _check_args(None, info.sample_rate, start, end, 0.0)
    frames = round(info.duration * info.sample_rate)
    first, stop = _bounds(None, frames, info.sample_rate, start, end)
    return (stop - first) / info.sample_rate


class _Window:
    """Frames [first, stop) of a stream of mono s16le blocks; `seen` counts frames read."""

    def __init__(self, blocks: Iterable[bytes], first: int, stop: int | None) -> None:
        self._blocks, self._first, self._stop = blocks, first, stop
        self.seen = 0

    def __iter__(self) -> Iterator[bytes]:
        for block in self._blocks:
            pos, n = self.seen, len(block) // 2
            self.seen += n
            lo = max(self._first - pos, 0)
            hi = n if self._stop is None else min(self._stop - pos, n)
            if lo < hi:
                yield block if (lo, hi) == (0, n) else block[2 * lo : 2 * hi]
            if self._stop is not None and self.seen >= self._stop:
                return  # leaving early: the Decoder kills ffmpeg on exit


def _error(path: Path | None, what: str, hint: str) -> AudioError:
    return AudioError(what if path is None else f"{path}: {what}", hint)


def _no_samples(path: Path) -> AudioError:
    return _error(path, "audio file has no samples (0 s of audio)", _HINT_EMPTY)


def _open(path: Path) -> tuple[BinaryIO, os.stat_result]:
    """The open clip and its stat, refusing anything but a regular file before opening it (a
    named pipe blocks the open until a writer comes; ffmpeg would wait on it too) and again on
    the descriptor, which O_NONBLOCK keeps from blocking if the path was swapped in between."""
    try:
        _require_regular(path, os.stat(path).st_mode)
        f = open(path, "rb", opener=_nonblocking)
    except FileNotFoundError:
        hint = "check the path; a relative one is resolved from the scenario's folder"
        raise _error(path, "audio file not found", hint) from None
    except IsADirectoryError:
        raise _error(path, "is a directory, not an audio file", "name a file inside it") from None
    except PermissionError:
        hint = "check the file's permissions"
        raise _error(path, "cannot read audio file: permission denied", hint) from None
    except OSError as exc:
        what = f"cannot read audio file: {exc.strerror or exc}"
        raise _error(path, what, "check the path and the disk") from None
    st = os.fstat(f.fileno())
    if not stat.S_ISREG(st.st_mode):
        f.close()
        _require_regular(path, st.st_mode)
    if st.st_size == 0:
        f.close()
        raise _error(path, "audio file is empty (0 bytes)", _HINT_EMPTY)
    return f, st


def _nonblocking(file: str, flags: int) -> int:
    return os.open(file, flags | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))


def _require_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError
    kind = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}
    what = kind.get(stat.S_IFMT(mode), "a special file")
    raise _error(path, f"is {what}, not a regular file", "name a regular audio file; echo-player reads no pipes or devices")


def _native_layout(path: Path, f: BinaryIO, size: int) -> tuple[_riff.WavLayout | None, str]:
    """The layout when we read the file ourselves, else None and what ffmpeg must decode."""
    head = f.read(12)
    f.seek(0)
    suffix = path.suffix.lower()
    if not _riff.is_wav_header(head) and suffix not in _WAV_SUFFIXES:
        return None, f"{suffix[1:].upper()} audio" if suffix else "this audio format"
    try:
        return _riff.read_layout(f, size), "WAV"
    except _riff.WavError as exc:
        if exc.unsupported:
            return None, f"{exc} WAV"
        if exc.refused:
            raise _error(path, f"unsupported WAV file: {exc}", _HINT_REFUSED) from None
        raise _error(path, f"not a valid WAV file ({exc})", _HINT_WAV) from None


def _require_ffmpeg(path: Path, why: str) -> str:
    exe = find_ffmpeg()
    if exe is None:
        raise _error(path, f"decoding {why} needs ffmpeg, which was not found", _HINT_FFMPEG)
    return exe


@contextmanager
def _decoding(path: Path) -> Iterator[None]:
    try:
        yield
    except _ffmpeg.FfmpegError as exc:
        raise _error(path, f"cannot decode audio (ffmpeg: {exc})", _HINT_DECODE) from None


def _check_args(path: Path | None, rate: int, start: float | None, end: float | None, gain_db: float) -> None:
    if rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {rate}")
    for name, value in (("from", start), ("to", end), ("gain_db", gain_db)):
        if value is not None and not math.isfinite(value):
            raise _error(path, f"{name} must be a finite number, got {value}", _HINT_NUMBER)
    if start is not None and start < 0:
        raise _error(path, f"from must not be negative, got {start:g}s", _HINT_TRIM)
    if end is not None and end <= (start or 0.0):
        raise _error(path, f"to ({end:g}s) must be after from ({start or 0:g}s)", _HINT_TRIM)


def _bounds(path: Path | None, frames: int, rate: int, start: float | None, end: float | None) -> tuple[int, int]:
    """Frame indices [first, stop) of the trim, clamped to the clip; refuses an empty one."""
    first = 0 if start is None else round(start * rate)
    stop = frames if end is None else min(round(end * rate), frames)
    if first >= frames:
        length = f"{frames / rate:.3f}".rstrip("0").rstrip(".")
        what = f"from {start or 0:g}s is past the end of the clip ({length}s)"
        raise _error(path, what, _HINT_TRIM)
    if stop <= first:  # both round to the same sample
        raise _error(path, f"from {start or 0:g}s to {end:g}s selects no audio", _HINT_TRIM)
    return first, stop
