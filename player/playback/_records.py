"""What a run records of its steps: when each was due and when it ran."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

__all__ = ["StepRecord", "StepRecords"]

_REPR_ROWS = 4  # a repr lists the records in full up to this many


@dataclass(frozen=True, slots=True)
class StepRecord:
    """When one step was due and when it ran (seconds since t=0)."""

    index: int
    id: str | None
    action: str
    due: float
    actual: float

    @property
    def lateness(self) -> float:
        return self.actual - self.due


class StepRecords(Sequence[StepRecord]):
    """A run's StepRecords, in the order the steps ran.

    Kept as plain tuples and made into StepRecords as they are read: CPython's cyclic GC stops
    tracking a plain tuple of atoms, never an object (a dataclass or even a NamedTuple), and 100
    playbacks' 60,000 records made its full collections 100-200 ms pauses of the loop (issue 13)."""

    __slots__ = ("_rows",)

    def __init__(self, records: Iterable[StepRecord] = ()) -> None:
        self._rows = [_row(r) for r in records]

    def add(self, record: StepRecord) -> None:
        self._rows.append(_row(record))

    def latenesses(self) -> list[float]:
        """Every step's lateness, without making a StepRecord each (a run's end at scale)."""
        return [actual - due for _, _, _, due, actual in self._rows]

    def add_row(self, index: int, id: str | None, action: str, due: float, actual: float) -> None:
        """add(StepRecord(...)) without making the StepRecord."""
        self._rows.append((index, id, action, due, actual))

    @overload
    def __getitem__(self, i: int) -> StepRecord: ...
    @overload
    def __getitem__(self, i: slice) -> list[StepRecord]: ...
    def __getitem__(self, i: int | slice) -> StepRecord | list[StepRecord]:
        if isinstance(i, slice):
            return [StepRecord(*row) for row in self._rows[i]]
        return StepRecord(*self._rows[i])

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[StepRecord]:
        return (StepRecord(*row) for row in self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StepRecords):
            return self._rows == other._rows
        if isinstance(other, (list, tuple)):
            return all(isinstance(r, StepRecord) for r in other) and self._rows == [_row(r) for r in other]
        return NotImplemented

    def __repr__(self) -> str:
        # Bounded: asyncio.run's exit reprs the main task's result twice (signal.getsignal's enum
        # lookup builds its ValueError text eagerly), and a list of every record made that 0.2 s
        # for 100 playbacks' outcomes (issue 13). The count, and the first and last record.
        rows = self._rows
        if len(rows) <= _REPR_ROWS:
            return f"StepRecords({list(self)!r})"
        return f"StepRecords({len(rows)} steps: [{StepRecord(*rows[0])!r}, ..., {StepRecord(*rows[-1])!r}])"


def _row(r: StepRecord) -> tuple[int, str | None, str, float, float]:
    return (r.index, r.id, r.action, r.due, r.actual)
