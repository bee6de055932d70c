"""Durations as scenario authors write them: `250ms`, `1.5s`, `2m`, `1m30s`, or bare seconds."""

from __future__ import annotations

import re

__all__ = ["parse_duration", "format_clock", "DurationError"]

_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)")
_WHOLE = re.compile(r"^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|h|m|s))+$")
_CLOCK = re.compile(r"^\d+:\d+(?::\d+)?(?:\.\d+)?$")


class DurationError(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def parse_duration(value: object) -> float:
    """Seconds as a float; raises DurationError with a hint for the usual mistakes."""
    if isinstance(value, bool):
        raise DurationError(f"expected a duration, got {value!r}", "write e.g. 1.5s or 250ms")
    if isinstance(value, (int, float)):
        if value < 0:
            raise DurationError(f"duration must not be negative: {value}")
        if value != value or value in (float("inf"),):
            raise DurationError(f"duration must be finite: {value}")
        return float(value)
    if not isinstance(value, str):
        raise DurationError(f"expected a duration, got {type(value).__name__}", "write e.g. 1.5s")
    text = value.strip().lower().replace(" ", "")
    if _CLOCK.match(text):
        minutes, _, rest = text.partition(":")
        raise DurationError(
            f"'{value}' looks like a clock time",
            f"write {int(minutes)}m{rest.split(':')[0]}s; YAML 1.1 would read {value} as a number",
        )
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds < 0 or seconds != seconds or seconds == float("inf"):
            raise DurationError(f"duration must be a finite, non-negative number: {value}")
        return seconds
    if not text or not _WHOLE.match(text):
        raise DurationError(f"'{value}' is not a duration", "use units ms, s, m, h: 250ms, 1.5s, 2m, 1m30s")
    return sum(float(num) * _UNIT[unit] for num, unit in _PART.findall(text))


def format_clock(seconds: float) -> str:
    """+mm:ss.mmm (negative values keep their sign), as plan and play print offsets."""
    sign = "-" if seconds < 0 else "+"
    ms = round(abs(seconds) * 1000)
    minutes, ms = divmod(ms, 60_000)
    return f"{sign}{minutes:02d}:{ms / 1000:06.3f}"
