"""Which scenario files a command line names: files as given, folders as the scenario files
below them."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

from ._model import Diagnostic, Pos

__all__ = ["expand_paths", "SCENARIO_GLOB"]

SCENARIO_GLOB = "*.scenario.yaml"


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
