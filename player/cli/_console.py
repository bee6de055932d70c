"""What a person sees during `play`: on a terminal, a status area redrawn in place (see
_status_area) with each completed step scrolling above it, one line each; elsewhere (CI logs)
one line per step as it starts. Then the closing summary, which says where a stopped run
stopped.

Hand-written ANSI rather than rich or prompt-toolkit: the area is a handful of lines redrawn
ten times a second, the keys need only cbreak mode, and `echo-player --help`/`validate` keep
their cold start (this module loads only when `play` runs, and needs nothing beyond stdlib).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import Interrupted
from ..plan import PlannedStep, describe_step
from ..playback import Lateness, Outcome, StepRecord
from ..scenario import Cue, format_clock, plural
from ._status_area import Style, clip, render_status

if TYPE_CHECKING:
    from ..playback import Controller

__all__ = ["Console", "conversation_line"]


class Console:
    def __init__(self, out: TextIO = sys.stdout, *, live: bool | None = None, color: bool | None = None) -> None:
        self.out = out
        self.live = out.isatty() if live is None else live
        self.style = Style(self.live and "NO_COLOR" not in os.environ if color is None else color)
        self.controller: Controller | None = None
        self._area = 0  # lines of the status area on screen now
        self._prompt: str | None = None
        self._running: tuple[StepRecord, PlannedStep] | None = None  # printed once it is done
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False  # the run is over: plain lines from here on
        self.keys = False  # whether keys steer the run (their help line is shown then)
        self._drawn: list[str] = []

    def attach(self, controller: "Controller") -> None:
        """Show this run's status; redrawn as its state changes (and ten times a second)."""
        self.controller = controller

        def on_feed(item: dict[str, Any]) -> None:
            if item["kind"] == "state":
                self.redraw()

        controller.add_listener(on_feed)

    # -- Observer ---------------------------------------------------------------------------

    def step_started(self, record: StepRecord, planned: PlannedStep, upcoming: PlannedStep | None) -> None:
        step = planned.step
        manual = self.controller is not None and self.controller.manual_cues
        if not self.live:
            self.print(
                f"{format_clock(record.actual)} (due {format_clock(record.due)}) "
                f"#{step.index + 1} {describe_step(step)}" + (f"  — {step.note}" if step.note else "")
            )
            if isinstance(step, Cue) and manual:
                self.print(f"CUE: {step.text}  [press Enter or ]]")
            return
        self.finish_step()
        self._running = (record, planned)
        if isinstance(step, Cue) and manual:
            self.print(self.style(f"CUE: {step.text}  [press Enter or ]]", "1"))
        self.redraw()

    def notice(self, text: str) -> None:
        self.print(f"note: {text}")

    def finish_step(self) -> None:
        """The step that was running scrolls above the area: due, actual start, lateness."""
        if self._running is None:
            return
        record, planned = self._running
        self._running = None
        late = record.lateness * 1000
        width = self._size()[0] - 1
        tail = f"  due {format_clock(record.due)}  at {format_clock(record.actual)}  {late:+.1f} ms"
        head = clip(f"✓ #{planned.step.index + 1} {describe_step(planned.step, 200)}", max(10, width - len(tail)))
        self.print(head + self.style(tail, "2"))

    # -- output -----------------------------------------------------------------------------

    def print(self, text: str) -> None:
        """A line above the status area (which is redrawn under it)."""
        self._clear_area()
        self.out.write(text + "\n")
        self.redraw()
        self.out.flush()

    def set_prompt(self, prompt: str | None) -> None:
        self._prompt = prompt
        self.redraw()

    def redraw(self) -> None:
        if not self.live or self._closed or self.controller is None or self.controller.state == "starting":
            return
        width, height = self._size()
        lines = render_status(self.controller.status(), width, style=self.style, prompt=self._prompt, height=height, keys=self.keys)
        if self._area and lines == self._drawn:
            return  # unchanged: nothing to write
        self._clear_area()
        self._drawn = lines
        self.out.write("\n".join(line + "\x1b[K" for line in lines))
        self._area = len(lines)
        self.out.flush()

    def _clear_area(self) -> None:
        if self.live and self._area:
            self.out.write("\r" + (f"\x1b[{self._area - 1}A" if self._area > 1 else "") + "\x1b[J")
            self._area, self._drawn = 0, []

    def _size(self) -> tuple[int, int]:
        size = shutil.get_terminal_size((100, 24))
        return size.columns, size.lines

    def start_ticker(self) -> None:
        if self.live:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            self.redraw()

    async def stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        self.finish_step()
        self._clear_area()
        self._closed = True
        self.out.flush()

    # -- the end ----------------------------------------------------------------------------

    def summary(self, outcome: Outcome) -> None:
        if outcome.test_mode:
            self.print(f"test mode: conversation {outcome.conversation_id} was created ended; no replica joined, nothing was played")
            self.print(conversation_line(outcome))
            return
        self.print("played " + " · ".join(_stats(outcome, outcome.length)))
        self.print(conversation_line(outcome))

    def stopped(self, outcome: Outcome, why: BaseException) -> None:
        """The summary of a run that did not finish: where it stopped, and what it did."""
        status: dict[str, Any] = self.controller.status() if self.controller is not None else {}
        if status.get("step") is None:
            return
        current = status.get("current") or {}
        label = f"[{current['id']}] " if current.get("id") else ""
        head = str(why) if isinstance(why, Interrupted) else "stopped"
        where = f"{head} at step {status['step']}/{status['steps']}: {label}{current.get('action', '')} {current.get('text') or ''}"
        self.print(clip(where.rstrip(), self._size()[0] - 1) if self.live else where.rstrip())
        elapsed = float(status.get("elapsed") or 0.0) + float(status.get("paused_for") or 0.0)
        self.print("played " + " · ".join(_stats(outcome, elapsed)))


def _stats(outcome: Outcome, length: float) -> list[str]:
    lateness = Lateness.of(outcome.records.latenesses())
    parts = [f"{plural(len(outcome.records), 'step')} in {format_clock(length)[1:]}", lateness.describe()]
    if outcome.underruns is not None:
        parts.append(f"underruns {outcome.underruns}")
    parts.append(f"{plural(outcome.messages, 'message')}, {outcome.bytes / 1024:.1f} KiB")
    if outcome.nonstandard:
        parts.append(f"{plural(outcome.nonstandard, 'nonstandard message')} accepted (see the run log)")
    return parts


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
