"""Signals that arrive while echo-player starts, before a command's own handling is in place.

player.__main__'s handler raises KeyboardInterrupt wherever the signal lands. A raise that
lands inside a weakref callback or a finalizer (importlib's module locks use one) is printed as
"Exception ignored in ..." and lost, and the run went on as if no signal had come: rarely, a
Ctrl-C a moment after start-up created a conversation and played (the exit matrix caught it
once in a few runs). So the handler also notes the signal here, and the command takes the note
where its own handling begins: `play` and `serve` as their event loop starts
(player.cli._signals), every command as it ends (player.cli.main). A signal handled as usual
is taken off the note by the handler of its KeyboardInterrupt.
"""

from __future__ import annotations

__all__ = ["note", "take"]

_pending: list[str] = []


def note(name: str) -> None:
    """From a signal handler: `name` ("SIGINT", "SIGTERM") arrived."""
    _pending.append(name)


def take() -> str | None:
    """The first signal noted and not yet taken (None: none), and the note cleared."""
    if not _pending:
        return None
    first = _pending[0]
    _pending.clear()
    return first
