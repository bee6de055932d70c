"""What `play` leaves behind for people and CI besides its console: the report (--report), JUnit
(--junit), GitHub annotations (--format github) and the GitHub step summary (appended to
$GITHUB_STEP_SUMMARY when it is set). All of it is drawn from run logs, so a run that failed or
was interrupted still reports what the log holds."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report import Run

__all__ = ["Outputs", "write_outputs", "wants_outputs", "missing_run", "STEP_SUMMARY"]

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True, slots=True)
class Outputs:
    """What a play writes besides its console: --report, --junit and --format."""

    report: str | None = None  # a file (one run) or a folder (a suite)
    junit: str | None = None
    fmt: str = "text"  # text | github


def wants_outputs(outputs: Outputs) -> bool:
    return bool(outputs.report or outputs.junit or outputs.fmt == "github" or os.environ.get(STEP_SUMMARY))


def missing_run(scenario: str, code: int) -> "Run":
    """A scenario that left no log (invalid, or a usage error): still a failed suite entry."""
    from ..report import Run

    reason = "invalid scenario" if code == 1 else f"no run log (exit {code})"
    return Run(scenario=scenario, name=Path(scenario).name, end={"outcome": f"failed: {reason}", "error": "Invalid"})


def write_outputs(
    runs: Sequence["Run"], outputs: Outputs, *, suite_reports: Sequence[str] | None = None, step_summary: bool = True
) -> None:
    """Every output asked for. With `suite_reports` (one file name per run), --report is a folder
    holding each run's report under those names and an index.html linking them."""
    from ..report import github_annotations, render_html, render_index, render_junit, render_markdown, render_report, write_text

    if outputs.report:
        if suite_reports is None:
            what = "-o" if not step_summary else "--report"
            write_text(outputs.report, render_report(runs, Path(outputs.report).suffix, what=what), what=what)
        else:
            folder = Path(outputs.report)
            for run, name in zip(runs, suite_reports):
                write_text(folder / name, render_html([run]), what="--report")
            write_text(folder / "index.html", render_index(runs, suite_reports), what="--report")
    if outputs.junit:
        write_text(outputs.junit, render_junit(runs), what="--junit")
    if outputs.fmt == "github":
        sys.stdout.write(github_annotations(runs))
        sys.stdout.flush()
    summary = os.environ.get(STEP_SUMMARY) if step_summary else None
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as out:
                out.write(render_markdown(runs) + "\n")
        except OSError as exc:
            print(f"echo-player: warning: {STEP_SUMMARY}: cannot append to {summary} ({exc.strerror or exc})", file=sys.stderr)
