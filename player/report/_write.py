"""Choosing the format by the output's suffix, and writing files without leaving half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import UsageError
from ._data import Run
from ._html import render_html
from ._svg import render_svg
from ._text import render_markdown

__all__ = ["REPORT_SUFFIXES", "render_report", "write_text"]

REPORT_SUFFIXES = (".html", ".svg", ".md")


def render_report(runs: Sequence[Run], suffix: str, *, what: str = "-o") -> str:
    """The report for `runs` in the format `suffix` names (.html, .svg, .md)."""
    suffix = suffix.lower()
    if suffix in (".html", ".htm"):
        return render_html(runs)
    if suffix == ".md":
        return render_markdown(runs)
    if suffix == ".svg":
        if len(runs) != 1:
            raise UsageError(f"{what}: an SVG picture holds one run, not {len(runs)}; write .html or .md to combine them")
        return render_svg(runs[0])
    raise UsageError(f"{what}: cannot tell the format from {suffix or 'no suffix'!r}; use {', '.join(REPORT_SUFFIXES)}")


def write_text(path: str | Path, text: str, *, what: str) -> None:
    """Write atomically (a report is complete or absent); an unwritable path is a usage error."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write it ({exc.strerror or exc})") from None
