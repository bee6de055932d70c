"""Programmed failures of the fake Tavus server: error statuses, dropped connections, answers
lost after the request was handled, and delays. The server's request handler applies them."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Fault", "Faults"]

FaultKind = Literal["status", "drop", "lose", "delay"]


@dataclass
class Fault:
    """One programmed failure and how many more requests it applies to."""

    kind: FaultKind
    remaining: int
    method: str | None
    path: str | None  # a prefix of the request path
    status: int = 500
    body: Mapping[str, Any] | None = None
    retry_after: str | None = None
    seconds: float = 0.0
    after: bool = False  # delay: handle the request first, then hold the answer back


class Faults:
    """Programmed failures. Each request takes the first matching fault with calls left;
    `latency` delays every answer. `method`/`path` (a prefix) narrow what a fault matches."""

    def __init__(self) -> None:
        self.latency = 0.0
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def fail(
        self,
        times: int = 1,
        *,
        status: int = 500,
        message: str = "Internal Server Error",
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer `status` (a 5xx by default) with `{"error": message}` for `times` calls."""
        self._add(Fault("status", times, method, path, status, {"error": message}))

    def rate_limit(
        self, times: int = 1, *, retry_after: float | str | None = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """429 with `Retry-After` (seconds, or None to omit it)."""
        ra = None if retry_after is None else (retry_after if isinstance(retry_after, str) else f"{retry_after:g}")
        self._add(Fault("status", times, method, path, 429, {"message": "Too Many Requests"}, ra))

    def drop(self, times: int = 1, *, method: str | None = None, path: str | None = None) -> None:
        """Close the connection without answering and without handling the request."""
        self._add(Fault("drop", times, method, path))

    def lose_response(self, times: int = 1, *, method: str | None = "POST", path: str | None = None) -> None:
        """Handle the request (a create succeeds), then close the connection unanswered."""
        self._add(Fault("lose", times, method, path))

    def delay(self, seconds: float, times: int = 1, *, after: bool = False, method: str | None = None, path: str | None = None) -> None:
        """Hold the request `seconds` before handling it, or (after=True) handle it at once and
        hold the answer: a client timing out then faces a create whose outcome is unknown."""
        self._add(Fault("delay", times, method, path, seconds=seconds, after=after))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.latency = 0.0

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take(self, method: str, path: str) -> Fault | None:
        """The fault this request meets, if any (one of its calls used up). For the server only."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and (fault.method in (None, method)) and path.startswith(fault.path or ""):
                    fault.remaining -= 1
                    return fault
        return None
