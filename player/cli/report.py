"""Command: report (a run log, or several merged, to a picture, a report, JUnit)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from ..exitcodes import ExitCode
from ._outputs import Outputs, write_outputs


@click.command("report")
@click.argument("logs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "output", metavar="FILE", help="Write the report here: .html, .svg or .md by the suffix.")
@click.option("--merge", is_flag=True, help="Combine several logs (files or folders of *.jsonl) into one report.")
@click.option("--junit", metavar="FILE", help="Write JUnit XML, one testsuite per run.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True, help="github: annotate failing steps."
)
def report_command(logs: tuple[str, ...], output: str | None, merge: bool, junit: str | None, fmt: str) -> ExitCode:
    """Draw what happened in the run log(s) LOGS: the timeline, the steps, the outcome."""
    from ..report import read_logs

    runs = read_logs(list(logs))
    if not runs:
        raise UsageError(f"no run logs (*.jsonl) in {', '.join(logs)}")
    if len(runs) > 1 and not merge:
        raise UsageError(f"{len(runs)} runs in {', '.join(logs)}: pass --merge to combine them into one report")
    if output is None and junit is None and fmt == "text":
        raise UsageError("nothing to write: give -o FILE (.html, .svg, .md), --junit FILE or --format github")
    if output and Path(output).suffix.lower() not in (".html", ".htm", ".svg", ".md"):
        raise UsageError(f"-o {output}: the suffix picks the format: .html, .svg or .md")
    # Only what was asked for: the step summary belongs to `play`, not to re-drawing a log.
    write_outputs(runs, Outputs(output, junit, fmt), step_summary=False)
    if output:
        passed = sum(1 for r in runs if r.passed)
        click.echo(f"wrote {output} ({len(runs)} run{'s' if len(runs) != 1 else ''}, {passed} passed)", err=True)
    return ExitCode.OK


COMMANDS: list[click.Command] = [report_command]
