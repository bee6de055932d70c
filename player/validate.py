"""Validation of files and folders: load and check each, keeping errors and warnings.

A folder stands for every `*.scenario.yaml` below it. Included files are scenario files too (the
contract: "the steps of another scenario file"), so they are validated on their own as well;
give the variables they use defaults in their own `vars:`.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from .checks import check_scenario
from .loader import resolve_file
from .model import Diagnostic, Pos, Scenario

__all__ = ["FileResult", "validate_file", "validate_paths", "expand_paths", "SCENARIO_GLOB"]

SCENARIO_GLOB = "*.scenario.yaml"


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    scenario: Scenario | None  # None when it has errors
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for d in self.diagnostics)

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def validate_file(path: str | Path, *, vars: Mapping[str, str] | None = None) -> tuple[Scenario | None, list[Diagnostic]]:
    """The scenario (None if there is any error) and every diagnostic, errors and warnings,
    sorted by position with the file's own first."""
    display = str(path)
    try:
        scenario, diagnostics = resolve_file(path, vars=vars)
        if scenario is not None:
            diagnostics += check_scenario(scenario, estimate=not diagnostics)
    except RecursionError:
        diagnostics, scenario = [Diagnostic(Pos(display, 1, 1), "scenario is nested too deeply", code="limit")], None
    except Exception as exc:  # noqa: BLE001 - a validator reports, it never shows a traceback
        message = f"internal error: {type(exc).__name__}: {exc}"
        diagnostics, scenario = [Diagnostic(Pos(display, 1, 1), message, "please report this", code="internal")], None
    diagnostics = list(dict.fromkeys(diagnostics))  # a repeat reports its problems once
    diagnostics.sort(key=lambda d: (d.pos.file != display, d.pos.file, d.pos.line, d.pos.col))
    if any(d.severity == "error" for d in diagnostics):
        scenario = None
    return scenario, diagnostics


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Files as given, folders as the scenario files below them; a path that is neither, or a
    folder without scenarios, is an error, never skipped."""
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _scenario_files(path, problems)
            if not found:
                problems.append(Diagnostic(Pos(str(path), 1, 1), f"no {SCENARIO_GLOB} files in this folder", code="file"))
            files.extend(found)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            problems.append(Diagnostic(Pos(str(path), 1, 1), "no such file or folder", code="file"))
    return list(dict.fromkeys(files)), problems


def _scenario_files(folder: Path, problems: list[Diagnostic]) -> list[Path]:
    """Scenario files below `folder`, skipping hidden folders (.git, .venv) and not following
    symlinked folders, so a link loop cannot hang it. An unreadable folder is a problem."""

    def unreadable(exc: OSError) -> None:
        where = str(exc.filename or folder)
        problems.append(Diagnostic(Pos(where, 1, 1), f"cannot read this folder: {exc.strerror or exc}", code="file"))

    found: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root, n) for n in sorted(names) if fnmatch.fnmatch(n, SCENARIO_GLOB))
    return found


def validate_paths(paths: Iterable[str | Path], *, vars: Mapping[str, str] | None = None) -> list[FileResult]:
    """One result per file (and per unusable path), in the order given."""
    files, problems = expand_paths(paths)
    results = [FileResult(d.pos.file, None, (d,)) for d in problems]
    for path in files:
        scenario, diagnostics = validate_file(path, vars=vars)
        results.append(FileResult(str(path), scenario, tuple(diagnostics)))
    return results
