"""Wall-clock checks that still hold on a loaded CI machine.

On a busy 2-core machine a thread can wake hundreds of milliseconds late (a CI run saw a paced
0.7 s microphone write return after 1.07 s), but nothing the player paces ever happens early.
So a promise about time is checked tightly on the early side, and the late side gets LATE of
slack. How late things run is what the benchmarks in bench/ measure, not the tests.
"""

from __future__ import annotations

__all__ = ["LATE", "assert_on_time"]

LATE = 0.5  # seconds a wake-up may run late on a loaded machine before a test calls it a bug


def assert_on_time(value: float, expected: float, *, early: float, late: float = LATE, what: str = "elapsed") -> None:
    """`value` lies in [expected - early, expected + late]."""
    if not expected - early <= value <= expected + late:
        raise AssertionError(f"{what} {value:.3f} s: expected {expected:.3f} s (-{early} s / +{late} s)")
