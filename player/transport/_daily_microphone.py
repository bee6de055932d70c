"""The Daily transport's microphone: a published CustomAudioSource fed from the asyncio loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import PlaybackError
from .base import Microphone

__all__ = ["DailyMicrophone"]


class DailyMicrophone(Microphone):
    """PCM written to a daily CustomAudioSource (real or fakedaily's) in `piece`-second parts
    on the transport's executor: write_frames blocks while it paces, so never on the loop."""

    def __init__(self, source: Any, sample_rate: int, piece: float, executor: ThreadPoolExecutor) -> None:
        self.sample_rate = sample_rate
        self._source = source
        self._piece_bytes = max(1, round(piece * 100)) * (sample_rate // 100) * 2  # 10 ms multiple
        self._executor = executor

    async def write(self, pcm: bytes) -> None:
        """Writes in `piece`-sized parts; cancelling the task stops between parts (write_frames
        cannot take back what it was given)."""
        if len(pcm) % 2:
            raise ValueError("PCM must be whole 16-bit samples")
        loop = asyncio.get_running_loop()
        for offset in range(0, len(pcm), self._piece_bytes):
            piece = pcm[offset : offset + self._piece_bytes]
            try:
                await loop.run_in_executor(self._executor, self._source.write_frames, piece)
            except RuntimeError as exc:  # the executor was shut down by close()
                raise PlaybackError("the microphone is closed") from exc
