"""The text forms of a report: Markdown (also the GitHub step summary) and GitHub Actions
workflow commands that annotate the scenario's lines on a pull request."""

from __future__ import annotations

from collections.abc import Sequence

from ._data import Run
from ._findings import findings, ms, summary_line

__all__ = ["render_markdown", "github_annotations"]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _verdict(run: Run) -> str:
    if not run.played:
        return "planned"
    return "✅ passed" if run.passed else "❌ failed"


def render_markdown(runs: Sequence[Run], *, title: str = "echo-player") -> str:
    """A summary table of every run, then each run's problems with file:line."""
    passed = sum(1 for r in runs if r.passed)
    lines = [f"## {title}: {passed}/{len(runs)} scenarios passed", ""]
    lines += ["| scenario | result | steps | length | lateness p99 | max | underruns | thresholds |", "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        lateness = run.lateness
        planned = len(run.planned) - run.start_index if run.planned else len(run.steps)
        thresholds = ", ".join(f"{t['metric']} {'✅' if t.get('passed') else '❌'}" for t in run.thresholds) or "—"
        lines.append(
            f"| {_cell(run.name)} (`{_cell(run.scenario)}`) | {_verdict(run)} | {len(run.steps)}/{planned} | {run.length:.1f} s | "
            f"{ms(lateness.p99)} | {ms(lateness.max)} | {len(run.underruns)} | {_cell(thresholds)} |"
        )
    for run in runs:
        problems = findings(run)
        if not problems and run.passed:
            continue
        lines += ["", f"### {_cell(run.name)}: {_cell(run.outcome)}", "", summary_line(run), ""]
        for f in problems:
            lines.append(f"- **{f.kind}** `{f.file}:{f.line}` ({f.title}): {_cell(f.message)}")
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(runs: Sequence[Run]) -> str:
    """`::error file=...,line=...::message` for failures and errors, `::warning` for fallbacks."""
    out = []
    for run in runs:
        for f in findings(run):
            level = "warning" if f.kind == "warning" else "error"
            props = f"file={_escape_property(f.file)},line={f.line},col={f.col},title={_escape_property('echo-player ' + f.title)}"
            out.append(f"::{level} {props}::{_escape_data(f.message)}")
    return "\n".join(out) + ("\n" if out else "")
