"""The control core: one controller per run, driven by every front end (the terminal's keys, the
Python API, later an HTTP server) and consulted by the scheduler at each step boundary and wait.

Operations (README, "Controlling a run"), each refused with ControlRefused where it cannot apply:
- pause / resume: hold before the next step; the utterance in flight finishes. The scenario's
  clock stands still while paused: on resume the Timeline shifts by the paused time, so every
  later due time, `at` included, moves by exactly that (an event that arrives while paused
  counts as arriving at the pause). The run log records `pause` and `resume`.
- step: run exactly one step, then pause (while playing: pause once the current step is done).
- next: release what the run is waiting on: a cue, a `wait_for`, the end of speech (the
  utterance goes on), or the rest of a pause, gap or `at` wait before the next step.
- skip: stop the current step (interrupting its utterance) and go on with the next.
- jump: continue from another step, forwards or back, as `--from` does at the start.
- interrupt: send `conversation.interrupt` now; say: an ad-hoc line now (not with a microphone).
- quit: as Ctrl-C: the run is cancelled, cleaned up, and ends as `interrupted` (exit 130).

Everything runs on the run's asyncio loop: operations are plain calls from another task (or a
reader callback); from another thread use loop.call_soon_threadsafe. Nothing is latched: an
operation acts on what is held at the moment it arrives, so a key typed early never releases
a cue that starts later.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..errors import ControlRefused
from ._control_core import Listener, RunControl
from ._control_status import status_of

__all__ = ["Controller"]


class Controller(RunControl):
    """Steers one run. `manual_cues`: cues wait for `next` (a presenter at a terminal) instead
    of going on after their `auto` time (which `next` can cut short)."""

    # -- the operations -------------------------------------------------------------------

    def pause(self) -> None:
        self._refuse_if_ended()
        if self.paused_since is not None or self._pause_requested:
            raise ControlRefused("already paused")
        self._pause_at_boundary = False  # pausing now supersedes a pending `step`
        if self._sched is None:
            self._pause_requested = True
            self._changed()
            return
        self._enter_pause(self._now())

    def resume(self) -> None:
        self._refuse_if_ended()
        if self.paused_since is None and not self._pause_requested:
            raise ControlRefused("not paused")
        self._one_step = self._pause_at_boundary = False  # `step` sets them again after this
        if self._pause_requested:
            self._pause_requested = False
            self._changed()
            return
        assert self.paused_since is not None
        now = self._now()
        paused_for = now - self.paused_since
        self._last_pause = (self.paused_since, now)
        self.paused_since = None
        self.paused_total += paused_for
        if self.timeline is not None:
            self.timeline.shift(paused_for)
        self._write("resume", t=self._rel(now), paused_for=round(paused_for, 6))
        self._changed()

    def toggle_pause(self) -> None:
        if self.paused_since is not None or self._pause_requested:
            self.resume()
        else:
            self.pause()

    def step(self) -> None:
        self._refuse_if_ended()
        self._control("step")
        if self.paused_since is not None or self._pause_requested:
            self.resume()
            self._one_step = True
        elif self._sched is None:
            self._one_step = True
        else:
            self._pause_at_boundary = True
        self._changed()

    def next(self) -> None:
        self._refuse_if_running_not()
        if self.holding is None or self.holding == "finish":
            raise ControlRefused("nothing to release: the run is not waiting")
        self._control("next")
        self._release = "next"
        self._changed()

    def skip(self) -> None:
        sched = self._refuse_if_running_not()
        if self.holding == "finish":
            raise ControlRefused("no step to skip: the run is ending")
        self._control("skip", step=self._current_id())
        if sched.speaking():
            sched.interrupt_now()
        if self.holding is not None:
            self._release = "skip"
        self._changed()

    def jump(self, step_id: str) -> None:
        self._refuse_if_ended()
        if self.plan is None:
            raise ControlRefused("no scenario loaded yet")
        index = self.plan.index_of(step_id)
        if index is None:
            known = [p.step.id for p in self.plan.steps if p.step.id]
            hint = f" (ids: {', '.join(known[:12])}{', …' if len(known) > 12 else ''})" if known else " (no step has an id)"
            raise ControlRefused(f"no step with id '{step_id}'{hint}")
        if self._sched is None:
            self.start_index = index
            self._changed()
            return
        self._control("jump", to=step_id)
        if self._sched.speaking():
            self._sched.interrupt_now()
        self._jump = index
        self._release = "jump"
        self._changed()

    def interrupt(self) -> None:
        sched = self._refuse_if_running_not()
        self._control("interrupt")
        sched.interrupt_now()

    def say(self, text: str) -> None:
        if self.plan is not None and self.plan.scenario.conversation.input == "microphone":
            raise ControlRefused("say is not available in a microphone scenario (input: microphone)")
        sched = self._refuse_if_running_not()
        if not text.strip():
            raise ControlRefused("say needs some text")
        self._control("say", text=text)
        sched.say_now(text)

    def quit(self) -> None:
        self._refuse_if_ended()
        if self.quit_requested:
            raise ControlRefused("already quitting")
        self.quit_requested = True
        self._control("quit")
        if self._sched is not None:
            self._sched.stop()
        if self._task is not None:
            self._task.cancel()

    def status(self) -> dict[str, Any]:
        return status_of(self)

    def subscribe(self) -> "asyncio.Queue[dict[str, Any]]":
        """A queue of what happens: {"kind": "step"|"message"|"event"|"notice"|"state", ...}."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: "asyncio.Queue[dict[str, Any]]") -> None:
        if queue in self._queues:
            self._queues.remove(queue)

    def add_listener(self, listener: Listener) -> None:
        """Called synchronously with every feed item (the API's observer, the terminal)."""
        self._listeners.append(listener)
