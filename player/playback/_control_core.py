"""The run's side of the control core: the state a Controller keeps, and what the scheduler
calls (player.playback._controller has the operations front ends call).

The scheduler holds each step at a gate until it is due on the Timeline, no pause is on and no
jump pending; every wait inside a step (a cue, a `wait_for`, the end of speech) is a hold that
next/skip/jump can release. Pausing stops the scenario's clock: on resume the Timeline shifts
by the paused time, and an event that arrived while paused counts as arriving at the pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ControlRefused
from ._clock import sleep_until
from ._control_status import step_info

if TYPE_CHECKING:
    from ..plan import Plan, Timeline
    from ..transport.base import RoomEvent
    from ._runlog import RunLog
    from ._scheduler import Scheduler

__all__ = ["RunControl", "Jump", "Listener"]

T = TypeVar("T")
Listener = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Jump:
    """The gate's answer when the run is to continue from another step (plan position)."""

    index: int


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class RunControl:
    """A run's control state and the scheduler's side of it."""

    def __init__(self, *, manual_cues: bool = False) -> None:
        self.manual_cues = manual_cues
        self.quit_requested = False
        self.plan: Plan | None = None
        self._sched: Scheduler | None = None
        self._log: RunLog | None = None
        self._task: asyncio.Task[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.t0: float | None = None
        self.ended_at: float | None = None
        self._pause_requested = False  # before the start: the run starts paused
        self.paused_since: float | None = None
        self.paused_total = 0.0
        self._last_pause: tuple[float, float] | None = None
        self._pause_at_boundary = False  # `step`: pause once the current step is done
        self._one_step = False  # `step` while paused: pause again after the next step
        self.start_index: int | None = None  # a jump before the start
        self._jump: int | None = None
        self._release: str | None = None  # next/skip/jump, for the hold in progress
        self.holding: str | None = None  # what the scheduler waits on: due, cue, wait_for, speech, finish
        self._wake: asyncio.Future[None] | None = None
        self.timeline: Timeline | None = None
        self.gated: int | None = None  # plan position the gate holds before (len: the end)
        self.gate_due: float | None = None
        self.current: int | None = None  # plan position of the step running (or holding)
        self.current_due: float | None = None
        self.current_actual: float | None = None  # on the scenario clock (pauses excluded)
        self._queues: list[asyncio.Queue[dict[str, Any]]] = []
        self._listeners: list[Listener] = []
        self._last_state = "starting"

    @property
    def jump_pending(self) -> bool:
        return self._jump is not None

    @property
    def state(self) -> str:
        if self.ended_at is not None:
            return "ended"
        if self.paused_since is not None or self._pause_requested:
            return "paused"
        if self._sched is None:
            return "starting"
        return "waiting_cue" if self.holding == "cue" else "playing"

    # -- the run's side: binding -----------------------------------------------------------

    def bind(self, plan: "Plan", *, task: "asyncio.Task[Any] | None" = None) -> None:
        """Before the run: the plan it plays (for `jump` ids and status) and the task that
        `quit` cancels (default: the one that runs the scheduler)."""
        self.plan = plan
        if task is not None:
            self._task = task

    def attach(self, scheduler: "Scheduler", log: "RunLog", t0: float) -> None:
        """The scheduler starts playing at t0 (on the loop's clock)."""
        self.bind(scheduler.plan)
        self._sched = scheduler
        self._log = log
        self._loop = asyncio.get_running_loop()
        self.t0 = t0
        if self._task is None:
            self._task = asyncio.current_task()
        if self._pause_requested:
            self._pause_requested = False
            self._enter_pause(t0)
        self._changed()

    def finished(self) -> None:
        self.ended_at = self._now() if self._loop is not None else None
        if self.ended_at is None:
            self.ended_at = 0.0
        self.holding = None
        self._changed()

    # -- the run's side: gates and holds ---------------------------------------------------

    async def gate(self, timeline: "Timeline", index: int) -> "float | Jump":
        """Hold before plan position `index` (len(steps): the end of the run) until it is due,
        any pause is over and no jump is pending. Returns its due time (recorded on the
        timeline) or a Jump."""
        assert self.plan is not None and self._loop is not None
        loop = self._loop
        steps = self.plan.steps
        step = steps[index].step if index < len(steps) else None
        self.timeline, self.gated, self.holding = timeline, index, "due"
        released = False
        try:
            while True:
                if self.paused_since is not None:
                    await self._woken()
                    continue
                if self._jump is not None:
                    target, self._jump, self._release = self._jump, None, None
                    return Jump(target)
                if self._release is not None:
                    self._release, released = None, True
                now = loop.time()
                due = timeline.peek(step)
                self.gate_due = due
                if released or now >= due:
                    if self._pause_at_boundary and step is not None:
                        self._pause_at_boundary = False
                        self._enter_pause(now)
                        continue
                    if step is None:
                        return now if released else due
                    if self._one_step:
                        self._one_step, self._pause_at_boundary = False, True
                    return timeline.start_now(step, now) if released and now < due else timeline.due(step)
                # The precise clock (the waker thread), not a plain timer: asyncio's epoll rounds
                # its timeout up to whole milliseconds, which made every step ~1 ms late.
                await sleep_until(due, self._new_wake())
        finally:
            self.holding, self.gate_due, self.gated = None, None, None

    def step_started(self, index: int, due: float, actual: float, now: float) -> None:
        """Plan position `index` started: `due` and `actual` as recorded (since t=0), at `now`
        on the loop's clock."""
        self.current, self.current_due = index, due
        self.current_actual = self.scenario_time(now)
        if self.listening:  # the item is built for someone (a hot path at scale)
            assert self.plan is not None
            self._emit({"kind": "step", **step_info(self.plan.steps[index]), "due": due, "actual": actual})

    async def hold(self, kind: str, work: Awaitable[T]) -> tuple[bool, T | None]:
        """Wait for `work` unless next/skip/jump releases it first: (True, result) or
        (False, None). A failure of `work` is raised."""
        task = asyncio.ensure_future(work)
        previous, self.holding = self.holding, kind
        self._changed()
        try:
            while True:
                if self._release is not None or self._jump is not None:
                    self._release = None
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                    return False, None
                wake: asyncio.Future[Any] = self._new_wake()
                await asyncio.wait({task, wake}, return_when=asyncio.FIRST_COMPLETED)
                if task.done():
                    return True, task.result()
        finally:
            self.holding = previous
            if not task.done():
                task.cancel()
            self._changed()

    async def wait_cue(self) -> None:
        """A manual cue: until `next` (or skip, jump) releases it."""
        assert self._loop is not None
        await self.hold("cue", self._loop.create_future())

    def anchor(self, t: float) -> float:
        """An anchor on the scenario's clock: an event during a pause counts as arriving when
        the pause began (the timeline shifts by the whole pause on resume)."""
        if self.paused_since is not None and t > self.paused_since:
            return self.paused_since
        if self._last_pause is not None and self._last_pause[0] < t < self._last_pause[1]:
            return self._last_pause[1]  # already shifted: the pause's end
        return t

    def scenario_time(self, t: float) -> float:
        """Seconds on the loop's clock with the paused time taken out (frozen while paused)."""
        if self.paused_since is not None and t > self.paused_since:
            t = self.paused_since
        return t - self.paused_total

    # -- the run's side: the feed ----------------------------------------------------------

    @property
    def listening(self) -> bool:
        """Whether anyone takes the feed (callers skip building items for nobody: a hot path
        with many playbacks in one process)."""
        return bool(self._queues or self._listeners)

    def message(self, fields: dict[str, Any]) -> None:
        if self.listening:
            self._emit({"kind": "message", **fields})

    def event(self, event: "RoomEvent", fields: dict[str, Any]) -> None:
        if self.listening:
            self._emit({"kind": "event", **fields})

    def notice(self, t: float, text: str) -> None:
        self._emit({"kind": "notice", "t": t, "text": text})

    # -- plumbing ---------------------------------------------------------------------------

    def _emit(self, item: dict[str, Any]) -> None:
        for queue in list(self._queues):
            queue.put_nowait(item)
        for listener in list(self._listeners):
            listener(item)

    def _changed(self) -> None:
        if self._wake is not None:
            _resolve(self._wake)
        state = self.state
        if state != self._last_state:
            self._last_state = state
            self._emit({"kind": "state", "state": state, "t": self._rel(self._now()) if self._loop else None})

    def _enter_pause(self, now: float) -> None:
        self.paused_since = now
        self._write("pause", t=self._rel(now), step=self._current_id())
        self._changed()

    def _new_wake(self) -> asyncio.Future[None]:
        assert self._loop is not None
        self._wake = self._loop.create_future()
        return self._wake

    async def _woken(self) -> None:
        await self._new_wake()

    def _now(self) -> float:
        return (self._loop or asyncio.get_running_loop()).time()

    def _rel(self, t: float) -> float:
        return self._log.since_origin(t) if self._log is not None else round(t - (self.t0 or 0.0), 6)

    def _write(self, kind: str, **fields: Any) -> None:
        if self._log is not None:
            self._log.write(kind, **fields)

    def _control(self, op: str, **fields: Any) -> None:
        if self._sched is not None:
            self._write("control", t=self._rel(self._now()), op=op, **fields)

    def _current_id(self) -> str | None:
        if self.plan is None or self.current is None:
            return None
        return self.plan.steps[self.current].step.label

    def _refuse_if_ended(self) -> None:
        if self.ended_at is not None:
            raise ControlRefused("the run has ended")
        if self.quit_requested:
            raise ControlRefused("the run is quitting")

    def _refuse_if_running_not(self) -> "Scheduler":
        self._refuse_if_ended()
        if self._sched is None:
            raise ControlRefused("not playing yet: the conversation is still starting")
        return self._sched
