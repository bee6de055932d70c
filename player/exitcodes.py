"""Every exit code echo-player returns, in one place (README lists the same table)."""

from __future__ import annotations

import enum

__all__ = ["ExitCode"]


class ExitCode(enum.IntEnum):
    OK = 0  # valid / played / done
    INVALID = 1  # the scenario (or other input file) is invalid
    USAGE = 2  # bad command line: unknown option, missing argument, bad --var
    FAILED = 3  # Tavus API error, join failure or timeout, failed wait_for, protocol violation
    THRESHOLD = 4  # played, but a threshold (lateness, underruns, length, wait fallbacks) failed
    INTERRUPTED = 130  # SIGINT / SIGTERM: the conversation was still ended
