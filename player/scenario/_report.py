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

# The token a caret underlines. A pattern, not a compiled regex: only a diagnostic needs it, and
# re's own cache compiles it then (a valid file's validate never pays for it).
_TOKEN = r"\$\{[^}]*\}?|\"(?:[^\"\\]|\\.)*\"?|'(?:[^']|'')*'?|[^\s:,\[\]{}#]+"
_MAX_SOURCE = 2 * 1024 * 1024
EXCERPT_WIDTH = 120  # columns of the source line shown around the caret
_MAX_MESSAGE = 300  # characters of a message or hint in text and GitHub output
_BEFORE_CARET = 40  # of them, before it: enough to see the key the value belongs to


def render_text(diagnostics: Iterable[Diagnostic], *, color: bool = False) -> str:
    """rustc-like blocks: `file:line:col: error: message`, the source line, a caret, the hint."""
    return "".join(_block(d, color) for d in diagnostics)


def _block(d: Diagnostic, color: bool) -> str:
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    tone = "red" if d.severity == "error" else "yellow"
    message, hint = _clip(d.message), _clip(d.hint) if d.hint else None
    lines = [f"{style(str(d.pos), bold=True)}: {style(d.severity, fg=tone, bold=True)}: {style(message, bold=True)}"]
    source = _source_line(d.pos.file, d.pos.line)
    if source is not None:
        number = str(d.pos.line)
        pad = " " * len(number)
        shown = source.replace("\t", " ")
        col = min(max(d.pos.col, 1), len(shown) + 1)
        match = re.compile(_TOKEN).match(shown, col - 1)
        width = max(1, len(match.group(0)) if match else 1)
        shown, offset, width = _window(shown, col - 1, width)
        lines += [
            style(f" {pad} |", fg="blue"),
            style(f" {number} |", fg="blue") + f" {shown}",
            style(f" {pad} |", fg="blue") + " " * (offset + 1) + style("^" * width, fg=tone, bold=True),
        ]
        if hint:
            lines.append(style(f" {pad} = ", fg="blue") + f"hint: {hint}")
    elif hint:
        lines.append(f"  = hint: {hint}")
    return "\n".join(lines) + "\n\n"


def _clip(text: str) -> str:
    """A message or hint quoting a huge value (a 100,000-character key) keeps its start and its
    end, which say what is wrong; JSON output keeps the whole text."""
    if len(text) <= _MAX_MESSAGE:
        return text
    return text[: _MAX_MESSAGE * 2 // 3] + "…" + text[-(_MAX_MESSAGE // 3) :]


def _window(line: str, at: int, width: int) -> tuple[str, int, int]:
    """At most EXCERPT_WIDTH columns of `line` around column `at` (0-based), each cut marked
    with `…`, and where the caret and its width fall in what is shown. A minified or generated
    line of 100,000 characters must not print 200 KB (the line and its caret)."""
    if len(line) <= EXCERPT_WIDTH:
        return line, at, width
    start = max(0, at - _BEFORE_CARET)
    end = min(len(line), start + EXCERPT_WIDTH)
    start = max(0, end - EXCERPT_WIDTH)
    head = "…" if start > 0 else ""
    tail = "…" if end < len(line) else ""
    return head + line[start:end] + tail, len(head) + at - start, max(1, min(width, end - at))


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
        text = _clip(d.message) + (f" ({_clip(d.hint)})" if d.hint else "")
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
