"""The report stage: after playback, from run logs (JSONL) and plans to pictures and summaries.

`_data` reads logs (forgiving: a log cut short by a crash still reports) and plans into `Run`s;
`_findings` decides what failed and where (file:line), which every output shares; `_svg` draws
the timeline; `_html` the self-contained report; `_junit` JUnit XML; `_text` Markdown and
GitHub annotations; `_write` picks the format by suffix. Every renderer is a pure function from
data to text. No core stage imports this package.
"""

from __future__ import annotations

from ._data import PlannedRow, Run, StepRow, log_files, parse_log, read_logs, run_from_plan
from ._findings import Finding, findings, summary_line
from ._html import render_html, render_index
from ._junit import render_junit
from ._svg import render_svg
from ._text import github_annotations, render_markdown
from ._write import REPORT_SUFFIXES, render_report, write_text

__all__ = [
    "Run",
    "PlannedRow",
    "StepRow",
    "parse_log",
    "read_logs",
    "log_files",
    "run_from_plan",
    "Finding",
    "findings",
    "summary_line",
    "render_svg",
    "render_html",
    "render_index",
    "render_markdown",
    "render_junit",
    "github_annotations",
    "render_report",
    "write_text",
    "REPORT_SUFFIXES",
]
