"""The run log: one JSON object per line, flushed as it is written so nothing is lost to a
crash or Ctrl-C. Times are seconds since t=0 (negative before it: creation and join)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

from ..errors import UsageError

__all__ = ["RunLog"]


class RunLog:
    """Writes records to a file (or nowhere) and keeps the clock they are stamped with."""

    def __init__(self, path: str | Path | None) -> None:
        try:
            self._file: IO[str] | None = open(path, "w", encoding="utf-8") if path else None
        except OSError as exc:  # the path came from --log
            raise UsageError(f"--log {path}: cannot write it ({exc.strerror or exc})") from None
        self.origin = time.monotonic()  # replaced by t=0 once playback starts

    @property
    def writing(self) -> bool:
        """Whether records go anywhere (callers skip building big ones for a log to nowhere)."""
        return self._file is not None

    def since_origin(self, t: float) -> float:
        return round(t - self.origin, 6)

    def write(self, kind: str, **fields: Any) -> None:
        if self._file is None:
            return
        record = {"kind": kind, **fields}
        self._file.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
