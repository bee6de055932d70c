"""fakedaily's custom audio: CustomAudioSource and CustomAudioTrack, the way a client publishes
PCM as its microphone. Unbound here: FakeDaily subclasses them with its core (`_core`)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import _CallClient, _Core

__all__ = ["CustomAudioSource", "CustomAudioTrack"]


class CustomAudioSource:
    """daily.CustomAudioSource: frames written are paced in real time, in 10 ms steps, and go to
    the CallClient that published the track (if any) as microphone audio."""

    _core: _Core

    def __init__(self, sample_rate: int, channels: int, auto_silence: bool = True) -> None:
        self._sample_rate, self._channels, self._auto_silence = sample_rate, channels, auto_silence
        self._publisher: _CallClient | None = None
        self._track_name: str | None = None  # published by add_custom_audio_track under this name
        self._next = 0.0  # when what was written so far has played
        self._lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def channels(self) -> int:
        return self._channels

    def write_frames(self, frames: bytes, completion: Callable[[int], None] | None = None) -> int:
        if not isinstance(frames, (bytes, bytearray, memoryview)):
            raise TypeError(f"'{type(frames).__name__}' object cannot be converted to 'PyBytes'")
        pcm = bytes(frames)
        if len(pcm) % 2:
            raise ValueError("frames bytestring should contain 16-bit samples")
        n = len(pcm) // 2 // self._channels
        ticks = -(-n * 100 // self._sample_rate)  # whole 10 ms periods, rounded up
        with self._lock:
            start = max(time.monotonic(), self._next)
            self._next = end = start + ticks * 0.01
        if self._publisher is not None and n:
            self._publisher._microphone(pcm, self._sample_rate, self._channels, start, self._track_name)
        if completion is not None:
            self._core.call_at(end, completion, n)
            return n
        while (left := end - time.monotonic()) > 0:
            time.sleep(left)
        return n


class CustomAudioTrack:
    """daily.CustomAudioTrack: an id that update_inputs can publish as the microphone."""

    _core: _Core

    def __init__(self, audio_source: CustomAudioSource) -> None:
        self._id = str(uuid.uuid4())
        self._core.tracks[self._id] = audio_source

    @property
    def id(self) -> str:
        return self._id
