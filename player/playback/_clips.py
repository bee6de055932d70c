"""Preparing a run's audio clips before they are needed (before any money is spent, and again
for the steps a jump brings back into play)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import TYPE_CHECKING

from .._threads import in_thread
from ..plan import Plan, PlannedStep
from ..scenario import Play

if TYPE_CHECKING:
    from ..audio import PreparedClip

__all__ = ["prepare_clips"]


async def prepare_clips(plan: Plan, steps: Iterable[PlannedStep], into: "MutableMapping[int, PreparedClip]") -> None:
    """Decode, trim, scale, resample and chunk the clip of every `play` among `steps` that
    `into` does not hold yet, keyed by step index."""
    todo = [p.step for p in steps if isinstance(p.step, Play) and p.step.index not in into]
    if not todo:
        return  # (not even the audio stack's import: a jump must not stall)
    from ..audio import prepare_clip

    microphone = plan.scenario.conversation.input == "microphone"
    for step in todo:
        if isinstance(step, Play):
            # One microphone track has one rate: every clip is resampled to the default's.
            rate = plan.scenario.defaults.sample_rate if microphone else step.sample_rate
            into[step.index] = await in_thread(
                prepare_clip,
                step.path,
                sample_rate=rate,
                chunk_seconds=step.chunk,
                start=step.start,
                end=step.end,
                gain_db=step.gain_db,
            )
