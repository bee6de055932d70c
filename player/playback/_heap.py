"""Keeping Python's cyclic GC from pausing playback: the heap that exists at t=0 is frozen.

A full collection walks every live object while holding the GIL: with 100 playbacks in one
process (~100,000 objects) that was a 100-200 ms pause of the loop, twice a run, and each
collection of the older generations took 5-20 ms (issue 13). Nothing that exists when a
playback starts (modules, the plan, the backend, other playbacks' state) can become garbage
because of that playback, so each playback moves it out of the collector's view (gc.freeze) as
it starts; objects made afterwards are collected as usual. When the last playback in the process
ends, the frozen objects go back (gc.unfreeze) and the next collections take in what they left.

A process that freezes objects itself (gc.freeze before forking workers, say) is left alone:
echo-player then neither freezes nor unfreezes. The `echo-player` command is such a process: it
freezes what its start-up made once, where its run begins (player.cli._startup), which covers
nearly everything a single playback would freeze here.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["frozen_heap"]

_lock = threading.Lock()
_playing = 0
_ours = False  # the frozen objects are ours to unfreeze (nobody else froze any)


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """For the length of one playback (nests and overlaps with others in the process). Enter
    it before t=0: the first one in asks gc.get_freeze_count(), which walks every frozen object."""
    global _playing, _ours
    with _lock:
        if _playing == 0:
            _ours = gc.get_freeze_count() == 0
        _playing += 1
        if _ours:
            gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _playing -= 1
            if _playing == 0 and _ours:
                gc.unfreeze()
