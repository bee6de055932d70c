"""Loading a scenario for the commands that act on one (plan, play): diagnostics are printed
compiler-style on stderr, warnings do not stop it, errors do."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["load_checked"]


def load_checked(file: str, vars: dict[str, str], *, fmt: str = "text") -> Plan | None:
    """The plan of FILE (the one validation built), or None after printing why it is invalid."""
    from ..plan import check_file  # deferred: `echo-player --help` loads no model or plan
    from ..scenario import render_json, render_text

    result = check_file(file, vars=vars)
    if result.diagnostics:
        if fmt == "json" and result.plan is None:
            print(render_json({file: list(result.diagnostics)}), file=sys.stdout)
        else:
            color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
            print(render_text(result.diagnostics, color=color), file=sys.stderr)
    return result.plan
