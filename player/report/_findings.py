"""What went wrong in a run, step by step, in one place: JUnit, GitHub annotations, Markdown and
the HTML report all read these, so they never disagree about what failed and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..scenario import format_threshold
from ._data import FAILURE_ERRORS, PlannedRow, Run, split_source

__all__ = ["Finding", "findings", "summary_line", "ms"]

Kind = Literal["failure", "error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind  # failure: the scenario's fault (failed wait, protocol, threshold); error: the run's
    title: str  # short: "wait_for", "protocol", "threshold lateness_p99", "error"
    message: str
    file: str
    line: int
    col: int = 1
    index: int | None = None  # the step it belongs to, if any


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _where(run: Run, row: PlannedRow | None) -> tuple[str, int, int]:
    if row is not None and row.source:
        return row.file_line
    return run.scenario, 1, 1


def findings(run: Run) -> list[Finding]:
    """Failures, errors and warnings of a run, each at the file:line it is about."""
    if not run.played:
        return []
    out: list[Finding] = []
    index = run.failing_index
    row = run.planned_row(index) if index is not None else None
    error = run.error_type
    if error is not None:
        outcome = run.outcome
        message = outcome[len("failed: ") :] if outcome.startswith("failed: ") else outcome
        kind: Kind = "failure" if error in FAILURE_ERRORS else "error"
        title = {"WaitTimeout": "wait_for", "ProtocolViolation": "protocol"}.get(error, "error")
        file, line, col = _where(run, row)
        out.append(Finding(kind, title, message, file, line, col, index))
    for t in run.thresholds_failed:
        metric = str(t.get("metric"))
        limit, value = float(t.get("limit", 0.0)), float(t.get("value", 0.0))
        message = f"threshold {metric}: {format_threshold(metric, value)} is over the limit {format_threshold(metric, limit)}"
        source = run.threshold_sources.get(metric)
        file, line, col = split_source(source) if source else (run.scenario, 1, 1)  # --threshold: no line of its own
        out.append(Finding("failure", f"threshold {metric}", message, file, line, col))
    for problem in run.cleanup_errors:
        out.append(Finding("error", "cleanup", problem, run.scenario, 1, 1))
    by_label = {}
    for p in run.planned:
        by_label[f"#{p.index + 1}"] = p
        if p.id:
            by_label[p.id] = p
    for notice in run.notices:
        text = str(notice.get("text", ""))
        label = text[len("step ") :].split(":", 1)[0] if text.startswith("step ") else ""
        hit = by_label.get(label)
        file, line, col = _where(run, hit)
        out.append(Finding("warning", "fallback", text, file, line, col, hit.index if hit else None))
    return out


def summary_line(run: Run) -> str:
    """`played 6/6 steps in 23.4 s · lateness p99 0.7 ms, max 0.8 ms · underruns 0`."""
    planned = len(run.planned) - run.start_index if run.planned else len(run.steps)
    lateness = run.lateness
    parts = [
        f"{len(run.steps)}/{planned} steps in {run.length:.1f} s",
        f"lateness p50 {ms(lateness.p50)}, p99 {ms(lateness.p99)}, max {ms(lateness.max)}",
        f"underruns {len(run.underruns) if run.underruns or run.local else 'n/a'}",
        f"{len(run.messages)} messages, {run.message_bytes / 1024:.1f} KiB",
    ]
    return " · ".join(parts)
