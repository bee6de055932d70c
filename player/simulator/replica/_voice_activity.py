"""Voice activity on the local replica's microphone: which 10 ms frames of the heard PCM are
voiced, merged into spans on the monotonic clock, and when a turn of speech starts and ends
(ends: `silence` seconds after the last voiced span). The replica turns these into events."""

from __future__ import annotations

import sys
from array import array

__all__ = ["VoiceActivity", "voiced_spans"]


def voiced_spans(pcm: bytes, sample_rate: int, channels: int, threshold: int) -> list[tuple[float, float]]:
    """(start, end) seconds of the 10 ms frames whose peak exceeds `threshold`, merged."""
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()  # the wire format is little-endian
    frame = max(1, sample_rate // 100) * channels
    spans: list[tuple[float, float]] = []
    for i in range(0, len(samples), frame):
        block = samples[i : i + frame]
        if max(block) > threshold or min(block) < -threshold:
            start, end = i / channels / sample_rate, min(len(samples), i + frame) / channels / sample_rate
            _extend(spans, start, end)
    return spans


def _extend(spans: list[tuple[float, float]], start: float, end: float) -> None:
    """Append [start, end), merged into the last span if it touches it."""
    if spans and spans[-1][1] >= start - 1e-9:
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


class VoiceActivity:
    """The voiced spans of the current turn, in time order. Used by one thread (the replica's)."""

    def __init__(self, threshold: int, silence: float) -> None:
        self.threshold = threshold
        self.silence = silence
        self._spans: list[tuple[float, float]] = []

    def hear(self, start: float, pcm: bytes, sample_rate: int, channels: int) -> None:
        """Audio that plays from `start` on; a span touching the last one extends it."""
        for a, b in voiced_spans(pcm, sample_rate, channels, self.threshold):
            _extend(self._spans, start + a, start + b)

    def reset(self) -> None:
        """Forget the current turn (an interrupt cut it short)."""
        self._spans.clear()

    def next_change(self, in_turn: bool) -> float | None:
        """When the turn may start (not `in_turn`) or end (in it), if anything was heard."""
        if not self._spans:
            return None
        return self._spans[-1][1] + self.silence if in_turn else self._spans[0][0]

    def started(self, now: float) -> float | None:
        """When the turn started, once `now` has reached its first voiced frame."""
        return self._spans[0][0] if self._spans and self._spans[0][0] <= now else None

    def ended(self, now: float) -> float | None:
        """When the turn's voice stopped, once `silence` has followed it; the turn is then over
        and the next one starts from nothing."""
        if not self._spans or now < self._spans[-1][1] + self.silence:
            return None
        end = self._spans[-1][1]
        self._spans.clear()
        return end
