"""Judging a finished run against its thresholds (the scenario's `thresholds:` and `--threshold`).

Every limit is an upper bound on one metric of the run; the metrics come from the Outcome, so the
summary, the run log's `threshold` records and the exit code (4) agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..scenario import format_threshold
from ._stats import Lateness

if TYPE_CHECKING:
    from ._session import Outcome

__all__ = ["ThresholdResult", "run_metrics", "judge"]


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    metric: str
    limit: float
    value: float

    @property
    def passed(self) -> bool:
        return self.value <= self.limit + 1e-12

    def describe(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.metric} {format_threshold(self.metric, self.value)} <= {format_threshold(self.metric, self.limit)}: {verdict}"


def run_metrics(outcome: "Outcome") -> dict[str, float]:
    """Every threshold metric of a run. Underruns are 0 where nothing counts them (Daily)."""
    lateness = Lateness.of(outcome.records.latenesses())
    return {
        "lateness_p50": lateness.p50,
        "lateness_p99": lateness.p99,
        "lateness_max": lateness.max,
        "length": outcome.length,
        "underruns": float(outcome.underruns or 0),
        "wait_fallbacks": float(outcome.fallbacks),
    }


def judge(thresholds: Mapping[str, float], metrics: Mapping[str, float]) -> list[ThresholdResult]:
    return [ThresholdResult(name, limit, metrics[name]) for name, limit in thresholds.items()]
