"""The run log's `plan` record: every step's planned start, length and source, and the
thresholds with where they were written, so reports need the log alone (README, "Run log
format")."""

from __future__ import annotations

from typing import Any

from ..plan import Plan, describe_step

__all__ = ["plan_record"]


def plan_record(plan: Plan, *, start_index: int = 0, speed: float = 1.0) -> dict[str, Any]:
    scenario = plan.scenario
    return {
        "total": round(plan.total, 6),
        "start_index": start_index,
        "speed": speed,
        "thresholds": {
            name: {"limit": limit, "source": str(pos) if (pos := scenario.threshold_pos.get(name)) else None}
            for name, limit in scenario.thresholds.items()
        },
        "steps": [
            {
                "index": p.step.index,
                "id": p.step.id,
                "action": p.step.action,
                "start": round(p.start, 6),
                "duration": round(p.duration, 6),
                "hold": round(p.hold, 6),
                "source": str(p.step.pos),
                "label": describe_step(p.step),
                **({"note": p.step.note} if p.step.note else {}),
            }
            for p in plan.steps
        ],
    }
