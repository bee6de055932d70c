"""The cyclic garbage collector while the process starts.

Starting a command imports a few hundred modules whose objects all live on: the collector ran
~80 times over them for nothing, 15-25 ms of every cold start (issue 13). So player.__main__
(the `echo-player` script and `python -m player`) pauses it before importing anything, and
`resume_collector()` runs it again where a command's long work begins: the event loop of `play`
and `serve`, a suite waiting for its children. One-shot commands (validate, plan, report, ...)
finish with it paused: what they allocate is freed by reference counting as before; only an
invalid file leaves a few dozen objects in cycles (jsonschema's errors) until the exit.
Called in process (tests, a host running player.cli.main), nothing here touches the collector.
"""

from __future__ import annotations

import gc

__all__ = ["collector_paused", "resume_collector"]

_paused = False


def collector_paused() -> None:
    """The entry point paused the collector (gc.disable) before importing the command line."""
    global _paused
    _paused = True


def resume_collector() -> None:
    """The command's long work begins: the collector runs again, if the entry point paused it.
    What the start made is frozen first (gc.freeze): it lives on, and the first collection
    would otherwise walk every object of it (~40 ms here), and later full ones again."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
