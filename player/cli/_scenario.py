"""Loading a scenario for the commands that act on one (plan, play): diagnostics are printed
compiler-style on stderr, warnings do not stop it, errors do."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["load_checked"]


def load_checked(file: str, vars: dict[str, str], *, fmt: str = "text", strict: bool = False) -> Plan | None:
    """The plan of FILE (the one validation built), or None after printing why it is invalid
    (with `strict`, a warning makes it invalid too)."""
    from ..plan import check_file  # deferred: `echo-player --help` loads no model or plan
    from ..scenario import plural, render_json, render_text

    result = check_file(file, vars=vars)
    failed = not result.ok(strict=strict)
    if result.diagnostics:
        if fmt == "json" and failed:
            print(render_json({file: list(result.diagnostics)}), file=sys.stdout)
        else:
            color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
            print(render_text(result.diagnostics, color=color), file=sys.stderr)
    if failed and result.plan is not None:  # only warnings, and --strict
        print(f"echo-player: {plural(result.warnings, 'warning')} with --strict: stopping", file=sys.stderr)
    return None if failed else result.plan
