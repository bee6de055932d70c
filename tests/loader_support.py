"""Helpers for the loader tests: scenario files on disk, WAV clips, the CLI run in-process."""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from player.plan._validate import validate_file
from player.scenario._model import Diagnostic

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def run_cli(args: Sequence[str]) -> CliResult:
    """`echo-player ARGS` through player.cli.main, as the console script runs it. An uncaught
    exception propagates, so a traceback fails the test."""
    from player.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
    return CliResult(code, out.getvalue(), err.getvalue())


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def make_wav(path: Path, seconds: float = 1.0, rate: int = 24000, channels: int = 1) -> Path:
    """A quiet 16-bit PCM WAV of the given length."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00" * int(seconds * rate) * channels)
    return path


def diagnose(folder: Path, text: str, name: str = "s.scenario.yaml", **vars: str) -> list[Diagnostic]:
    """Every diagnostic for `text` written to folder/name."""
    return validate_file(write(folder, name, text), vars=vars or None)[1]


def where(diagnostics: Sequence[Diagnostic]) -> list[tuple[int, int, str]]:
    """(line, col, message) of each diagnostic: what tests compare."""
    return [(d.pos.line, d.pos.col, d.message) for d in diagnostics]


def only(diagnostics: Sequence[Diagnostic]) -> Diagnostic:
    assert len(diagnostics) == 1, "\n".join(map(str, diagnostics))
    return diagnostics[0]


def finishes(action: Callable[[], T], *fifos: Path, timeout: float = 20.0) -> T:
    """action() run on a thread; if it is still running after `timeout` (blocked opening one of
    the named pipes), the pipes are opened for writing to release it and the test fails, so a
    regression fails instead of hanging the suite."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(("ok", action()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box.append(("raised", exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout)
        raise AssertionError(f"still running after {timeout:g}s: blocked on a named pipe")
    kind, value = box[0]  # type: ignore[misc]
    if kind == "raised":
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
