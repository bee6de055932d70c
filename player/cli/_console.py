"""What a person sees during `play`: a live status line on a terminal, one line per step
elsewhere (CI logs), Enter for cues, and the closing summary."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from typing import TextIO

from ..plan import PlannedStep, describe_step
from ..playback import Lateness, Outcome, StepRecord
from ..scenario import Cue, format_clock, plural

__all__ = ["Console", "conversation_line"]


class Console:
    def __init__(self, out: TextIO = sys.stdout, *, live: bool | None = None) -> None:
        self.out = out
        self.live = out.isatty() if live is None else live
        self._status = ""
        self._started = time.monotonic()
        self._ticker: asyncio.Task[None] | None = None

    # -- Observer ---------------------------------------------------------------------------

    def step_started(self, record: StepRecord, planned: PlannedStep, upcoming: PlannedStep | None) -> None:
        step = planned.step
        if not self.live:
            self.print(
                f"{format_clock(record.actual)} (due {format_clock(record.due)}) "
                f"#{step.index + 1} {describe_step(step)}" + (f"  — {step.note}" if step.note else "")
            )
            return
        self._started = time.monotonic() - record.actual
        following = f" → next: {describe_step(upcoming.step, 24)}" if upcoming else ""
        note = f"  ✎ {step.note}" if step.note else ""
        self._status = f"#{step.index + 1} {describe_step(step, 32)}{following}{note}"
        self._redraw()

    def notice(self, text: str) -> None:
        self.print(f"note: {text}")

    # -- output -----------------------------------------------------------------------------

    def print(self, text: str) -> None:
        if self.live and self._status:
            self.out.write("\r\x1b[K")
        self.out.write(text + "\n")
        if self.live and self._status:
            self._redraw()
        self.out.flush()

    def _redraw(self) -> None:
        elapsed = format_clock(time.monotonic() - self._started)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.out.write("\r\x1b[K" + f"▶ {elapsed}  {self._status}"[:width])
        self.out.flush()

    def start_ticker(self) -> None:
        if self.live:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            if self._status:
                self._redraw()

    async def stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        if self.live and self._status:
            self.out.write("\r\x1b[K")
            self._status = ""
            self.out.flush()

    async def wait_for_enter(self, cue: Cue) -> None:
        """A manual go: returns when Enter is pressed on the terminal."""
        self.print(f"CUE: {cue.text}  [press Enter]")
        loop = asyncio.get_running_loop()
        pressed: asyncio.Future[None] = loop.create_future()
        fd = sys.stdin.fileno()

        def on_input() -> None:
            sys.stdin.readline()
            if not pressed.done():
                pressed.set_result(None)

        loop.add_reader(fd, on_input)
        try:
            await pressed
        finally:
            loop.remove_reader(fd)

    def summary(self, outcome: Outcome) -> None:
        lateness = Lateness.of([r.lateness for r in outcome.records])
        parts = [f"{plural(len(outcome.records), 'step')} in {format_clock(outcome.length)[1:]}", lateness.describe()]
        if outcome.underruns is not None:
            parts.append(f"underruns {outcome.underruns}")
        parts.append(f"{plural(outcome.messages, 'message')}, {outcome.bytes / 1024:.1f} KiB")
        self.print("played " + " · ".join(parts))
        self.print(conversation_line(outcome))


def conversation_line(outcome: Outcome) -> str:
    if outcome.conversation_id is None:
        if outcome.conversation_unknown:  # never "none was created" unless that is known
            line = "conversation create unanswered and not found (run `echo-player cleanup`)"
        else:
            line = "no conversation was created"
        if outcome.persona_unknown:
            return line + ", persona create unanswered and not found"
        return line + (
            "" if outcome.persona_deleted is None else ", persona deleted" if outcome.persona_deleted else ", persona NOT deleted"
        )
    if outcome.kept:
        cid = outcome.conversation_id
        return f"conversation {cid} kept running (end: keep); end it with `echo-player conversations end {cid}`"
    state = "ended" if outcome.conversation_ended else "NOT ended (run `echo-player cleanup`)"
    line = f"conversation {outcome.conversation_id} {state}"
    if outcome.persona_deleted is not None:
        line += ", persona deleted" if outcome.persona_deleted else ", persona NOT deleted"
    return line
