"""Lateness statistics, shared by the play summary and bench/timing.py."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["percentile", "Lateness"]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Lateness:
    """Seconds late (actual minus due) over a run's steps."""

    p50: float
    p99: float
    max: float
    last: float  # the final step's lateness: drift if it grows over the run

    @classmethod
    def of(cls, lateness: Sequence[float]) -> "Lateness":
        if not lateness:
            return cls(0.0, 0.0, 0.0, 0.0)
        return cls(percentile(lateness, 50), percentile(lateness, 99), max(lateness), lateness[-1])

    def describe(self) -> str:
        ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
        return f"lateness p50 {ms(self.p50)}, p99 {ms(self.p99)}, max {ms(self.max)}"
