"""What a front end shows of a run: the controller's status() as a JSON-able dict.

Times are seconds. `elapsed` is on the scenario's clock (pauses taken out, `paused_for` says how
long they were); `remaining` is the plan's estimate from the current step on, less the time
spent in it; `countdown` counts down to the next `at` or cue: exactly while the run holds before
it, else estimated from the plan. Estimates are the plan's (at speed 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..plan import PlannedStep, describe_step
from ..scenario import Cue, Play, Say

if TYPE_CHECKING:
    from ._control_core import RunControl

__all__ = ["status_of", "step_info"]


def step_info(planned: PlannedStep) -> dict[str, Any]:
    """A step as front ends show it: what it says (or does) and its speaker note."""
    step = planned.step
    if isinstance(step, (Say, Cue)):
        text = step.text
    elif isinstance(step, Play):
        text = step.source
    else:
        text = describe_step(step, 200)
    return {"index": step.index, "id": step.id, "action": step.action, "text": text, "note": step.note}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def status_of(c: "RunControl") -> dict[str, Any]:
    plan = c.plan
    steps = plan.steps if plan is not None else ()
    loop_time = c._now() if c.t0 is not None else None
    now = c.ended_at if c.ended_at is not None else loop_time
    out: dict[str, Any] = {
        "state": c.state,
        "step": None if c.current is None else c.current + 1,
        "steps": len(steps),
        "current": None,
        "next": None,
        "elapsed": 0.0,
        "estimated_total": _r(plan.total) if plan is not None else None,
        "remaining": _r(plan.total) if plan is not None else None,
        "countdown": None,
        "countdown_to": None,
        "conversation_id": c._sched.conversation_id if c._sched is not None else None,
        "paused_for": 0.0,
    }
    if plan is None or now is None or c.t0 is None:
        return out
    s_now = c.scenario_time(now)
    paused_for = c.paused_total + (now - c.paused_since if c.paused_since is not None else 0.0)
    out["elapsed"] = _r(max(0.0, s_now - c.t0))
    out["paused_for"] = _r(paused_for)
    cur = c.current
    upcoming = c.gated if c.gated is not None else (cur + 1 if cur is not None else 0)
    if c._jump is not None:
        upcoming = c._jump
    if cur is not None:
        out["current"] = {**step_info(steps[cur]), "due": c.current_due}
    if upcoming < len(steps) and c.ended_at is None:
        est = _estimate_start(c, upcoming, s_now)
        out["next"] = {**step_info(steps[upcoming]), "due": _r(est + c.paused_total - c.t0) if est is not None else None}
    if cur is not None and c.current_actual is not None:
        in_step = s_now - c.current_actual
        remaining = max(0.0, plan.total - steps[cur].start - in_step)
    else:
        remaining = plan.total
    if c.ended_at is not None:
        remaining = 0.0
    out["remaining"] = _r(remaining)
    out["estimated_total"] = _r(out["elapsed"] + remaining)
    if c.ended_at is None:
        out["countdown"], out["countdown_to"] = _countdown(c, s_now, upcoming)
    return out


def _estimate_start(c: "RunControl", index: int, s_now: float) -> float | None:
    """When step `index` should start, on the scenario clock."""
    assert c.plan is not None
    steps = c.plan.steps
    if c.gated == index and c.gate_due is not None:
        return c.gate_due - c.paused_total  # timeline times move with past pauses, not this one
    if c.current is None or c.current_actual is None:
        est = s_now
    else:
        est = max(s_now, c.current_actual + steps[index].start - steps[c.current].start)
    if c.timeline is not None:
        target = c.timeline.at_target(steps[index].step)
        if target is not None:
            est = max(est, target - c.paused_total)
    return est


def _countdown(c: "RunControl", s_now: float, upcoming: int) -> tuple[float | None, str | None]:
    assert c.plan is not None
    steps = c.plan.steps
    if c.holding == "cue" and c.current is not None:
        return None, "cue"  # waiting for a hand: no time to count
    for index in range(upcoming, len(steps)):
        step = steps[index].step
        if step.at is not None or isinstance(step, Cue):
            est = _estimate_start(c, index, s_now)
            if est is None:
                return None, None
            return _r(max(0.0, est - s_now)), "at" if step.at is not None else "cue"
    return None, None
