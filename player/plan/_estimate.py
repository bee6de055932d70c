"""How long the replica takes to say a text line: the one estimate that the planner, the
scheduler's fallbacks and the local replica all use, so a local run keeps the plan's promises."""

from __future__ import annotations

__all__ = ["speech_seconds", "SPEECH_MARGIN"]

# How long past its estimate `wait: speech` waits for stopped_speaking before moving on.
SPEECH_MARGIN = 3.0


def speech_seconds(text: str, words_per_minute: float) -> float:
    """Estimated speaking time of a text line at `words_per_minute`."""
    words = len(text.split())
    return words * 60.0 / words_per_minute if words_per_minute > 0 else 0.0
