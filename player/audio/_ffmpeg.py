"""Decoding through an ffmpeg subprocess, streamed.

ffmpeg writes 16-bit PCM WAV to a pipe and we read it block by block, so a long MP3 is never
held decoded in full at its source rate. pydub is not used here: its from_file() asks ffprobe
for stream details unless a decoder is forced, and the imageio-ffmpeg wheel ships no ffprobe.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from ._riff import WavError, WavLayout, read_layout

__all__ = ["FfmpegError", "Decoder"]

_READ_BYTES = 1 << 20
_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*")  # "[in#0 @ 0x55e4...] "


class FfmpegError(Exception):
    """ffmpeg could not run or could not decode; the message is one line."""


class Decoder:
    """`with Decoder(exe, path, mono=True) as d:` then `d.layout` and `for block in d.blocks()`.

    Blocks are whole frames of s16le at the source rate. Leaving the block early kills ffmpeg;
    running to the end raises FfmpegError if ffmpeg failed.
    """

    def __init__(self, exe: str, path: Path, *, mono: bool) -> None:
        self._path = path
        # "file:" keeps a name like "a:b.mp3" from being read as a protocol.
        cmd = [exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", f"file:{path}"]
        cmd += ["-map", "0:a:0", "-map_metadata", "-1", "-fflags", "+bitexact"]
        cmd += ["-flags:a", "+bitexact", "-acodec", "pcm_s16le"]
        cmd += ["-ac", "1"] if mono else []
        cmd += ["-f", "wav", "pipe:1"]
        # stderr to a file, not a pipe: a corrupt file can log more than a pipe buffer holds
        # while we block reading stdout.
        self._log: IO[bytes] = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log)
        except OSError as exc:
            self._log.close()
            raise FfmpegError(f"cannot run ffmpeg ({exe}): {exc.strerror or exc}") from None
        assert self._proc.stdout is not None
        self._out = self._proc.stdout
        try:
            self.layout: WavLayout = read_layout(self._out, None)
        except WavError:
            self.close()
            message = self._failure()
            self._log.close()
            raise FfmpegError(message) from None

    def blocks(self) -> Iterator[bytes]:
        size = self.layout.frame_size
        carry = b""
        while True:
            data = self._out.read(_READ_BYTES)
            if not data:
                break
            if carry:
                data = carry + data
            cut = len(data) - len(data) % size
            carry = data[cut:]
            yield data[:cut]
        if self._proc.wait() != 0:
            raise FfmpegError(self._failure())

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._out.close()

    def _failure(self) -> str:
        self._proc.wait()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        lines = [_LOG_PREFIX.sub("", line).strip() for line in text.splitlines()]
        lines = [line for line in lines if line]
        if any("matches no streams" in line for line in lines):
            return "no audio stream in the file"
        if not lines:
            return f"ffmpeg exited with status {self._proc.returncode}"
        last = lines[-1].removeprefix("Error opening input files: ")
        return last.replace(f"file:{self._path}: ", "")

    def __enter__(self) -> Decoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        self._log.close()
