"""Rendering Diagnostics: compiler-style text with the source line and a caret, JSON, and GitHub
Actions annotations. Pure functions from diagnostics to text; printing is the caller's.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from stat import S_ISREG
from typing import Any

import click

from ._model import Diagnostic

__all__ = ["render_text", "render_json", "render_github", "diagnostic_dict", "summary", "plural"]

_TOKEN = re.compile(r"\$\{[^}]*\}?|\"(?:[^\"\\]|\\.)*\"?|'(?:[^']|'')*'?|[^\s:,\[\]{}#]+")
_MAX_SOURCE = 2 * 1024 * 1024


def render_text(diagnostics: Iterable[Diagnostic], *, color: bool = False) -> str:
    """rustc-like blocks: `file:line:col: error: message`, the source line, a caret, the hint."""
    return "".join(_block(d, color) for d in diagnostics)


def _block(d: Diagnostic, color: bool) -> str:
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    tone = "red" if d.severity == "error" else "yellow"
    lines = [f"{style(str(d.pos), bold=True)}: {style(d.severity, fg=tone, bold=True)}: {style(d.message, bold=True)}"]
    source = _source_line(d.pos.file, d.pos.line)
    if source is not None:
        number = str(d.pos.line)
        pad = " " * len(number)
        shown = source.replace("\t", " ")
        col = min(max(d.pos.col, 1), len(shown) + 1)
        match = _TOKEN.match(shown, col - 1)
        width = max(1, len(match.group(0)) if match else 1)
        lines += [
            style(f" {pad} |", fg="blue"),
            style(f" {number} |", fg="blue") + f" {shown}",
            style(f" {pad} |", fg="blue") + " " * col + style("^" * width, fg=tone, bold=True),
        ]
        if d.hint:
            lines.append(style(f" {pad} = ", fg="blue") + f"hint: {d.hint}")
    elif d.hint:
        lines.append(f"  = hint: {d.hint}")
    return "\n".join(lines) + "\n\n"


@functools.lru_cache(maxsize=32)
def _source_lines(file: str, mtime_ns: int, size: int) -> tuple[str, ...] | None:
    """The file's lines; keyed on its modification time and size so an edit is seen."""
    if size > _MAX_SOURCE:
        return None
    try:
        return tuple(Path(file).read_bytes().decode("utf-8", "replace").lstrip("\ufeff").splitlines())
    except (OSError, ValueError):
        return None


def _source_line(file: str, line: int) -> str | None:
    try:
        stat = Path(file).stat()
    except (OSError, ValueError):
        return None
    if not S_ISREG(stat.st_mode):  # a named pipe would block the read: no excerpt for it
        return None
    lines = _source_lines(file, stat.st_mtime_ns, stat.st_size)
    if lines is None or not 0 < line <= len(lines):
        return None
    return lines[line - 1]


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.pos.file,
        "line": d.pos.line,
        "col": d.pos.col,
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
    }


def render_json(files: Mapping[str, Sequence[Diagnostic]], *, strict: bool = False) -> str:
    """One object: overall `valid`, counts, and per file its diagnostics."""
    entries = []
    for path, diagnostics in files.items():
        errors = sum(d.severity == "error" for d in diagnostics)
        warnings = len(diagnostics) - errors
        entries.append(
            {
                "path": path,
                "valid": not errors and not (strict and warnings),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": [diagnostic_dict(d) for d in diagnostics],
            }
        )
    return json.dumps(
        {
            "valid": all(e["valid"] for e in entries),
            "errors": sum(e["errors"] for e in entries),
            "warnings": sum(e["warnings"] for e in entries),
            "files": entries,
        },
        indent=2,
        ensure_ascii=False,
    )


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=T::message`."""
    out = []
    for d in diagnostics:
        props = f"file={_prop(d.pos.file)},line={d.pos.line},col={d.pos.col},title={_prop('echo-player ' + d.code)}"
        text = d.message + (f" ({d.hint})" if d.hint else "")
        out.append(f"::{d.severity} {props}::{_data(text)}\n")
    return "".join(out)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def plural(n: int, word: str) -> str:
    """`1 step`, `2 steps`: for every count echo-player prints."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(files: int, errors: int, warnings: int) -> str:
    return f"{plural(files, 'file')} checked: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
