"""The plan stage: model -> plan. The one place that computes due times.

`_timing` holds the contract's timing rule (gap, hold, `at`), which the planner walks with
estimated anchors and the scheduler with real ones; `_estimate` is the speech-length estimate
that the planner and the simulator share; `_build` makes the Plan (every step's estimated start,
length and traffic); `_validate` runs a file through the scenario checks and then the plan's,
returning the plan it built; `_render` prints a plan for people (text) and tools (JSON).
"""

from __future__ import annotations

from ._build import Plan, PlannedStep, build_plan
from ._estimate import SPEECH_MARGIN, speech_seconds
from ._render import describe_step, plan_dict, plan_json, plan_text
from ._timing import Timeline
from ._validate import (
    LENGTH_WARNING_RATIO,
    MAX_CALL_DURATION,
    FileResult,
    check_file,
    load_scenario,
    validate_file,
    validate_paths,
)

__all__ = [
    "Plan",
    "PlannedStep",
    "build_plan",
    "Timeline",
    "speech_seconds",
    "SPEECH_MARGIN",
    "FileResult",
    "check_file",
    "validate_file",
    "validate_paths",
    "load_scenario",
    "MAX_CALL_DURATION",
    "LENGTH_WARNING_RATIO",
    "plan_text",
    "plan_json",
    "plan_dict",
    "describe_step",
]
