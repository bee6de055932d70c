"""Rendering a Plan for `echo-player plan`: a table for people, JSON for tools."""

from __future__ import annotations

import json
from typing import Any

from ..scenario import Cue, Pause, Play, Say, Send, Step, WaitFor, format_clock, plural
from ._build import Plan

__all__ = ["plan_text", "plan_json", "plan_dict", "describe_step"]


def plan_dict(plan: Plan) -> dict[str, Any]:
    scenario = plan.scenario
    return {
        "scenario": str(scenario.path),
        "name": scenario.name,
        "total": round(plan.total, 3),
        "messages": plan.messages,
        "bytes": plan.bytes,
        "steps": [
            {
                "index": p.step.index,
                "id": p.step.id,
                "action": p.step.action,
                "start": round(p.start, 3),
                "duration": round(p.duration, 3),
                "hold": round(p.hold, 3),
                "messages": p.messages,
                "bytes": p.bytes,
                "source": str(p.step.pos),
                **({"note": p.step.note} if p.step.note else {}),
                **({"warning": p.lateness_risk} if p.lateness_risk else {}),
            }
            for p in plan.steps
        ],
        "warnings": [str(w) for w in plan.warnings],
    }


def plan_json(plan: Plan) -> str:
    return json.dumps(plan_dict(plan), indent=2, ensure_ascii=False)


def plan_text(plan: Plan) -> str:
    scenario = plan.scenario
    lines = [f"{scenario.name} — {scenario.path}", f"{'#':>4}  {'start':<11} {'length':>8}  {'msgs':>5} {'bytes':>8}  step"]
    for p in plan.steps:
        flag = "  ⚠ " + p.lateness_risk if p.lateness_risk else ""
        lines.append(
            f"{p.step.index + 1:>4}  {format_clock(p.start):<11} {p.duration:>7.3f}s  {p.messages:>5} {p.bytes:>8}  "
            f"{describe_step(p.step)}{flag}"
        )
    lines.append(
        f"total {format_clock(plan.total)} · {plural(len(plan.steps), 'step')} · {plural(plan.messages, 'message')} · "
        f"{plan.bytes / 1024:.1f} KiB"
    )
    return "\n".join(lines)


def describe_step(step: Step, width: int = 48) -> str:
    if isinstance(step, Say):
        detail = f'"{step.text}"'
    elif isinstance(step, Play):
        detail = step.source
    elif isinstance(step, Pause):
        detail = f"{step.seconds:g}s"
    elif isinstance(step, WaitFor):
        detail = f"{step.event} (timeout {step.timeout:g}s)"
    elif isinstance(step, Cue):
        detail = step.text
    elif isinstance(step, Send):
        detail = str(step.message.get("event_type", "message"))
    else:
        detail = ""
    if len(detail) > width:
        detail = detail[: width - 1] + "…"
    label = f"[{step.id}] " if step.id else ""
    return f"{label}{step.action} {detail}".rstrip()
