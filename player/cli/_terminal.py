"""Key input for `play`: stdin in cbreak mode, read on the event loop, restored on every way out.

cbreak: keys arrive one by one and nothing typed is echoed; Ctrl-C and Ctrl-\\ stay signals
(ISIG is kept), so the run's signal handling is unchanged. The saved settings are put back when
the reader stops (a `finally` in the caller, whatever ends the run: the end, q, Ctrl-C, SIGTERM,
a failure or a bug), and at interpreter exit (atexit) should anything get past that.
Without a terminal (stdin a pipe) the bytes are read as they come, with nothing to restore.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import select
from collections.abc import Callable
from typing import Any

__all__ = ["KeyInput"]


class KeyInput:
    def __init__(self, fd: int, on_keys: Callable[[str], None]) -> None:
        self.fd = fd
        self._on_keys = on_keys
        self._saved: list[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.tty = os.isatty(fd)

    def start(self) -> None:
        atexit.register(self.restore)
        if self.tty:
            import termios

            self._saved = termios.tcgetattr(self.fd)
            mode = termios.tcgetattr(self.fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO | termios.ECHONL)  # lflag; ISIG stays
            mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
            termios.tcsetattr(self.fd, termios.TCSANOW, mode)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        # Input flushed (a cue started) after the loop found it readable would leave this read
        # blocking the loop; look again first. (The fd stays blocking: stdin often shares its
        # file description with stdout, which must not become non-blocking.)
        if not select.select([self.fd], [], [], 0)[0]:
            return
        try:
            data = os.read(self.fd, 1024)
        except OSError:
            data = b""
        if not data:  # end of input (a pipe closed): no more keys
            self._remove_reader()
            return
        self._on_keys(data.decode("utf-8", errors="ignore"))

    def flush(self) -> None:
        """Discard input typed but not yet read (type-ahead), e.g. when a cue starts."""
        if self.tty:
            import termios

            termios.tcflush(self.fd, termios.TCIFLUSH)

    def _remove_reader(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.fd)
            self._loop = None

    def stop(self) -> None:
        self._remove_reader()
        self.restore()

    def restore(self) -> None:
        """Put the terminal back as it was (idempotent; safe at exit)."""
        saved, self._saved = self._saved, None
        if saved is not None:
            import termios

            try:
                termios.tcsetattr(self.fd, termios.TCSADRAIN, saved)
            except (OSError, termios.error):
                pass  # the terminal has gone (hung up): nothing to restore
        atexit.unregister(self.restore)
