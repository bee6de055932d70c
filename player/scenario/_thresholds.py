"""Threshold metrics a run can be held to (`thresholds:` in a scenario, `--threshold` on the
command line). Each is an upper bound; an unknown name or a malformed value is refused here, so
a misspelled metric can never pass silently. Judging a run against them is player.playback's."""

from __future__ import annotations

from collections.abc import Mapping

from ._durations import DurationError, parse_duration
from ._schema_messages import did_you_mean

__all__ = ["THRESHOLD_METRICS", "ThresholdError", "parse_threshold", "format_threshold"]

# name -> kind: "duration" values are seconds (written 5ms, 1.5s, 2m), "count" whole numbers.
THRESHOLD_METRICS: Mapping[str, str] = {
    "lateness_p50": "duration",
    "lateness_p99": "duration",
    "lateness_max": "duration",
    "length": "duration",
    "underruns": "count",
    "wait_fallbacks": "count",
}


class ThresholdError(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def parse_threshold(name: str, value: object) -> float:
    """The limit for metric `name` (seconds or a count); ThresholdError says what is wrong."""
    kind = THRESHOLD_METRICS.get(name)
    if kind is None:
        raise ThresholdError(
            f"unknown threshold metric '{name}'", did_you_mean(name, list(THRESHOLD_METRICS)) or "known: " + ", ".join(THRESHOLD_METRICS)
        )
    if kind == "duration":
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise ThresholdError(f"threshold {name}: {exc}", exc.hint or "write a duration such as 5ms or 2m") from None
    text = str(value).strip() if not isinstance(value, bool) else ""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if text.isdigit():
        return float(int(text))
    raise ThresholdError(f"threshold {name} must be a whole number >= 0, not {value!r}")


def format_threshold(name: str, limit: float) -> str:
    """The limit as a person writes it: `5ms`, `2.5s`, `0`."""
    if THRESHOLD_METRICS.get(name) != "duration":
        return f"{limit:g}"

    def trim(x: float) -> str:
        return f"{x:.3f}".rstrip("0").rstrip(".")

    return f"{trim(limit * 1000)}ms" if limit < 1 else f"{trim(limit)}s"
