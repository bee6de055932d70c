"""Due times: the one place the contract's timing rule is written down.

scenario-format.md, "Times": a step's due time is the previous step's due time plus its hold and
gap, never the moment things actually happened, so lateness does not accumulate; only an event
(end of speech, `wait_for`, a cue) moves the anchor to when it arrived. `at` overrides that with
an absolute time (after t=0, or after another step's start) when it is later.

The planner walks a Timeline with estimated anchors; the scheduler walks one with the anchors
that really happened (in the loop's clock). Both get the same answers from the same code.
"""

from __future__ import annotations

from collections.abc import Callable

from ..scenario import Step

__all__ = ["Timeline"]


class Timeline:
    """Due times of consecutive steps on one clock.

    `origin` is t=0 on that clock. `fallback(ref)` gives the start, relative to t=0, of a step
    referenced by `at` that did not run on this timeline (skipped by `--from`), or None.
    `speed` divides gaps (rehearsal at another speed).
    """

    def __init__(self, origin: float = 0.0, *, speed: float = 1.0, fallback: Callable[[str], float | None] | None = None) -> None:
        self.origin = origin
        self.speed = speed
        self._fallback = fallback
        self._starts: dict[str, float] = {}  # step id -> due, on this clock
        self.cursor = origin  # when the next step is due without `at`

    def at_target(self, step: Step) -> float | None:
        """When `at` asks the step to start, on this clock; None without `at`, or when the
        step it refers to has not started (the planner warns about that)."""
        if step.at is None:
            return None
        if step.at.ref is None:
            return self.origin + step.at.offset
        base = self._starts.get(step.at.ref)
        if base is None and self._fallback is not None:
            planned = self._fallback(step.at.ref)
            base = None if planned is None else self.origin + planned
        return None if base is None else base + step.at.offset

    def peek(self, step: Step | None) -> float:
        """When the step would be due now, without recording it (None: the end of the run)."""
        target = None if step is None else self.at_target(step)
        return self.cursor if target is None else max(self.cursor, target)

    def due(self, step: Step) -> float:
        """The step's due time: the cursor, or its `at` target when that is later. Records it
        as the step's start for later `at` references."""
        target = self.at_target(step)
        due = self.cursor if target is None else max(self.cursor, target)
        if step.id:
            self._starts[step.id] = due
        return due

    def start_now(self, step: Step, now: float) -> float:
        """The step starts at `now`, before its due time (released by hand: the rest of a pause
        or wait skipped, an `at` not waited for). Like an event, it moves the anchor."""
        if step.id:
            self._starts[step.id] = now
        self.cursor = now
        return now

    def shift(self, seconds: float) -> None:
        """The scenario's clock stood still for `seconds` (a pause): t=0, the cursor and every
        recorded start move later by that much, so every later due time, `at` included, does."""
        self.origin += seconds
        self.cursor += seconds
        for step_id in self._starts:
            self._starts[step_id] += seconds

    def advance(self, step: Step, anchor: float, *, last: bool = False) -> float:
        """Move the cursor past a step whose hold ended at `anchor`; its gap follows (none after
        the last step). Returns the new cursor."""
        self.cursor = anchor + (0.0 if last else step.gap / self.speed)
        return self.cursor
