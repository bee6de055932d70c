"""The exception hierarchy. Every error the CLI can meet derives from EchoPlayerError and knows
its exit code, so the CLI prints `str(error)` on one line and exits with `error.exit_code`.

EchoPlayerError
├── UsageError                 exit 2: bad command line (e.g. a malformed --var)
├── ScenarioError              exit 1: the scenario is invalid; carries the Diagnostics
├── AudioError                 exit 1: a clip cannot be decoded (ffmpeg missing, corrupt file)
├── TavusError                 exit 3: the Tavus API refused or failed (player.tavus subclasses it)
└── PlaybackError              exit 3: the run could not be completed
    ├── JoinError              joining the room failed or timed out
    ├── WaitTimeout            a `wait_for` with on_timeout: fail expired
    └── ProtocolViolation      the local replica refused a message
ControlRefused (exit 2) is raised by a playback Controller operation that cannot apply now.
Interrupted (exit 130) is raised on SIGINT/SIGTERM; it is not an error of the run itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .exitcodes import ExitCode

if TYPE_CHECKING:
    from .scenario import Diagnostic

__all__ = [
    "EchoPlayerError",
    "UsageError",
    "ScenarioError",
    "AudioError",
    "TavusError",
    "PlaybackError",
    "JoinError",
    "WaitTimeout",
    "ProtocolViolation",
    "Interrupted",
    "ControlRefused",
]


class EchoPlayerError(Exception):
    exit_code: ExitCode = ExitCode.FAILED


class UsageError(EchoPlayerError):
    exit_code = ExitCode.USAGE


class ScenarioError(EchoPlayerError):
    """Raised with every diagnostic collected, never just the first."""

    exit_code = ExitCode.INVALID

    def __init__(self, diagnostics: Sequence["Diagnostic"]) -> None:
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        n = len(self.diagnostics)
        summary = f"{first.pos}: {first.message}" + (f" ({first.hint})" if first.hint else "") if first else "invalid scenario"
        if n > 1:
            summary += f" (and {n - 1} more)"
        super().__init__(summary)


class AudioError(EchoPlayerError):
    """A clip that cannot be used; `hint` says how to fix it (e.g. how to get ffmpeg)."""

    exit_code = ExitCode.INVALID

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class TavusError(EchoPlayerError):
    """Base of the API errors; player.tavus defines the specific kinds."""

    exit_code = ExitCode.FAILED


class PlaybackError(EchoPlayerError):
    exit_code = ExitCode.FAILED


class JoinError(PlaybackError):
    pass


class WaitTimeout(PlaybackError):
    pass


class ProtocolViolation(PlaybackError):
    pass


class Interrupted(EchoPlayerError):
    exit_code = ExitCode.INTERRUPTED

    def __init__(self, signal_name: str = "SIGINT") -> None:
        self.signal_name = signal_name  # or "quit": a controller's quit()
        self.outcome: object | None = None  # the Python API's partial Outcome
        super().__init__(f"interrupted by {signal_name}")


class ControlRefused(EchoPlayerError):
    """A control operation (pause, jump, say, ...) that cannot apply now; str() says why."""

    exit_code = ExitCode.USAGE

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
