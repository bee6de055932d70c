"""Running the real command on a pseudo-terminal: keys in, screen bytes out, terminal modes
checked afterwards (the test keeps its own handle on the terminal)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PtyRun", "read_log", "render_screen"]

ROOT = Path(__file__).resolve().parent.parent


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]")


def render_screen(data: str, cols: int = 80) -> list[str]:
    """What a terminal shows after `data` (all lines, scrolled-off ones included): enough of
    VT100 for our output: CR, LF, cursor up, erase line/display, SGR ignored, autowrap."""
    lines, row, col = [""], 0, 0
    for m in _TOKEN.finditer(data):
        tok = m.group(0)
        if tok == "\r":
            col = 0
        elif tok == "\n":
            row += 1
            while row >= len(lines):
                lines.append("")
        elif tok.startswith("\x1b"):
            code, arg = m.group(2), m.group(1)
            if code == "A":
                row = max(0, row - int(arg or 1))
            elif code == "J":
                lines[row] = lines[row][:col]
                del lines[row + 1 :]
            elif code == "K":
                lines[row] = lines[row][:col]
        else:
            if col >= cols:  # autowrap
                row, col = row + 1, 0
                while row >= len(lines):
                    lines.append("")
            line = lines[row].ljust(col)
            lines[row] = line[:col] + tok + line[col + 1 :]
            col += 1
    return lines


def _controlling_terminal() -> None:  # in the child: its stdin becomes its controlling terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyRun:
    """`python -m player ARGS` on a fresh pty of `cols` x `rows`."""

    def __init__(self, *args: str, cols: int = 80, rows: int = 24, env: dict[str, str] | None = None) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        base = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_") and k != "NO_COLOR"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "player", *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env={**base, "COLUMNS": str(cols), "LINES": str(rows), **(env or {})},
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
        )
        self.final_modes: list[Any] = []
        self._out = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._out += data

    def lines(self, cols: int = 80) -> list[str]:
        return render_screen(self.screen, cols)

    @property
    def screen(self) -> str:
        with self._lock:
            return self._out.decode("utf-8", errors="replace")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None and not predicate():
                raise AssertionError(f"exited ({self.proc.returncode}) before {what}:\n{self.screen}")
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}:\n{self.screen}")

    def wait(self, timeout: float = 60.0) -> int:
        code = self.proc.wait(timeout=timeout)
        time.sleep(0.1)  # the last screen bytes
        return code

    def modes(self) -> list[Any]:
        """The terminal's settings as the program left them."""
        return termios.tcgetattr(self.slave)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.final_modes = self.modes()
        for fd in (self.slave, self.master):
            try:
                os.close(fd)
            except OSError:
                pass
