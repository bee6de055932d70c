"""`python -m player` and the `echo-player` script.

Signal handlers come first, before anything heavy is imported: Ctrl-C or SIGTERM a moment after
start-up must still give one line and exit 130, never a KeyboardInterrupt traceback or a silent
death by SIGTERM's default action. Both raise KeyboardInterrupt carrying the signal's name
until `play` hands them to its event loop; player.cli.main turns that into the one line.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from types import FrameType
from typing import NoReturn

from . import _early_signals
from .exitcodes import ExitCode

__all__ = ["main", "install_signal_handlers", "exit_now"]


def _raise(signum: int, _frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    _early_signals.note(name)  # in case the raise lands where it is swallowed (see there)
    raise KeyboardInterrupt(name)


def _unraisable(info: "sys.UnraisableHookArgs") -> None:
    if isinstance(info.exc_value, KeyboardInterrupt):
        return  # our handler's raise, swallowed where it landed: noted, acted on later (no traceback)
    sys.__unraisablehook__(info)


def install_signal_handlers() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt("SIGINT"/"SIGTERM"). A SIGINT the parent set
    to be ignored (a background job) stays ignored. A raise that lands where Python cannot raise
    it (a weakref callback, a finalizer) prints nothing: player._early_signals keeps it."""
    sys.unraisablehook = _unraisable
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _raise)
    signal.signal(signal.SIGTERM, _raise)


def main() -> None:
    install_signal_handlers()
    # Then the cyclic collector pauses while the command line imports (player.cli._startup
    # says why, and where it runs again).
    paused = gc.isenabled()
    gc.disable()
    # httpx imports its optional command line (httpx._main, which imports click, pygments and
    # rich) whenever those are installed, as they often are: 15 ms and more of every run that
    # talks to Tavus or the local replica. This process never runs httpx's command line, and
    # without the module httpx defines its own stand-in `main` (as without its `cli` extra).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "no such module"
    try:
        from .cli import main as cli_main

        cli_main(collector_paused=paused)
    except KeyboardInterrupt as exc:  # before player.cli.main's own handling was in place
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the one line below is the last word
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        name = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "SIGINT"
        print(f"echo-player: error: interrupted by {name}", file=sys.stderr, flush=True)
        exit_now(ExitCode.INTERRUPTED)


def exit_now(code: int) -> NoReturn:
    """Exit with `code` at once, stdio flushed: after a signal the interpreter's own finalizing
    can end the process by SIGINT (status -2) instead, and there is nothing left to finalize
    (the run has cleaned up; daemon threads are abandoned on purpose)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(int(code))


if __name__ == "__main__":
    main()
