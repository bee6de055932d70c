"""JUnit XML, as CI systems read it (GitHub, GitLab, Jenkins): one <testsuite> per scenario run,
one <testcase> per step (file and line of the step), plus one per threshold.

A failed wait_for or a protocol violation is a <failure> on the step in progress; any other
error of the run (API, join, Ctrl-C, a log cut short) is an <error> there, or on a `setup` case
when no step had started; steps never reached are <skipped>; a threshold over its limit is a
<failure> of its own case; a cleanup failure is an <error> of a `cleanup` case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ..scenario import format_threshold
from ._data import Run, split_source
from ._findings import findings

__all__ = ["render_junit"]


def _case(suite: ET.Element, name: str, classname: str, time: float, file: str, line: int) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=name, classname=classname, time=f"{max(0.0, time):.3f}", file=file, line=str(line))


def _suite(parent: ET.Element, run: Run) -> dict[str, int]:
    suite = ET.SubElement(parent, "testsuite", name=run.name, file=run.scenario)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    found = findings(run)
    step_problem = {f.index: f for f in found if f.index is not None and f.kind != "warning"}
    played = {s.index: k for k, s in enumerate(run.steps)}
    classname = run.scenario
    rows = run.planned[run.start_index :] if run.planned else []
    for row in rows:
        file, line, _ = row.file_line
        k = played.get(row.index)
        case = _case(suite, f"#{row.index + 1} {row.label}", classname, run.span(k) if k is not None else 0.0, file, line)
        counts["tests"] += 1
        problem = step_problem.get(row.index)
        if problem is not None:
            tag = "failure" if problem.kind == "failure" else "error"
            ET.SubElement(case, tag, message=problem.message, type=problem.title).text = f"{file}:{line}: {problem.message}"
            counts["failures" if tag == "failure" else "errors"] += 1
        elif k is None:
            ET.SubElement(case, "skipped", message="not reached")
            counts["skipped"] += 1
        notes = run.notices_for(row)
        if notes:
            ET.SubElement(case, "system-out").text = "\n".join(notes)
    unplaced = [f for f in found if f.kind != "warning" and (f.index is None or f.index not in {r.index for r in rows})]
    for problem in unplaced:
        if problem.title.startswith("threshold"):
            continue  # its own case below
        name = "cleanup" if problem.title == "cleanup" else "setup"
        case = _case(suite, name, classname, 0.0, problem.file, problem.line)
        counts["tests"] += 1
        tag = "failure" if problem.kind == "failure" else "error"
        ET.SubElement(case, tag, message=problem.message, type=problem.title).text = problem.message
        counts["failures" if tag == "failure" else "errors"] += 1
    for t in run.thresholds:
        metric = str(t.get("metric"))
        limit, value = float(t.get("limit", 0.0)), float(t.get("value", 0.0))
        file, line, _ = split_source(run.threshold_sources.get(metric) or run.scenario)
        case = _case(suite, f"threshold {metric} <= {format_threshold(metric, limit)}", classname, 0.0, file, line)
        counts["tests"] += 1
        if not t.get("passed"):
            message = f"{metric} was {format_threshold(metric, value)}, over the limit {format_threshold(metric, limit)}"
            ET.SubElement(case, "failure", message=message, type="threshold").text = message
            counts["failures"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{run.length:.3f}")
    if run.log:
        ET.SubElement(suite, "properties").append(ET.Element("property", name="log", value=run.log))
    return counts


def render_junit(runs: Sequence[Run], *, name: str = "echo-player") -> str:
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for run in runs:
        for key, value in _suite(root, run).items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(r.length for r in runs):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
