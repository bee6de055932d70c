"""Validation: a file through every check there is, ending with the plan it was checked against.

The scenario stage resolves the file and checks what needs no timing; this module then builds the
plan once and checks what needs due times (the estimated length against `max_call_duration`, `at`
that cannot be reached). The plan comes back with the result, so nothing builds it twice.

A folder stands for every `*.scenario.yaml` below it. Included files are scenario files too (the
contract: "the steps of another scenario file"), so they are validated on their own as well;
give the variables they use defaults in their own `vars:`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import EchoPlayerError, ScenarioError
from ..scenario import Diagnostic, Pos, Scenario, check_scenario, expand_paths, resolve_file, tavus_readiness
from ._build import Plan, build_plan

__all__ = ["FileResult", "check_file", "validate_file", "validate_paths", "load_scenario", "MAX_CALL_DURATION", "LENGTH_WARNING_RATIO"]

MAX_CALL_DURATION = 3600  # Tavus' default and maximum, seconds
LENGTH_WARNING_RATIO = 0.9  # warn when the estimate passes this share of max_call_duration


@dataclass(frozen=True, slots=True)
class FileResult:
    """What checking one file found: its diagnostics and, without errors, its scenario and plan."""

    path: str
    scenario: Scenario | None  # None when it has errors
    diagnostics: tuple[Diagnostic, ...]
    plan: Plan | None = None  # the plan it was checked against; None when it has errors

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for d in self.diagnostics)

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def check_file(path: str | Path, *, vars: Mapping[str, str] | None = None, for_tavus: bool = False) -> FileResult:
    """Every diagnostic of the file, errors and warnings, sorted by position with the file's own
    first; with no errors, the scenario and its plan. `for_tavus` adds warnings for what only a
    run on Tavus needs (`validate` asks for them)."""
    display = str(path)
    plan = None
    try:
        scenario, diagnostics = resolve_file(path, vars=vars)
        if scenario is not None:
            diagnostics += check_scenario(scenario)
            if not any(d.severity == "error" for d in diagnostics):
                plan, found = _plan_checks(scenario)
                diagnostics += found
                if for_tavus:
                    diagnostics += tavus_readiness(scenario)
    except RecursionError:
        diagnostics, scenario = [Diagnostic(Pos(display, 1, 1), "scenario is nested too deeply", code="limit")], None
    except Exception as exc:  # noqa: BLE001 - a validator reports, it never shows a traceback
        message = f"internal error: {type(exc).__name__}: {exc}"
        diagnostics, scenario = [Diagnostic(Pos(display, 1, 1), message, "please report this", code="internal")], None
    diagnostics = list(dict.fromkeys(diagnostics))  # a repeat reports its problems once
    diagnostics.sort(key=lambda d: (d.pos.file != display, d.pos.file, d.pos.line, d.pos.col))
    if any(d.severity == "error" for d in diagnostics):
        scenario, plan = None, None
    return FileResult(display, scenario, tuple(diagnostics), plan)


def validate_file(path: str | Path, *, vars: Mapping[str, str] | None = None) -> tuple[Scenario | None, list[Diagnostic]]:
    """The scenario (None if there is any error) and every diagnostic (see check_file)."""
    result = check_file(path, vars=vars)
    return result.scenario, list(result.diagnostics)


def load_scenario(path: str | Path, *, vars: Mapping[str, str] | None = None) -> Scenario:
    """The checked scenario; ScenarioError with every error found otherwise (warnings dropped:
    use validate_file to see them)."""
    result = check_file(path, vars=vars)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if result.scenario is None or errors:
        raise ScenarioError(errors or list(result.diagnostics))
    return result.scenario


def validate_paths(paths: Iterable[str | Path], *, vars: Mapping[str, str] | None = None, for_tavus: bool = False) -> list[FileResult]:
    """One result per file (and per unusable path), in the order given."""
    files, problems = expand_paths(paths)
    results = [FileResult(d.pos.file, None, (d,)) for d in problems]
    results.extend(check_file(path, vars=vars, for_tavus=for_tavus) for path in files)
    return results


def _plan_checks(scenario: Scenario) -> tuple[Plan | None, list[Diagnostic]]:
    """The plan and what it shows: its own warnings, and the length against max_call_duration."""
    where = scenario.conversation.pos or Pos(str(scenario.path), 1, 1)
    try:
        plan = build_plan(scenario)
    except EchoPlayerError as exc:
        return None, [Diagnostic(where, f"cannot estimate the length: {exc}", getattr(exc, "hint", None), code="plan")]
    found = list(plan.warnings)
    limit = scenario.conversation.properties.get("max_call_duration", MAX_CALL_DURATION)
    if plan.total > limit:
        found.append(
            Diagnostic(
                where,
                f"estimated length {plan.total:.1f}s is over max_call_duration {limit}s",
                "shorten the scenario or raise max_call_duration (at most 3600)",
                code="length",
            )
        )
    elif plan.total > LENGTH_WARNING_RATIO * limit:
        found.append(
            Diagnostic(
                where,
                f"estimated length {plan.total:.1f}s is close to max_call_duration {limit}s",
                "the call ends at max_call_duration; leave some margin",
                severity="warning",
                code="length",
            )
        )
    return plan, found
